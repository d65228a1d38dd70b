import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Helpers shared by the import tests.
enum ImportTestSupport {
    /// SPEC.md section 10 in Python, as the oracle of export file names: `names(pids, suffix)`
    /// maps each project id to its name for a suffix of `suffix` bytes (5 for `.json`, 13 for
    /// `_YYYY-MM.json`).
    static let exportNamesPython = #"""
import hashlib

def literal(pid, suffix):
    b = pid.encode()
    return len(b) > 0 and pid not in (".", "..") and "/" not in pid and "\0" not in pid and len(b) + suffix <= 255

def esc(pid):
    b = pid.encode()
    if not b:
        return "%"
    s = "".join(chr(c) if (c < 128 and (chr(c).isalnum() or chr(c) in "_-")) or (c == 0x2E and i > 0) else "%%%02X" % c
                for i, c in enumerate(b))
    if len(s) > 180:
        cut = 120
        if s[cut - 1] == "%": cut -= 1
        elif s[cut - 2] == "%": cut -= 2
        s = s[:cut] + "~" + hashlib.sha256(b).hexdigest()[:16]
    return s

def names(pids, suffix):
    out = {p: p for p in pids if literal(p, suffix)}
    taken = set(out.values())
    for p in sorted((p for p in set(pids) if not literal(p, suffix)), key=lambda p: p.encode()):
        n = esc(p)
        if n in taken:
            hashed = n + "~" + hashlib.sha256(p.encode()).hexdigest()[:16]
            n, k = hashed, 2
            while n in taken:
                n, k = hashed + "~%d" % k, k + 1
        taken.add(n)
        out[p] = n
    return out

"""#

    /// Lays out segments Python wrote (one per line of the NDJSON made by
    /// `JSONRoundTripTests.generator`) the way the old layer kept them, one tree per form,
    /// each written with `json.dump(obj, f, indent=2)` (NDJSON: compact lines):
    ///
    ///     <out>/sharded/stashed/<name>.json             one file per project
    ///     <out>/monthly/stashed/<name>_<YYYY-MM>.json   one file per project and month
    ///     <out>/legacy/storage.json                     every project, with its indexes
    ///     <out>/ndjson/segments.ndjson                  every project, grouped
    ///
    /// `<name>` is the project's name as SPEC.md section 10 says (`exportNamesPython`: the id
    /// as it is where it is a valid file name, else escaped). Projects appear in the
    /// order of their first segment, and a repeated (project, id) is dropped, so these trees
    /// are what `export` must write for a store holding exactly these segments. Every
    /// segment gets a token cache the store trusts (`text_hash` = SHA-256 of the text), so
    /// import leaves each byte as it was.
    static let layoutScript = exportNamesPython + #"""
import hashlib, json, os, random, sys
from old_layer import legacy_document
src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)

segs, seen = [], set()
for line in open(src, encoding="utf-8", newline=""):
    if not line.strip():
        continue
    s = json.loads(line)
    key = (s["project_id"], s["segment_id"])
    if key in seen:
        continue
    seen.add(key)
    if s["tokens"] is None:
        s["tokens"] = rng.randint(0, 5000)
    s["text_hash"] = hashlib.sha256(s["text"].encode()).hexdigest()
    segs.append(s)

projects = {}
for s in segs:
    projects.setdefault(s["project_id"], []).append(s)

def dump(path, obj):
    path = os.path.join(out, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)

sharded_names, monthly_names = names(list(projects), 5), names(list(projects), 13)
for pid, ps in projects.items():
    dump("sharded/stashed/%s.json" % sharded_names[pid], {"segments": ps})
    months = {}
    for s in ps:
        months.setdefault(s["created_at"][:7], []).append(s)
    for m, ms in months.items():
        dump("monthly/stashed/%s_%s.json" % (monthly_names[pid], m), {"segments": ms})

legacy = legacy_document(projects)
dump("legacy/storage.json", legacy)

os.makedirs(os.path.join(out, "ndjson"), exist_ok=True)
with open(os.path.join(out, "ndjson", "segments.ndjson"), "w", encoding="utf-8") as f:
    for ps in projects.values():
        for s in ps:
            f.write(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n")
print(len(segs), len(projects))
"""#

    /// Runs `JSONRoundTripTests.generator` and `layoutScript`; returns the layout's root and
    /// the segment and project counts (nil, with an issue, if Python fails).
    static func pythonLayout(seed: Int, count: Int) -> (root: String, segments: Int, projects: Int)? {
        guard let raw = JSONRoundTripTests.generate(seed: seed, count: count) else { return nil }
        defer { JSONTestSupport.remove(raw) }
        let root = JSONTestSupport.temporaryDirectory("import-layout\(seed)")
        guard let out = JSONTestSupport.python(layoutScript, [raw + "/log.ndjson", root, String(seed)]) else {
            JSONTestSupport.remove(root)
            return nil
        }
        let counts = String(decoding: out, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard counts.count == 2 else {
            Issue.record("layout script printed \(String(decoding: out, as: UTF8.self))")
            return nil
        }
        return (root, counts[0], counts[1])
    }

    /// `Samples.trusted` with the library's SHA-256 as the text hash: a segment `put` and
    /// `import` store exactly as given.
    static func segment(_ id: String, project: String = "p", text: String? = nil, i: Int = 0) -> ContextSegment {
        Samples.trusted(id, project: project, text: text, i: i, textHash: SHA256.hexDigest(of:))
    }

    /// Imports and returns the error, recording an issue if the import succeeded.
    static func importError(_ store: ContextStore, _ paths: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) async -> ImportError? {
        do throws(ImportError) {
            let r = try await store.importFiles(paths)
            Issue.record("expected the import to fail; it imported \(r.segments) segment(s)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// The store holds nothing at all (an import that failed left no trace).
    static func expectEmpty(_ store: ContextStore, _ projects: [String] = ["p", "q"],
                            sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try store.projectIDs().isEmpty, "projects: \((try? store.projectIDs()) ?? [])", sourceLocation: sourceLocation)
        #expect(try store.allTotals().isEmpty, sourceLocation: sourceLocation)
        for p in projects {
            #expect(try store.totals(project: p) == nil, sourceLocation: sourceLocation)
            let live = try store.scan(project: p)
            #expect(live.isEmpty, sourceLocation: sourceLocation)
        }
    }

    /// Every live segment of the store, per project (keyed by bytes), in the order of latest write.
    static func liveSegments(_ store: ContextStore) async throws -> [ByteKey: [ContextSegment]] {
        var out: [ByteKey: [ContextSegment]] = [:]
        for p in try store.projectIDs() {
            var list: [ContextSegment] = []
            try store.forEachLiveSegment(project: p) { list.append($0) }
            out[ByteKey(p)] = list
        }
        return out
    }
}
