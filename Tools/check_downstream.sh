#!/usr/bin/env bash
# Downstream-package check: does ContextStore work as a dependency of an app package in Swift 6
# language mode? Creates a temporary package OUTSIDE the repository (mktemp -d) that depends on
# this repository by path (swift-tools-version 6.1, swiftLanguageModes [.v6]), whose program
# encodes and decodes ContextSegments with Foundation's JSONEncoder/JSONDecoder, sorts them by
# createdAt, converts a Timestamp to and from Date, puts segments in a Set and maps \.id, then
# opens a temporary store and calls `export`, `importFiles`, `forEachLiveSegment` and
# `compact(progress:)` from an actor and from a @MainActor class with closures that mutate
# their state (the isolated-closure API); builds and runs it (`swift run`, scratch path inside
# the temporary directory) and compares what it prints with the expected output.
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

// The store's long operations from an actor and from the main actor, with closures that
// mutate the caller's state (non-Sendable closures, called back on the caller's isolation).
actor Library {
    var exported = 0
    var visited: [Int] = []
    var importCalls = 0
    var lastImport: ImportProgress?
    var compactCalls = 0
    var compactInOrder = true
    var lastCompact: Int64 = 0

    func sync(_ store: ContextStore, _ dir: String) async throws -> String {
        let export = try await store.export(to: dir + "/actor-export", format: .ndjson) { n in self.exported += n }
        try store.forEachLiveSegment(project: "app") { s in self.visited.append(Array(s.segmentID.utf8).count) }
        let target = try ContextStore.open(directory: dir + "/actor-target")
        defer { target.close() }
        let imported = try await target.importFiles([dir + "/actor-export/segments.ndjson"]) { p in
            self.importCalls += 1
            self.lastImport = p
        }
        let compaction = try await store.compact { done, _ in
            self.compactInOrder = self.compactInOrder && done >= self.lastCompact
            self.lastCompact = done
            self.compactCalls += 1
        }
        let lastImportWhole = lastImport.map { $0.bytesRead == $0.totalBytes } ?? false
        return "actor: exported \(export.segments) (progress \(exported)); visited \(visited.map(String.init).joined(separator: ","));"
            + " imported \(imported.segments) (progress reached the end: \(lastImportWhole));"
            + " compacted \(compaction.recordsIn) records into \(compaction.recordsOut) (progress \(compactCalls > 0), in order \(compactInOrder))"
    }
}

@MainActor final class Panel {
    var exported = 0
    var visited = 0
    var importedSegments = 0
    var compactCalls = 0

    func refresh(_ store: ContextStore, _ dir: String) async throws -> String {
        let export = try await store.export(to: dir + "/main-export", format: .sharded) { n in self.exported += n }
        try store.forEachLiveSegment(project: "app") { _ in self.visited += 1 }
        try await store.put(segments)  // a new version of each, for the compaction to drop
        let target = try ContextStore.open(directory: dir + "/main-target")
        defer { target.close() }
        _ = try await target.importFiles([dir + "/main-export"]) { p in self.importedSegments = p.segments }
        let compaction = try await store.compact { _, _ in self.compactCalls += 1 }
        return "main actor: exported \(export.files.count) file(s) (progress \(exported)); visited \(visited);"
            + " import progress \(importedSegments); compaction \(compaction.recordsIn) records into \(compaction.recordsOut) (progress \(compactCalls > 0))"
    }
}

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("downstream-\(UUID().uuidString)").path
defer { try? FileManager.default.removeItem(atPath: dir) }
var configuration = Configuration()
configuration.autoCompaction = false  // only the compactions below, so their reports are fixed
let store = try ContextStore.open(directory: dir + "/store", configuration: configuration)
// Two versions of each segment in two index files, so that each compaction below has a job.
try await store.put(segments)
try await store.compact()
try await store.put(segments)
print(try await Library().sync(store, dir))
print(try await Panel().refresh(store, dir))
print("totals:", try store.totals(project: "app")?.segments ?? -1, "write records:", store.writeStatistics.records)
store.close()
/// What a StoreError says, as this program prints it.
func describe(_ error: any Error) -> String {
    guard let e = error as? StoreError else { return "not a StoreError: \(error)" }
    switch e {
    case .closed: return "closed"
    case let .invalidConfiguration(field, _, _): return field
    default: return "other: \(e)"
    }
}
do {
    _ = try store.projectIDs()
    print("after close: accepted")
} catch {
    print("after close:", describe(error))
}
do {
    var bad = Configuration()
    bad.batchTargetBytes = 1 << 30
    _ = try ContextStore.open(directory: dir + "/bad", configuration: bad)
    print("bad configuration: accepted")
} catch {
    print("bad configuration:", describe(error))
}
EOF

expected='round trip equal: true
keys: created_at,file_path,gc_survival_count,generation,last_touched_at,line_range,pinned,project_id,refcount,segment_id,tags,task_id,text,text_hash,tier,tokens,tokens_computed_at,topic_id,type
created_at: 2025-01-01T00:00:00.000500-08:00 2025-01-01T07:00:00Z 2024-06-01T12:00:00
bad type: DecodingError
by createdAt: naive time | decomposed | naïve café 🙂
from Date: 2025-12-01T16:00:00.123456Z true
to Date: 2025-01-01T08:00:00.000500Z
set count: 3
ids: 5,6,2
actor: exported 3 (progress 3); visited 5,6,2; imported 3 (progress reached the end: true); compacted 6 records into 3 (progress true, in order true)
main actor: exported 1 file(s) (progress 3); visited 3; import progress 3; compaction 6 records into 3 (progress true)
totals: 3 write records: 9
after close: closed
bad configuration: batchTargetBytes'

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
