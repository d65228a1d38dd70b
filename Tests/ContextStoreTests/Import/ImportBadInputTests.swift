import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Bad input: each case names the file, the segment and what is wrong, and leaves the store
/// as it was (nothing of any input imported, a later valid import works). The bad file is
/// always read after a good one, so a half-done import would show.
@Suite struct ImportBadInputTests {
    /// A good file of segments in projects p and q.
    static func goodSegments(_ n: Int, prefix: String = "g") -> [ContextSegment] {
        (0..<n).map { ImportTestSupport.segment("\(prefix)\($0)", project: $0 % 2 == 0 ? "p" : "q", i: $0) }
    }

    /// One case: the bad file's bytes, where the problem is and what it is.
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var bytes: @Sendable () throws -> [UInt8]
        var element: Int?
        var check: @Sendable (ImportError.Reason) -> Bool
        var description: String { name }
    }

    /// `bad` (a segment object's JSON) as segment 3 of a sharded file (a legacy file when
    /// `legacy`) whose other segments are fine.
    static func withBadSegment(_ bad: String, legacy: Bool = false) throws -> [UInt8] {
        var text = String(decoding: try SegmentFiles.bytes(goodSegments(6, prefix: "b").map {
            var s = $0
            s.projectID = "p"
            return s
        }, as: legacy ? .legacy : .sharded), as: UTF8.self)
        // Replace the 4th segment object (index 3) with the bad one.
        let marker = legacy ? "\n        {" : "\n    {"
        let end = legacy ? "\n        }" : "\n    }"
        var starts: [Range<String.Index>] = []
        var from = text.startIndex
        while let r = text.range(of: marker, range: from..<text.endIndex) {
            starts.append(r)
            from = r.upperBound
        }
        let open = starts[3]
        let close = text.range(of: end, range: open.upperBound..<text.endIndex)!
        text.replaceSubrange(text.index(after: open.lowerBound)..<close.upperBound, with: bad)
        return Array(text.utf8)
    }

    static func seg(_ fields: [(String, String)] = [], removing: Set<String> = []) -> String {
        JSONTestSupport.segmentJSON(fields, removing: removing)
    }

    static let cases: [Case] = [
        Case(name: "truncated", bytes: {
            let full = try SegmentFiles.bytes(goodSegments(6, prefix: "t").map { var s = $0; s.projectID = "p"; return s }, as: .sharded)
            let needle = Array("text of t3".utf8)
            let cut = full.indices.first { Array(full[$0..<min(full.count, $0 + needle.count)]) == needle }!
            return Array(full[0..<cut + 4])  // inside segment 3's text
        }, element: 3, check: { $0 == .json(.unexpectedEnd) }),
        Case(name: "invalid UTF-8", bytes: {
            var b = try withBadSegment(seg([("text", "\"ok XX\"")]))
            let i = b.indices.first { b[$0] == 0x58 && b[$0 + 1] == 0x58 }!
            b[i] = 0xC3; b[i + 1] = 0x28  // a lead byte without its continuation
            return b
        }, element: 3, check: { $0 == .json(.invalidUTF8) }),
        // (A lone surrogate escape is no error: `ImportSurrogateTests`.)
        Case(name: "integer above Int64", bytes: { try withBadSegment(seg([("tokens", "9223372036854775808")])) },
             element: 3, check: { $0 == .json(.segment(.wrongType(field: "tokens", expected: "an integer within 64 bits"))) }),
        Case(name: "integer below Int64", bytes: { try withBadSegment(seg([("line_range", "[-9223372036854775809, 1]")])) },
             element: 3, check: { $0 == .json(.segment(.wrongType(field: "line_range", expected: "a pair of integers or null"))) }),
        Case(name: "NaN", bytes: { try withBadSegment(seg([("tokens", "NaN")])) },
             element: 3, check: { $0 == .json(.nonFiniteNumber("NaN")) }),
        Case(name: "Infinity", bytes: { try withBadSegment(seg([("refcount", "-Infinity")])) },
             element: 3, check: { $0 == .json(.nonFiniteNumber("-Infinity")) }),
        Case(name: "duplicate key", bytes: {
            let twice = seg([("pinned", "false")]).replacingOccurrences(of: "\"pinned\": false", with: "\"pinned\": false, \"text\": \"b\"")
            return try withBadSegment(twice)
        },
             element: 3, check: { $0 == .json(.duplicateKey("text")) }),
        Case(name: "wrong type", bytes: { try withBadSegment(seg([("pinned", "\"yes\"")])) },
             element: 3, check: {
                 if case .json(.segment(.wrongType(field: "pinned", _))) = $0 { return true }
                 return false
             }),
        Case(name: "unknown enum value", bytes: { try withBadSegment(seg([("type", "\"snippet\"")])) },
             element: 3, check: {
                 if case .json(.segment(.unknownValue(field: "type", value: "snippet", _))) = $0 { return true }
                 return false
             }),
        Case(name: "missing field", bytes: { try withBadSegment(seg(removing: ["created_at"])) },
             element: 3, check: { $0 == .json(.segment(.missingField("created_at"))) }),
        Case(name: "nesting 10,000 deep in a segment", bytes: {
            try withBadSegment(seg([("tags", String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))]))
        }, element: 3, check: { $0 == .json(.depthLimit(JSONLimits.maxDepth)) }),
        Case(name: "nesting 10,000 deep in legacy indexes", bytes: {
            let nested = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            return Array(#"{"version": "1.0", "projects": {"p": {"segments": [], "indexes": {"by_tag": \#(nested)}}}}"#.utf8)
        }, element: nil, check: { $0 == .json(.depthLimit(JSONLimits.maxDepth)) }),
        Case(name: "project id over the limit", bytes: {
            try withBadSegment(seg([("project_id", "\"" + String(repeating: "p", count: SegmentLimits.maxProjectIDBytes + 1) + "\"")]))
        }, element: 3, check: {
            $0 == .json(.segment(.tooLarge(field: "project_id", bytes: SegmentLimits.maxProjectIDBytes + 1,
                                           limit: SegmentLimits.maxProjectIDBytes)))
        }),
        Case(name: "legacy segment filed under another project", bytes: {
            try withBadSegment(seg([("project_id", #""../x""#)]), legacy: true)
        }, element: 3, check: { $0 == .json(.projectMismatch(project: "p", segmentProject: "../x")) }),
        Case(name: "not JSON", bytes: { Array("segments: [1, 2]\n".utf8) }, element: nil, check: {
            if case .json(.syntax) = $0 { return true }
            return false
        }),
    ]

    @Test(arguments: cases)
    func aBadFileNamesTheSegmentAndImportsNothing(_ c: Case) async throws {
        let tmp = TempDir("import-bad"); defer { tmp.cleanup() }
        let good = tmp.sub("good.ndjson"), bad = tmp.sub("bad.json")
        try SegmentFiles.write(good, try SegmentFiles.bytes(Self.goodSegments(50), as: .ndjson))
        try SegmentFiles.write(bad, try c.bytes())
        let store = try ContextStore.open(directory: tmp.sub("store"))
        guard let e = await ImportTestSupport.importError(store, [good, bad]) else { return }
        #expect(e.path == bad, "\(c): \(e)")
        #expect(e.elementIndex == c.element, "\(c): \(e)")
        #expect(c.check(e.reason), "\(c): \(e)")
        #expect(e.description.hasPrefix(bad + ": "), "\(e)")
        if c.element != nil {
            #expect(e.line != nil && e.byteOffset != nil, "\(c): \(e)")
            #expect(e.description.contains("segment \(c.element!)"))
        }
        try await ImportTestSupport.expectEmpty(store)
        // The store still works: the good file alone imports.
        let r = try await store.importFiles([good])
        #expect(try r.segments == 50 && store.totals(project: "p")?.segments == 25)
        store.close()
    }

    /// A bad segment after 20,000 good ones in the same file: a partial import would show.
    @Test func aBadSegmentAfterTwentyThousandGoodOnes() async throws {
        let tmp = TempDir("import-late"); defer { tmp.cleanup() }
        let n = 20_000
        var bytes = try SegmentFiles.bytes(Self.goodSegments(n), as: .ndjson)
        bytes += Array((Self.seg([("segment_id", "\"bad\""), ("generation", "\"ancient\"")]) + "\n").utf8)
        let file = tmp.sub("late.ndjson")
        try SegmentFiles.write(file, bytes)
        let store = try ContextStore.open(directory: tmp.sub("store"))
        var reported = 0
        do throws(ImportError) {
            _ = try await store.importFiles([file]) { reported = max(reported, $0.segments) }
            Issue.record("the import should fail")
        } catch {
            #expect(error.path == file && error.elementIndex == n && error.line == n + 1, "\(error)")
            guard case .json(.segment(.unknownValue(field: "generation", value: "ancient", _))) = error.reason else {
                Issue.record("\(error)")
                return
            }
        }
        // Several chunks were handed to the transaction before the error.
        #expect(reported >= 3 * ImportChunking.maxSegments)
        try await ImportTestSupport.expectEmpty(store)
        store.close()
    }

    /// The third of three files is bad: the first two are not imported either.
    @Test func aBadThirdFileImportsNothingOfTheFirstTwo() async throws {
        let tmp = TempDir("import-third"); defer { tmp.cleanup() }
        let a = tmp.sub("a.ndjson"), b = tmp.sub("b.json"), c = tmp.sub("c.json")
        try SegmentFiles.write(a, try SegmentFiles.bytes(Self.goodSegments(300, prefix: "a"), as: .ndjson))
        let legacy = Self.goodSegments(300, prefix: "b")
        try SegmentFiles.write(b, try SegmentFiles.bytes(legacy.filter { $0.projectID == "p" } + legacy.filter { $0.projectID == "q" }, as: .legacy))
        var third = try SegmentFiles.bytes(Self.goodSegments(10, prefix: "c").map { var s = $0; s.projectID = "p"; return s }, as: .sharded)
        third.removeLast(3)  // truncated
        try SegmentFiles.write(c, third)
        let store = try ContextStore.open(directory: tmp.sub("store"))
        let e = await ImportTestSupport.importError(store, [a, b, c])
        #expect(e?.path == c && e?.reason == .json(.unexpectedEnd), "\(String(describing: e))")
        try await ImportTestSupport.expectEmpty(store)
        // A missing input is refused before anything is read.
        let missing = await ImportTestSupport.importError(store, [a, tmp.sub("nope.json")])
        #expect(missing?.path == tmp.sub("nope.json") && missing?.reason == .notFound)
        try await ImportTestSupport.expectEmpty(store)
        store.close()
    }

    /// A 100 MB text field is over `JSONLimits.maxStringBytes` (64 MiB): refused cleanly,
    /// naming the segment, as soon as the limit is passed.
    @Test func aHundredMegabyteTextIsRefusedByTheDocumentedLimit() async throws {
        let tmp = TempDir("import-huge"); defer { tmp.cleanup() }
        let file = tmp.sub("huge.json")
        let size = 100_000_000
        #expect(size > JSONLimits.maxStringBytes)
        // Written in pieces: the test never holds the file.
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let h = try Foundation.FileHandle(forWritingTo: URL(fileURLWithPath: file))
        let good = String(decoding: try SegmentFiles.bytes([ImportTestSupport.segment("ok")], as: .sharded), as: UTF8.self)
        h.write(Data((good.dropLast(4) + ",\n    {\"segment_id\": \"huge\", \"text\": \"").utf8))
        let piece = Data(repeating: 0x61, count: 4 << 20)
        var written = 0
        while written < size {
            let n = min(piece.count, size - written)
            h.write(n == piece.count ? piece : piece.prefix(n))
            written += n
        }
        h.write(Data("\", \"type\": \"note\", \"project_id\": \"p\", \"created_at\": \"2025-01-01T00:00:00\", \"last_touched_at\": \"2025-01-01T00:00:00\"}\n  ]\n}".utf8))
        try h.close()
        let store = try ContextStore.open(directory: tmp.sub("store"))
        let e = await ImportTestSupport.importError(store, [file])
        #expect(e?.path == file && e?.elementIndex == 1, "\(String(describing: e))")
        #expect(e?.reason == .json(.valueTooLarge(limit: JSONLimits.maxStringBytes)), "\(String(describing: e))")
        if let offset = e?.byteOffset { #expect(offset > JSONLimits.maxStringBytes && offset < size) }
        try await ImportTestSupport.expectEmpty(store)
        store.close()
    }
}
