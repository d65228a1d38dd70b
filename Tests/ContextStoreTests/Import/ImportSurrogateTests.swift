import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// A lone surrogate escape (`"\ud800"`), which Python writes and reads, does not fail an
/// import: it is stored as U+FFFD and counted, per file and in total, in the library's
/// report and in `ctxstore import`'s text and --json output. Python writes the inputs.
@Suite struct ImportSurrogateTests {
    /// Under argv[1]: an old-layer directory `old/` (storage.json whose project id and indexes
    /// hold lone surrogates too, stashed/p.json, a spill file) and `log.ndjson` (compact,
    /// ASCII-only lines, as Python must write them). Prints one line per input, in import
    /// order: the number of surrogates in its segments' strings as Python reads the file
    /// back; then, per segment in import order, `project id text` in hex with each surrogate
    /// replaced by U+FFFD.
    static let script = JSONTestSupport.surrogatesPython + #"""
import json, os, sys
from old_layer import legacy_document, dump, spill
root = sys.argv[1]
old = os.path.join(root, "old")

def seg(sid, pid, text, tags=()):
    return {"segment_id": sid, "text": text, "type": "note", "project_id": pid, "task_id": None,
            "created_at": "2025-01-02T03:04:05Z", "last_touched_at": "2025-01-02T03:04:05Z", "pinned": False,
            "generation": "young", "gc_survival_count": 0, "refcount": 0, "file_path": None, "line_range": None,
            "tags": list(tags), "topic_id": None, "tokens": 4, "tokens_computed_at": None, "text_hash": None, "tier": "stashed"}

inputs = [
    (os.path.join(old, "storage.json"), legacy_document({
        "p": [seg("a", "p", "lone high \ud800 here"), seg("b", "p", "fine \U0001F600")],
        "x\udc00": [seg("c", "x\udc00", "\udc00 alone", tags=["\ud800", "t"])]})),
    (os.path.join(old, "stashed", "p.json"), {"segments": [seg("d", "p", "\ud800x and \ud83d\ude00 and \ude00\ud83d")]}),
    (os.path.join(old, "evicted", "e.json"), seg("e", "p", "spilled \udbff")),
]
for path, obj in inputs: dump(path, obj)
ndjson = [seg("f", "q", "log \ud800\ud800"), seg("g\ud800", "q", "no surrogate")]
with open(os.path.join(root, "log.ndjson"), "w", encoding="utf-8") as f:
    for s in ndjson: f.write(json.dumps(s, separators=(",", ":")) + "\n")

# What Python reads back (a "\ud83d\ude00" it wrote as two code points is read as one pair).
def load(path): return json.load(open(path, encoding="utf-8"))
groups = [[s for p in load(inputs[0][0])["projects"].values() for s in p["segments"]], load(inputs[1][0])["segments"],
          [load(inputs[2][0])], [json.loads(l) for l in open(os.path.join(root, "log.ndjson"), encoding="utf-8")]]
for g in groups: print(sum(count(s) for s in g))
for g in groups:
    for s in g: print(" ".join(fix(s[k]).encode().hex() for k in ("project_id", "segment_id", "text")))
"""#

    static func hex(_ s: String) -> String { Array(s.utf8).jsonTestHex }

    @Test func loneSurrogatesAreImportedAsReplacementCharactersAndCounted() async throws {
        let tmp = TempDir("import-surrogates"); defer { tmp.cleanup() }
        guard let out = JSONTestSupport.python(Self.script, [tmp.path]) else { return }
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        let counts = lines.prefix(4).map { Int($0)! }
        let segments = lines.dropFirst(4).map { $0.split(separator: " ", omittingEmptySubsequences: false).map(String.init) }
        // storage.json: 1 in a, 3 in c (project, text, a tag); not the project key or the
        // indexes' tag key, which repeat them. stashed: \ud800, \ude00, a final \ud83d (the
        // \ud83d\ude00 in the middle is a pair).
        #expect(counts == [4, 3, 1, 3], "\(counts)")

        let store = try ContextStore.open(directory: tmp.sub("store"))
        let report = try await store.importFiles([tmp.sub("old"), tmp.sub("log.ndjson")])
        #expect(report.files.map(\.replacedSurrogates) == counts)
        #expect(report.replacedSurrogates == counts.reduce(0, +))
        #expect(report.segments == segments.count)
        for s in segments {
            let (project, id, text) = (String(decoding: JSONTestSupport.bytes(hex: s[0]), as: UTF8.self),
                                       String(decoding: JSONTestSupport.bytes(hex: s[1]), as: UTF8.self), s[2])
            let got = try store.get(project: project, ids: [id])
            #expect(got.map { Self.hex($0.text) } == [text], "\(s)")
        }
        #expect(try store.get(project: "x\u{FFFD}", ids: ["c"]).first?.tags == ["\u{FFFD}", "t"])
        store.close()

        // The command line: the --json summary per file and in total, and the text summary.
        let (status, json, err) = try runCtxstore(["import", "--store", tmp.sub("cli-json"), "--json", tmp.sub("old"), tmp.sub("log.ndjson")])
        #expect(status == 0, "\(err)")
        let summary = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(summary?["replaced_surrogates"] as? Int == counts.reduce(0, +), "\(json)")
        #expect((summary?["files"] as? [[String: Any]])?.map { $0["replaced_surrogates"] as? Int } == counts.map { $0 })
        let (textStatus, text, textErr) = try runCtxstore(["import", "--store", tmp.sub("cli-text"), tmp.sub("old"), tmp.sub("log.ndjson")])
        #expect(textStatus == 0, "\(textErr)")
        #expect(text.contains("replaced \(counts.reduce(0, +)) lone surrogate escape(s) by U+FFFD"), "\(text)")
        let stashedLine = textErr.split(separator: "\n").first { $0.contains("\(tmp.sub("old"))/stashed/p.json: sharded, 1 segment(s), ") }
        #expect(stashedLine?.hasSuffix(" bytes, 3 lone surrogate(s) replaced") == true, "\(textErr)")

        // `put` reads stdin with the same decoder.
        let line = JSONTestSupport.segmentJSON([("text", #""put \ud800""#), ("tokens", "2")]) + "\n"
        let (putStatus, _, putErr) = try runCtxstore(["put", "--store", tmp.sub("put")], stdin: Data(line.utf8))
        #expect(putStatus == 0, "\(putErr)")
        let put = try ContextStore.open(directory: tmp.sub("put"))
        #expect(try put.get(project: "p", ids: ["s1"]).map(\.text) == ["put \u{FFFD}"])
        put.close()
    }
}
