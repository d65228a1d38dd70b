import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The old layer's spill files, `evicted/<segment_id>.json` (one segment object each, as
/// `json.dump(segment, f, indent=2)` wrote it), imported with an old-layer directory after
/// `storage.json` and `stashed/`, and counted in the report. Python writes the directory.
@Suite struct ImportSpillFileTests {
    /// An old-layer directory at argv[1]: storage.json, stashed/p.json, and spill files for a
    /// newer `a` of p (which supersedes both older versions), a new `w` of p (astral and
    /// non-ASCII text), `s` of a project only spilled (tier `stashed`, kept), and `real-id`
    /// of q in a file named `misnamed.json`. Strays: evicted/notes.txt and evicted/sub/.
    /// Prints, as JSON, the live state expected from the documented order (storage.json,
    /// stashed/*.json, evicted/*.json, each by name; a later version replaces an earlier one
    /// and moves to the end): {project: [[id, text, tier], ...]}.
    static let oldLayerScript = #"""
import hashlib, json, os, sys
from old_layer import legacy_document, dump, spill
root = sys.argv[1]

def seg(sid, pid, text, tier="working"):
    return {"segment_id": sid, "text": text, "type": "note", "project_id": pid, "task_id": None,
            "created_at": "2025-01-02T03:04:05.250000", "last_touched_at": "2025-01-02T03:04:05Z", "pinned": False,
            "generation": "young", "gc_survival_count": 0, "refcount": 0, "file_path": None, "line_range": None,
            "tags": ["spill"] if tier == "working" else [], "topic_id": None, "tokens": 3, "tokens_computed_at": None,
            "text_hash": hashlib.sha256(text.encode()).hexdigest(), "tier": tier}

legacy = {"p": [seg("a", "p", "a v1", "stashed"), seg("b", "p", "b v1", "stashed")], "q": [seg("z", "q", "z v1", "archive")]}
dump(os.path.join(root, "storage.json"), legacy_document(legacy))
dump(os.path.join(root, "stashed", "p.json"), {"segments": [seg("a", "p", "a v2", "stashed"), seg("c", "p", "c v2", "stashed")]})
spill(root, seg("a", "p", "a v3, back in the working set"))
spill(root, seg("w", "p", "w \u00e9\U0001F600 \u4e2d\n\"quoted\""))
spill(root, seg("s", "r", "s of r", "stashed"))
dump(os.path.join(root, "evicted", "misnamed.json"), seg("real-id", "q", "named by its content"))
with open(os.path.join(root, "evicted", "notes.txt"), "w") as f: f.write("not a segment")
os.makedirs(os.path.join(root, "evicted", "sub"))

files = [os.path.join(root, "storage.json")] + [os.path.join(root, d, n) for d in ("stashed", "evicted")
         for n in sorted(os.listdir(os.path.join(root, d)), key=lambda n: n.encode()) if n.endswith(".json")]
live = {}
for path in files:
    doc = json.load(open(path, encoding="utf-8"))
    segs = [s for p in doc["projects"].values() for s in p["segments"]] if "projects" in doc else doc.get("segments", [doc])
    for s in segs:
        l = live.setdefault(s["project_id"], [])
        l[:] = [x for x in l if x[0] != s["segment_id"]] + [[s["segment_id"], s["text"], s["tier"]]]
print(json.dumps(live))
"""#

    /// Writes the directory under `root`; returns Python's expected live state.
    static func oldLayer(_ root: String) -> [String: [[String]]]? {
        guard let out = JSONTestSupport.python(oldLayerScript, [root]) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(out))) as? [String: [[String]]]
    }

    @Test func spillFilesAreImportedLastKeepTheirTierAndAreCounted() async throws {
        let tmp = TempDir("import-spill"); defer { tmp.cleanup() }
        let old = tmp.sub("old")
        guard let expected = Self.oldLayer(old) else { return }
        let before = treeSnapshot(old)
        let store = try ContextStore.open(directory: tmp.sub("store"))
        let report = try await store.importFiles([old])

        let spills = ["a.json", "misnamed.json", "s.json", "w.json"].map { old + "/evicted/" + $0 }
        #expect(report.files.map(\.path) == [old + "/storage.json", old + "/stashed/p.json"] + spills)
        #expect(report.files.map(\.format) == [.legacy, .sharded, .segment, .segment, .segment, .segment])
        #expect(report.files.map(\.isSpill) == [false, false, true, true, true, true])
        #expect(report.spillFiles == 4 && report.spillSegments == 4)
        #expect(report.segments == 3 + 2 + 4)
        #expect(Set(report.ignored) == [old + "/evicted/notes.txt", old + "/evicted/sub"])

        // The store holds what Python's reading of the files gives in the documented order.
        let live = try await ImportTestSupport.liveSegments(store)
        #expect(Set(live.keys) == Set(expected.keys.map(ByteKey.init)))
        for (p, list) in expected {
            let got = live[ByteKey(p)]?.map { [$0.segmentID, $0.text, $0.tier.rawValue] }
            #expect(got == list, "\(p)")
        }
        // Spelled out: the spilled `a` won, tiers are the content's, ids are the content's.
        #expect(try store.get(project: "p", ids: ["a"]).map(\.text) == ["a v3, back in the working set"])
        #expect(try store.get(project: "p", ids: ["a", "w"]).map(\.tier) == [.working, .working])
        #expect(try store.get(project: "r", ids: ["s"]).map(\.tier) == [.stashed])
        #expect(try store.get(project: "q", ids: ["real-id"]).count == 1)
        #expect(try store.get(project: "q", ids: ["misnamed"]).isEmpty)
        #expect(try store.totals(project: "p")?.segments == 4)

        // Our one-segment writer gives Python's bytes for each spill file.
        for path in spills {
            let bytes = SegmentFiles.read(path)
            let s = try SegmentFileReader(path: path).readAll()
            #expect(s.count == 1 && JSONSegmentEncoder.encode(s[0], style: .indented) == bytes, "\(path)")
        }
        store.close()
        #expect(treeSnapshot(old) == before, "the old layer's directory changed")
    }

    /// `ctxstore import` counts spill files in its text and --json summaries.
    @Test func theImportCommandCountsSpillFiles() async throws {
        let tmp = TempDir("import-spill-cli"); defer { tmp.cleanup() }
        let old = tmp.sub("old")
        guard Self.oldLayer(old) != nil else { return }
        let (status, out, err) = try runCtxstore(["import", "--store", tmp.sub("s1"), "--json", old])
        #expect(status == 0, "\(err)")
        let summary = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        #expect(summary?["spill_files"] as? Int == 4 && summary?["spill_segments"] as? Int == 4, "\(out)")
        #expect(summary?["segments"] as? Int == 9)
        let files = summary?["files"] as? [[String: Any]] ?? []
        #expect(files.map { $0["spill"] as? Bool } == [false, false, true, true, true, true])
        #expect(files.map { $0["format"] as? String } == ["legacy", "sharded", "segment", "segment", "segment", "segment"])
        #expect(err.contains("ignored \(old)/evicted/notes.txt"), "\(err)")

        let (textStatus, text, textErr) = try runCtxstore(["import", "--store", tmp.sub("s2"), old])
        #expect(textStatus == 0, "\(textErr)")
        #expect(text.contains("imported 9 segment(s) from 6 file(s)"), "\(text)")
        #expect(text.contains("spill files: 4 segment(s) from 4 evicted/*.json file(s)"), "\(text)")
        #expect(textErr.contains("\(old)/evicted/w.json: segment (spill file), 1 segment(s)"), "\(textErr)")
    }

    /// A bad spill file is named with the segment's position (line and column of the bad
    /// key, as Python's json.dump laid it out), and nothing is imported; so is data after
    /// the object.
    @Test func aBadSpillFileNamesTheFileAndPosition() async throws {
        let tmp = TempDir("import-spill-bad"); defer { tmp.cleanup() }
        let script = #"""
import json, os, sys
from old_layer import dump, spill
root = sys.argv[1]
s = {"segment_id": "x", "text": "t", "type": "snippet", "project_id": "p", "created_at": "2025-01-01T00:00:00",
     "last_touched_at": "2025-01-01T00:00:00"}
dump(os.path.join(root, "stashed", "p.json"), {"segments": [dict(s, type="note", segment_id="ok")]})
spill(root, s)
dump(os.path.join(root + "-trailing", "evicted", "y.json"), dict(s, type="note"))
with open(os.path.join(root + "-trailing", "evicted", "y.json"), "a") as f: f.write("\n{}")
"""#
        let old = tmp.sub("old")
        guard JSONTestSupport.python(script, [old]) != nil else { return }
        let store = try ContextStore.open(directory: tmp.sub("store"))
        let e = await ImportTestSupport.importError(store, [old])
        #expect(e?.path == old + "/evicted/x.json" && e?.elementIndex == 0, "\(String(describing: e))")
        #expect(e?.line == 4 && e?.column == 3, "\(String(describing: e))")  // `  "type": "snippet"`, the 4th line
        #expect(e?.description.hasPrefix(old + "/evicted/x.json: segment 0 (line 4, column 3, byte ") == true, "\(String(describing: e))")
        guard case .json(.segment(.unknownValue(field: "type", value: "snippet", _)))? = e?.reason else {
            Issue.record("\(String(describing: e))")
            return
        }
        let t = await ImportTestSupport.importError(store, [old + "-trailing"])
        #expect(t?.path == old + "-trailing/evicted/y.json" && t?.reason == .json(.trailingData) && t?.line == 9, "\(String(describing: t))")
        try await ImportTestSupport.expectEmpty(store, ["p"])
        store.close()
    }

    /// Project and id always come from a segment's content: a sharded file named after
    /// another project, a month file named after a third, a spill file named after another
    /// id, and a directory holding only `evicted/` (an old-layer directory too).
    @Test func projectsAndIDsComeFromTheContentNeverFromFileNames() async throws {
        let tmp = TempDir("import-names"); defer { tmp.cleanup() }
        let old = tmp.sub("old"), onlySpills = tmp.sub("only-spills")
        let seg = { (id: String, project: String) in ImportTestSupport.segment(id, project: project, text: "\(id) of \(project)") }
        try SegmentFiles.write(old + "/stashed/other.json", try SegmentFiles.bytes([seg("r1", "real")], as: .sharded))
        try SegmentFiles.write(old + "/stashed/real_2024-05.json", try SegmentFiles.bytes([seg("o1", "other")], as: .sharded))
        try SegmentFiles.write(old + "/evicted/not-y.json", try SegmentFiles.bytes([seg("y", "z")], as: .segment))
        try SegmentFiles.write(onlySpills + "/evicted/e.json", try SegmentFiles.bytes([seg("e", "spilled")], as: .segment))
        let store = try ContextStore.open(directory: tmp.sub("store"))
        let report = try await store.importFiles([old, onlySpills])
        #expect(report.segments == 4 && report.spillFiles == 2)
        #expect(try Set(store.projectIDs()) == ["real", "other", "z", "spilled"])
        #expect(try store.get(project: "real", ids: ["r1"]).map(\.text) == ["r1 of real"])
        #expect(try store.get(project: "other", ids: ["o1"]).map(\.text) == ["o1 of other"])
        #expect(try store.get(project: "z", ids: ["y"]).map(\.text) == ["y of z"])
        #expect(try store.get(project: "z", ids: ["not-y"]).isEmpty)
        #expect(try store.get(project: "spilled", ids: ["e"]).count == 1)
        store.close()
    }
}
