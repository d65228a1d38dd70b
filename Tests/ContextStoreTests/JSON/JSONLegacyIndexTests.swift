import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The derived `indexes` of a legacy `storage.json`, as the old writer built them: a null or
/// empty task_id or file_path is not indexed (no `""` key in `by_task` / `by_file`), and a
/// tag repeated within a segment lists its id once. Python checks the files we write, and
/// checks that the oracle (`old_layer.legacy_document`) builds the same.
@Suite struct JSONLegacyIndexTests {
    static func segments(project: String) -> [ContextSegment] {
        func seg(_ id: String, task: String?, file: String?, tags: [String]) -> ContextSegment {
            var s = ImportTestSupport.segment(id, project: project, text: "\(id) text")
            s.taskID = task
            s.filePath = file
            s.tags = tags
            return s
        }
        return [
            seg("s1", task: "", file: "", tags: ["a", "a", "b"]),
            seg("s2", task: nil, file: nil, tags: ["", "b", ""]),
            seg("s3", task: "t", file: "f", tags: ["a"]),
            seg("s4", task: "t", file: "", tags: ["x", "y", "x", "x"]),
        ]
    }

    /// Python's verdict on the legacy file at `path`: the problems it finds (a `""` key in
    /// by_task or by_file, an id twice in one list, a difference from what the oracle
    /// writes for the same segments, or the oracle itself breaking either rule) and the
    /// file's indexes.
    static func check(_ path: String) -> (problems: [String], indexes: [String: Any])? {
        let script = #"""
import json, sys
from old_layer import legacy_document
data = open(sys.argv[1], encoding="utf-8").read()
doc = json.loads(data)
oracle = legacy_document({p: v["segments"] for p, v in doc["projects"].items()})
problems = [] if json.dumps(oracle, indent=2) == data else ["the file differs from old_layer.legacy_document"]
for who, d in (("file", doc), ("oracle", oracle)):
    for pid, proj in d["projects"].items():
        for name in ("by_task", "by_file"):
            if "" in proj["indexes"][name]: problems.append('%s: %s: "" key in %s' % (who, pid, name))
        for name, index in proj["indexes"].items():
            for key, ids in index.items():
                if len(ids) != len(set(ids)): problems.append("%s: %s: %s[%r] lists %r" % (who, pid, name, key, ids))
print(json.dumps({"problems": problems, "indexes": {p: v["indexes"] for p, v in doc["projects"].items()}}))
"""#
        guard let out = JSONTestSupport.python(script, [path]),
              let o = (try? JSONSerialization.jsonObject(with: Data(out))) as? [String: Any] else { return nil }
        return (o["problems"] as? [String] ?? ["unreadable"], o["indexes"] as? [String: Any] ?? [:])
    }

    static func expectIndexes(_ indexes: [String: Any], _ project: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let p = indexes[project] as? [String: [String: [String]]]
        #expect(p?["by_task"] == ["t": ["s3", "s4"]], sourceLocation: sourceLocation)
        #expect(p?["by_file"] == ["f": ["s3"]], sourceLocation: sourceLocation)
        #expect(p?["by_tag"] == ["a": ["s1", "s3"], "b": ["s1", "s2"], "": ["s2"], "x": ["s4"], "y": ["s4"]],
                sourceLocation: sourceLocation)
    }

    /// `LegacyFileWriter` directly, two projects.
    @Test func theWriterSkipsEmptyKeysAndRepeatedTags() throws {
        let dir = JSONTestSupport.temporaryDirectory("legacy-index")
        defer { JSONTestSupport.remove(dir) }
        let bytes = try SegmentFiles.bytes(Self.segments(project: "p") + Self.segments(project: "q"), as: .legacy)
        try SegmentFiles.write(dir + "/storage.json", bytes)
        guard let (problems, indexes) = Self.check(dir + "/storage.json") else { return }
        #expect(problems.isEmpty, "\(problems)")
        Self.expectIndexes(indexes, "p")
        Self.expectIndexes(indexes, "q")
    }

    /// `export --format legacy` writes the same indexes.
    @Test func aLegacyExportHasTheOldWritersIndexes() async throws {
        let tmp = TempDir("legacy-index-export"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.sub("store"))
        try await store.put(Self.segments(project: "p"))
        _ = try await store.export(to: tmp.sub("out"), format: .legacy)
        store.close()
        guard let (problems, indexes) = Self.check(tmp.sub("out/storage.json")) else { return }
        #expect(problems.isEmpty, "\(problems)")
        Self.expectIndexes(indexes, "p")
    }
}
