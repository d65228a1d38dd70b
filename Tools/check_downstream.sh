#!/usr/bin/env bash
# Downstream-package check: does ContextStore work as a dependency of an app package in Swift 6
# language mode? Creates a temporary package OUTSIDE the repository (mktemp -d) that depends on
# this repository by path (swift-tools-version 6.1, swiftLanguageModes [.v6]), whose program
# encodes and decodes ContextSegments with Foundation's JSONEncoder/JSONDecoder, sorts them by
# createdAt, converts a Timestamp to and from Date, puts segments in a Set and maps \.id; builds
# and runs it (`swift run`, scratch path inside the temporary directory) and compares what it
# prints with the expected output.
#
# Exit 0 only if the package compiles and prints exactly the expected lines. Slow (a full debug
# build of the library). Needs no network beyond what resolving this repository's own
# dependencies needs (swift-argument-parser, from the same source as a build of the repository,
# pinned to its Package.resolved).
#   CONTEXTSTORE_KEEP_DOWNSTREAM=1   keep the temporary directory (its path is printed)
# Run by hand, or by the test suite with CONTEXTSTORE_DOWNSTREAM_CHECK=1
# (SegmentCodableTests.downstreamPackageBuildsAndRuns).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
identity="$(basename "$repo")"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/contextstore-downstream.XXXXXX")"
case "$tmp/" in
  "$repo"/*) echo "check_downstream: temporary directory $tmp is inside the repository" >&2; exit 1 ;;
esac
if [ "${CONTEXTSTORE_KEEP_DOWNSTREAM:-}" = 1 ]; then
  echo "check_downstream: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi

pkg="$tmp/Downstream"
mkdir -p "$pkg/Sources/Downstream"
# Same dependency versions as the repository's own build.
if [ -f "$repo/Package.resolved" ]; then cp "$repo/Package.resolved" "$pkg/Package.resolved"; fi

cat > "$pkg/Package.swift" <<EOF
// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Downstream",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "$repo"),
    ],
    targets: [
        .executableTarget(
            name: "Downstream",
            dependencies: [.product(name: "ContextStore", package: "$identity")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
EOF

cat > "$pkg/Sources/Downstream/main.swift" <<'EOF'
import ContextStore
import Foundation

// Segments an app might hold: NFC and NFD ids, a naive time, offsets, a fraction.
let nfc = ContextSegment(
    segmentID: "caf\u{E9}", text: "naïve café 🙂", type: .note, projectID: "app",
    createdAt: try Timestamp(iso8601: "2025-01-01T00:00:00.000500-08:00"),  // 08:00:00.0005 UTC
    lineRange: LineRange(3, 9), tags: ["x", "y"], tier: .stashed)
let nfd = ContextSegment(
    segmentID: "cafe\u{301}", text: "decomposed", type: .code, projectID: "app",
    createdAt: try Timestamp(iso8601: "2025-01-01T07:00:00Z"))
let naive = ContextSegment(
    segmentID: "s3", text: "naive time", type: .decision, projectID: "app",
    createdAt: try Timestamp(iso8601: "2024-06-01 12:00"), pinned: true, tokens: 2)
let segments = [nfc, nfd, naive]

// Codable with Foundation's JSONEncoder / JSONDecoder.
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
let data = try encoder.encode(segments)
let decoded = try JSONDecoder().decode([ContextSegment].self, from: data)
print("round trip equal:", decoded == segments)
print("keys:", try (JSONSerialization.jsonObject(with: encoder.encode(naive)) as! [String: Any]).keys.sorted().joined(separator: ","))
print("created_at:", decoded.map(\.createdAt.iso8601).joined(separator: " "))
do {
    _ = try JSONDecoder().decode(ContextSegment.self, from: Data(#"{"segment_id":"x","text":"","type":"memo","project_id":"p","created_at":"2025-01-01","last_touched_at":"2025-01-01"}"#.utf8))
    print("bad type: accepted")
} catch is DecodingError {
    print("bad type: DecodingError")
}

// Sorting by createdAt orders by instant.
let sorted = decoded.sorted { $0.createdAt < $1.createdAt }
print("by createdAt:", sorted.map(\.text).joined(separator: " | "))

// Timestamp <-> Date.
let date = Date(timeIntervalSinceReferenceDate: 786_297_600.123456)
let stamp = Timestamp(date)
print("from Date:", stamp.iso8601, stamp.date == date)
print("to Date:", Timestamp(nfc.createdAt.date).iso8601)

// Hashable (byte-exact: NFC and NFD ids stay apart) and Identifiable.
let set = Set(segments + decoded)
print("set count:", set.count)
print("ids:", segments.map(\.id).map { Array($0.utf8).count }.map(String.init).joined(separator: ","))
EOF

expected='round trip equal: true
keys: created_at,file_path,gc_survival_count,generation,last_touched_at,line_range,pinned,project_id,refcount,segment_id,tags,task_id,text,text_hash,tier,tokens,tokens_computed_at,topic_id,type
created_at: 2025-01-01T00:00:00.000500-08:00 2025-01-01T07:00:00Z 2024-06-01T12:00:00
bad type: DecodingError
by createdAt: naive time | decomposed | naïve café 🙂
from Date: 2025-12-01T16:00:00.123456Z true
to Date: 2025-01-01T08:00:00.000500Z
set count: 3
ids: 5,6,2'

echo "check_downstream: building $pkg (depends on $repo as '$identity', Swift 6 mode)"
if ! swift build --package-path "$pkg" --scratch-path "$tmp/.build" > "$tmp/build.log" 2>&1; then
  tail -40 "$tmp/build.log" >&2
  echo "check_downstream: FAILED: the downstream package does not build" >&2
  exit 1
fi
actual="$(swift run --package-path "$pkg" --scratch-path "$tmp/.build" --skip-build Downstream 2> "$tmp/run.err")" || {
  cat "$tmp/run.err" >&2
  echo "check_downstream: FAILED: the downstream program failed" >&2
  exit 1
}
printf '%s\n' "$actual"
if [ "$actual" != "$expected" ]; then
  echo "check_downstream: FAILED: unexpected output; expected:" >&2
  printf '%s\n' "$expected" >&2
  exit 1
fi
echo "check_downstream: OK"
