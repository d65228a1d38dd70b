import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Lone surrogate escapes (`"\ud800"`), which Python's `json` writes and reads: every JSON
/// reader takes them as U+FFFD (a Swift string cannot hold a lone surrogate) and counts
/// them, where Python keeps the surrogate. The oracle is Python's `json`, with each
/// surrogate code point it returns replaced by U+FFFD.
@Suite struct JSONSurrogateTests {
    /// Escape sequences inside a string: the brief's cases, pairs, and their neighbours.
    static let escapes = [
        #"\ud800"#, #"\udc00"#, #"\ud800x"#, #"\uD800\u0041"#, #"\ud83d"#, #"\uDBFF\uDBFF"#, #"\uD800x\uDC00"#,
        #"\udbff\udbff\udc00"#, #"\ude00\ud83d"#, #"\ud83d\ude00"#, #"\ud800\\u0041"#, #"\ud800\n"#, #"\udfff\ud800\udc00\udbff"#,
        #"x\ud800"#, #"\u00e9\ud800\u00e9"#,
    ]

    /// What Python reads from each file (`.ndjson`: a segment a line; else one document: a
    /// sharded, legacy or single-segment file): the number of surrogate code points in the
    /// string values of its segments, and for each segment its strings (`segmentStrings`)
    /// with every surrogate replaced by U+FFFD.
    static func python(_ files: [String]) -> [(count: Int, segments: [String])]? {
        let script = JSONTestSupport.surrogatesPython + #"""
import json, sys
def segments(path):
    data = open(path, encoding="utf-8").read()
    if path.endswith(".ndjson"): return [json.loads(l) for l in data.split("\n") if l]
    doc = json.loads(data)
    if "segments" in doc: return doc["segments"]
    if "projects" in doc: return [s for p in doc["projects"].values() for s in p["segments"]]
    return [doc]
for path in sys.argv[1:]:
    segs = segments(path)
    strings = [[s["segment_id"], s["text"], s["project_id"], s.get("task_id") or "", s.get("file_path") or "", s.get("topic_id") or ""]
               + s.get("tags", []) for s in segs]
    print(sum(count(s) for s in segs), " ".join("|".join(fix(v).encode().hex() for v in vs) for vs in strings))
"""#
        guard let out = JSONTestSupport.python(script, files) else { return nil }
        return String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
            let parts = $0.split(separator: " ").map(String.init)
            return (Int(parts[0])!, Array(parts.dropFirst()))
        }
    }

    /// A segment's strings as the Python script prints them.
    static func segmentStrings(_ s: ContextSegment) -> String {
        ([s.segmentID, s.text, s.projectID, s.taskID ?? "", s.filePath ?? "", s.topicID ?? ""] + s.tags)
            .map { Array($0.utf8).jsonTestHex }.joined(separator: "|")
    }

    /// Each escape inside a text, read through windows of 1, 2, 5, 7 bytes and at once:
    /// the text Python reads with U+FFFD for each surrogate, and that many counted. The
    /// one-segment decoder and the tree parser decode the same way.
    @Test func loneSurrogatesAreReadAsReplacementCharactersAndCounted() throws {
        let dir = JSONTestSupport.temporaryDirectory("surrogates")
        defer { JSONTestSupport.remove(dir) }
        let docs = Self.escapes.map { JSONTestSupport.segmentJSON([("text", "\"ab" + $0 + "cd\"")]) }
        let files = docs.indices.map { dir + "/doc\($0).json" }
        for (doc, file) in zip(docs, files) { try SegmentFiles.write(file, Array(doc.utf8)) }
        guard let expected = Self.python(files) else { return }
        #expect(expected.map(\.count) == [1, 1, 1, 1, 1, 2, 2, 1, 2, 0, 1, 1, 2, 1, 1], "\(expected.map(\.count))")
        for (doc, python) in zip(docs, expected) {
            for chunk in [1, 2, 5, 7, 1 << 20] {
                let r = try JSONTestSupport.reader(Array(doc.utf8), chunk: chunk)
                let s = try r.readAll()
                #expect(s.map(Self.segmentStrings) == python.segments, "\(doc) in \(chunk)-byte reads")
                #expect(r.replacedSurrogates == python.count, "\(doc) in \(chunk)-byte reads")
            }
            let decoded = try JSONSegmentDecoder.decode(Array(doc.utf8))
            #expect([Self.segmentStrings(decoded)] == python.segments)
            guard case let .string(text)? = try JSONValue.parse(Array(doc.utf8))["text"] else { Issue.record("text"); continue }
            #expect(text == decoded.text)
        }
        // Cut inside the low half of a pair is a truncated input, not a lone surrogate.
        let cut = Array(#"{"segment_id": "s", "text": "\ud83d\ude"#.utf8)
        #expect(JSONTestSupport.error(cut)?.reason == .unexpectedEnd)
    }

    /// In ids, tags and every field, in every form of file as Python writes them: each form
    /// counts the surrogates of the segments it returns, not those of a legacy file's
    /// ignored `indexes` or of its project keys (they repeat the segments' values).
    @Test(arguments: [SegmentFileFormat.ndjson, .sharded, .legacy, .segment])
    func everyFormCountsTheSurrogatesOfItsSegments(format: SegmentFileFormat) throws {
        let dir = JSONTestSupport.temporaryDirectory("surrogate-forms")
        defer { JSONTestSupport.remove(dir) }
        // U+E000 stands for a lone surrogate: our indented writer escapes it as \ue000, which
        // is then replaced by lone surrogate escapes in the bytes.
        let m = "\u{E000}"
        let segments = (0..<(format == .segment ? 1 : 4)).map { i in
            ContextSegment(segmentID: "id\(i)-\(m)", text: "text \(i) \(m) \(m)", type: .note, projectID: "p\(m)",
                           taskID: "t\(m)", createdAt: Timestamp(utcMicroseconds: Int64(i)), filePath: "f\(m)",
                           tags: [m, "a", m], topicID: m)
        }
        var text = String(decoding: try SegmentFiles.bytes(segments, as: format == .ndjson ? .sharded : format), as: UTF8.self)
        let lone = [#"\ud800"#, #"\udfff"#, #"\udbff"#]
        var k = 0
        while let r = text.range(of: #"\ue000"#) {
            text.replaceSubrange(r, with: lone[k % lone.count])
            k += 1
        }
        var path = dir + "/in.json"
        try SegmentFiles.write(path, Array(text.utf8))
        if format == .ndjson {
            // Python's own compact lines (ASCII only: it cannot write a lone surrogate as UTF-8).
            let script = #"""
import json, sys
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for s in json.load(open(sys.argv[1], encoding="utf-8"))["segments"]:
        f.write(json.dumps(s, separators=(",", ":")) + "\n")
"""#
            guard JSONTestSupport.python(script, [path, dir + "/in.ndjson"]) != nil else { return }
            path = dir + "/in.ndjson"
        }
        guard let expected = Self.python([path])?.first else { return }
        let r = try JSONTestSupport.reader(SegmentFiles.read(path), chunk: 3)
        #expect(r.format == format)
        let read = try r.readAll()
        // Per segment: 1 in its id, 2 in its text, 1 in project, task, file, topic, 2 in tags.
        #expect(expected.count == 9 * segments.count)
        #expect(r.replacedSurrogates == expected.count, "\(format): \(r.replacedSurrogates) of \(expected.count)")
        #expect(read.map(Self.segmentStrings) == expected.segments)
        #expect(read.allSatisfy { $0.tags == ["\u{FFFD}", "a", "\u{FFFD}"] && $0.projectID == "p\u{FFFD}" })
    }

    /// Integers outside Int64 are still refused, at the key, with line and column.
    @Test func integersOutsideInt64StayPositionedErrors() {
        for (field, value) in [("tokens", "9223372036854775808"), ("refcount", "-9223372036854775809"),
                               ("line_range", "[1, 99999999999999999999]")] {
            let doc = Array(("{\"segments\": [\n  " + JSONTestSupport.segmentJSON([(field, value)]) + "\n]}").utf8)
            guard let e = JSONTestSupport.error(doc) else { continue }
            guard case .segment(.wrongType(field: field, _)) = e.reason else { Issue.record("\(field): \(e)"); continue }
            let key = Array("\"\(field)\"".utf8)
            let at = (0...(doc.count - key.count)).first { Array(doc[$0..<$0 + key.count]) == key }!
            #expect(e.byteOffset == at && e.line == 2 && e.elementIndex == 0, "\(e)")
            #expect(e.description.contains("segment 0 (line 2, column \(e.column), byte \(at))"), "\(e)")
        }
    }
}
