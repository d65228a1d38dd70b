import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The writers against Python's `json` output, and their contracts.
@Suite struct JSONWriterTests {
    static let strings: [String] = (0..<0x80).map { String(Character(Unicode.Scalar(UInt8($0)))) }
        + ["", "plain", "é", "\u{80}", "\u{9F}", "\u{A0}", "\u{7FF}", "\u{800}", "\u{2028}\u{2029}", "\u{FEFF}", "\u{FFFD}",
           "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}", "e\u{301}", "中文 and ascii \u{1F600}\n\t\"\\/",
           String(repeating: "long \u{1F600} é \u{7F} \"", count: 500)]

    @Test func stringEscapingMatchesPythonInBothStyles() {
        let dir = JSONTestSupport.temporaryDirectory("esc")
        defer { JSONTestSupport.remove(dir) }
        let input = dir + "/strings.hex"
        try! Self.strings.map { Array($0.utf8).jsonTestHex }.joined(separator: "\n").write(toFile: input, atomically: false, encoding: .utf8)
        let script = #"""
import json, sys
for line in open(sys.argv[1]).read().split("\n"):
    s = bytes.fromhex(line).decode("utf-8")
    print(json.dumps(s).encode().hex(), json.dumps(s, ensure_ascii=False).encode().hex())
"""#
        guard let out = JSONTestSupport.python(script, [input]) else { return }
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == Self.strings.count)
        for (s, line) in zip(Self.strings, lines) {
            let parts = line.split(separator: " ")
            #expect(JSONSegmentEncoder.encode(s, style: .indented).jsonTestHex == parts[0], "\(s.debugDescription) ascii")
            #expect(JSONSegmentEncoder.encode(s, style: .compact).jsonTestHex == parts[1], "\(s.debugDescription) utf8")
        }
    }

    static func segments() -> [ContextSegment] {
        let t = Timestamp(localMicroseconds: 1_733_611_782_123_456, utcOffsetSeconds: nil, hasFraction: true)
        let z = Timestamp(utcMicroseconds: 1_733_611_782_000_000)
        let off = Timestamp(localMicroseconds: 1_735_689_600_000_500, utcOffsetSeconds: -8 * 3600, hasFraction: true)
        return [
            ContextSegment(segmentID: "a", text: "x", type: .code, projectID: "p1", taskID: "t1", createdAt: t, lastTouchedAt: z,
                           filePath: "f.py", lineRange: LineRange(1, 2), tags: ["é", "e\u{301}", "é", "x"], tokens: 3,
                           tokensComputedAt: off, textHash: String(repeating: "ab", count: 32)),
            ContextSegment(segmentID: "b", text: "", type: .log, projectID: "p1", taskID: "", createdAt: z, filePath: "f.py"),
            ContextSegment(segmentID: "c", text: "\u{1F600}", type: .note, projectID: "p1", taskID: "t1", createdAt: off,
                           pinned: true, generation: .old, gcSurvivalCount: 4, refcount: 2, tags: ["x"], topicID: "top", tier: .archive),
            ContextSegment(segmentID: "d", text: "other", type: .summary, projectID: "../p2", createdAt: t, tags: []),
        ]
    }

    /// Legacy files (with empty projects and every index rule) and the compact forms of the
    /// sharded and legacy shapes, against Python.
    @Test func legacyAndCompactFilesMatchPython() throws {
        let dir = JSONTestSupport.temporaryDirectory("legacy")
        defer { JSONTestSupport.remove(dir) }
        let segs = Self.segments()
        try Data(try SegmentFiles.bytes(segs, as: .ndjson)).write(to: URL(fileURLWithPath: dir + "/in.ndjson"))
        let script = #"""
import json, sys, os
from old_layer import legacy_document
d = sys.argv[1]
segs = [json.loads(l) for l in open(os.path.join(d, "in.ndjson"), encoding="utf-8")]
projects = {"empty-first": []}
for s in segs: projects.setdefault(s["project_id"], []).append(s)
projects["empty-last"] = []
legacy = legacy_document(projects)
compact = dict(ensure_ascii=False, separators=(",", ":"))
with open(os.path.join(d, "legacy.json"), "w", encoding="utf-8") as f: json.dump(legacy, f, indent=2)
with open(os.path.join(d, "legacy-compact.json"), "w", encoding="utf-8") as f: json.dump(legacy, f, **compact)
with open(os.path.join(d, "sharded-compact.json"), "w", encoding="utf-8") as f: json.dump({"segments": segs}, f, **compact)
with open(os.path.join(d, "empty-legacy.json"), "w", encoding="utf-8") as f: json.dump({"version": "1.0", "projects": {}}, f, indent=2)
with open(os.path.join(d, "empty-sharded-compact.json"), "w", encoding="utf-8") as f: json.dump({"segments": []}, f, **compact)
"""#
        guard JSONTestSupport.python(script, [dir]) != nil else { return }
        func legacy(_ style: JSONOutputStyle, empty: Bool = false) throws -> [UInt8] {
            var out: [UInt8] = []
            let w = LegacyFileWriter(style: style, chunkSize: 100) { out.append(contentsOf: $0) }
            if !empty {
                try w.beginProject("empty-first")
                var current = ""
                for s in segs {
                    if s.projectID != current {
                        try w.beginProject(s.projectID)
                        current = s.projectID
                    }
                    try w.write(s)
                }
                try w.beginProject("empty-last")
            }
            try w.finish()
            return out
        }
        func sharded(_ style: JSONOutputStyle, _ list: [ContextSegment]) throws -> [UInt8] {
            var out: [UInt8] = []
            let w = ShardedFileWriter(style: style, chunkSize: 100) { out.append(contentsOf: $0) }
            for s in list { try w.write(s) }
            try w.finish()
            return out
        }
        let pairs: [(String, [UInt8])] = [
            ("legacy.json", try legacy(.indented)), ("legacy-compact.json", try legacy(.compact)),
            ("sharded-compact.json", try sharded(.compact, segs)), ("empty-legacy.json", try legacy(.indented, empty: true)),
            ("empty-sharded-compact.json", try sharded(.compact, [])),
        ]
        for (name, ours) in pairs {
            let theirs = SegmentFiles.read(dir + "/" + name)
            let same = ours == theirs
            #expect(same, "\(name):\nours   \(String(decoding: ours, as: UTF8.self))\npython \(String(decoding: theirs, as: UTF8.self))")
            // And each reads back to the same segments.
            let back = try SegmentFileReader(bytes: ours, name: name).readAll()
            #expect(back == (name.hasPrefix("empty") ? [] : segs), "\(name)")
        }
        #expect(try sharded(.indented, []) == Array("{\n  \"segments\": []\n}".utf8))
    }

    @Test func chunksAreBoundedAndSinkErrorsPropagate() throws {
        let segs = Array(repeating: Self.segments(), count: 50).flatMap { $0 }
        var sizes: [Int] = []
        var all: [UInt8] = []
        let w = ShardedFileWriter(chunkSize: 4096) { chunk in
            sizes.append(chunk.count)
            all.append(contentsOf: chunk)
        }
        for s in segs { try w.write(s) }
        #expect(w.count == segs.count)
        try w.finish()
        try w.finish()  // idempotent
        #expect(sizes.allSatisfy { $0 <= 4096 } && sizes.dropLast().allSatisfy { $0 > 4096 - 2048 } && sizes.count > 5)
        #expect(w.bytesWritten == all.count)
        let reference = try SegmentFiles.bytes(segs, as: .sharded)
        #expect(all == reference)
        // A long text through a small buffer.
        var big = Self.segments()[0]
        big.text = String(repeating: "é\u{1F600}\"x", count: 10_000)
        var out: [UInt8] = []
        let nd = NDJSONWriter(chunkSize: 64) { out.append(contentsOf: $0) }
        try nd.write(big)
        try nd.finish()
        #expect(out == JSONSegmentEncoder.encode(big) + [0x0A])
        #expect(try SegmentFileReader(bytes: out, name: "x").readAll() == [big])

        struct Full: Error {}
        let failing = NDJSONWriter(chunkSize: 64) { _ in throw Full() }
        #expect(throws: Full.self) { for s in segs { try failing.write(s) } }
    }

    @Test func legacyWriterMisuse() throws {
        let w = LegacyFileWriter { _ in }
        let s = Self.segments()[0]
        #expect(throws: JSONExportError.noProject) { try w.write(s) }
        try w.beginProject("p1")
        try w.write(s)
        #expect(throws: JSONExportError.projectMismatch(project: "p1", segmentProject: "../p2")) { try w.write(Self.segments()[3]) }
        try w.beginProject("../p2")
        #expect(throws: JSONExportError.duplicateProject("p1")) { try w.beginProject("p1") }
        try w.finish()
        #expect(throws: JSONExportError.finished) { try w.write(s) }
    }

    /// Datetimes: pydantic's parser and writer as the oracle for the importer's datetime
    /// parsing (`Timestamp.parse`, which the API and the command line share) and `appendISO8601`, with the
    /// documented differences.
    @Test func datetimeFormsAgreeWithPydantic() {
        let forms = [
            "2025-12-07T22:49:42.123456", "2025-12-07 22:49:42", "2025-12-07t22:49:42", "2025-12-07_22:49:42",
            "2025-12-07T22:49", "2025-12-07T22:49:42.1234567", "2025-12-07T22:49:42.999999999", "2025-12-07T22:49:42,5",
            "2025-12-07T22:49:42Z", "2025-12-07T22:49:42z", "2025-12-07T22:49:42+0530", "2025-12-07T22:49:42-00:00",
            "2025-12-07T22:49:42+23:59", "2025-12-07T22:49:42.5Z", "2025-12-07T22:49:42.123+00:00", "2025-12-07",
            "0001-01-01T00:00:00", "9999-12-31T23:59:59.999999-05:00", "2024-02-29T00:00:00", "2025-01-01T00:00:00.000500-08:00",
            "2025-12-07T22:49+05:30",
            // Refused by both.
            "2025-12-07T22:49:42+05", "2025-12-07T22:49:42.", "2025-12-07T24:00:00", "2025-12-07T22:49:60",
            "2025-12-07T22:49:42 Z", "2025-12-07T22:49:42+24:00", "0000-01-01T00:00:00", "2025-12-07T22", " 2025-12-07T22:49:42",
            "2025-12-07T22:49:42 ", "2025-12-07T22:49:42+05:3", "2025-02-29T00:00:00", "2025-1-07T22:49:42", "2025-12-07T",
            "20251207T224942", "2025-12-07\t22:49:42", "2025-12-07T22:49:42Z+05:00", "", "yesterday",
        ]
        // Documented differences: a zero fraction is kept as written (pydantic drops it),
        // `±HH:MM:SS` offsets are accepted, Unix timestamps are not.
        let keepsZeroFraction = ["2025-12-07T22:49:42.000000": "2025-12-07T22:49:42.000000", "2025-12-07T22:49:42.0": "2025-12-07T22:49:42.000000"]
        let acceptedBeyondPydantic = ["2025-12-07T22:49:42+05:30:15": "2025-12-07T22:49:42+05:30:15"]
        let refusedUnlikePydantic = ["1700000000", "1700000000.5"]
        let all = forms + Array(keepsZeroFraction.keys) + Array(acceptedBeyondPydantic.keys) + refusedUnlikePydantic
        let dir = JSONTestSupport.temporaryDirectory("dt")
        defer { JSONTestSupport.remove(dir) }
        try! all.joined(separator: "\n").write(toFile: dir + "/forms.txt", atomically: false, encoding: .utf8)
        let script = #"""
import sys
from datetime import datetime
from pydantic import TypeAdapter
ta = TypeAdapter(datetime)
for s in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    try: print(ta.dump_json(ta.validate_python(s)).decode()[1:-1])
    except Exception: print("ERR")
"""#
        guard let out = JSONTestSupport.python(script, [dir + "/forms.txt"]) else { return }
        // Through the segment reader too.
        let doc = JSONTestSupport.segmentJSON([("created_at", "\"2025-12-07\""), ("last_touched_at", "\"2025-12-07_22:49:42.1234567Z\"")])
        let read = try? SegmentFileReader(bytes: Array(doc.utf8), name: "x").readAll()
        #expect(read?.first?.createdAt.iso8601 == "2025-12-07T00:00:00")
        #expect(read?.first?.lastTouchedAt.iso8601 == "2025-12-07T22:49:42.123456Z")
        let answers = String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(answers.count >= all.count)
        for (form, py) in zip(all, answers) {
            var f = form
            let ours = f.withUTF8 { Timestamp.parse($0) }.flatMap { $0.isValid ? $0 : nil }
            if let expected = keepsZeroFraction[form] ?? acceptedBeyondPydantic[form] {
                #expect(ours?.iso8601 == expected, "\(form)")
            } else if refusedUnlikePydantic.contains(form) {
                #expect(ours == nil && py != "ERR", "\(form)")
            } else if py == "ERR" {
                #expect(ours == nil, "\(form) is refused by pydantic, accepted here")
            } else {
                #expect(ours?.iso8601 == py, "\(form): pydantic \(py), ours \(String(describing: ours))")
            }
        }
    }
}
