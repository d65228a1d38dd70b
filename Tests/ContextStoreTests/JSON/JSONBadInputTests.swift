import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Byte offset of the `nth` (1-based) occurrence of `needle` in `haystack`.
private func offset(of needle: String, in haystack: [UInt8], nth: Int = 1) -> Int {
    let n = Array(needle.utf8)
    var found = 0
    var i = 0
    while i + n.count <= haystack.count {
        if Array(haystack[i..<(i + n.count)]) == n {
            found += 1
            if found == nth { return i }
        }
        i += 1
    }
    Issue.record("\(needle) not found")
    return -1
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
private func seg(_ fields: [(String, String)] = [], removing: Set<String> = []) -> String {
    JSONTestSupport.segmentJSON(fields, removing: removing)
}
private let allowedTypes = ["message", "code", "log", "note", "decision", "summary"]

/// Bad input: each case gives its typed reason at the expected place.
@Suite struct JSONBadInputTests {
    static func sample(_ n: Int) -> [ContextSegment] {
        (0..<n).map { i in
            ContextSegment(segmentID: "s\(i)", text: "line one\nné \(i) \u{1F600}", type: .code, projectID: i < n / 2 ? "p" : "q",
                           taskID: i % 2 == 0 ? "t" : nil, createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(i)),
                           lineRange: LineRange(1, i), tags: ["x", "y\(i)"], tokens: i)
        }
    }

    @Test(arguments: [SegmentFileFormat.sharded, .legacy, .ndjson])
    func everyTruncationIsAnUnexpectedEndAtTheCut(format: SegmentFileFormat) throws {
        let full = try SegmentFiles.bytes(Self.sample(4), as: format)
        var lineEnds = Set<Int>()
        for (i, b) in full.enumerated() where b == 0x0A { lineEnds.insert(i + 1) }
        for cut in 1..<full.count {
            let prefix = Array(full[0..<cut])
            if format == .ndjson && (lineEnds.contains(cut) || lineEnds.contains(cut + 1)) {
                guard case .success = JSONTestSupport.readAll(prefix, chunk: 61) else {
                    Issue.record("NDJSON cut at a line end must read cleanly (\(cut))")
                    continue
                }
                continue
            }
            guard let e = JSONTestSupport.error(prefix, chunk: 61) else { continue }
            #expect(e.reason == .unexpectedEnd && e.byteOffset == cut, "cut at \(cut): \(e)")
        }
        // A cut inside the second segment's text names segment 1 and its line.
        let inText = offset(of: "line one", in: full, nth: 2) + 4
        let e = JSONTestSupport.error(Array(full[0..<inText]))
        #expect(e?.elementIndex == 1)
        let line = full[0..<inText].filter { $0 == 0x0A }.count + 1
        #expect(e?.line == line)
    }

    @Test func trailingGarbageAndSecondValues() {
        var e = JSONTestSupport.error(bytes(#"{"segments": []} x"#))
        #expect(e?.reason == .trailingData && e?.byteOffset == 17 && e?.elementIndex == nil)
        e = JSONTestSupport.error(bytes(#"{"segments": []}{"segments": []}"#))
        #expect(e?.reason == .trailingData && e?.byteOffset == 16)
        let line = seg()
        e = JSONTestSupport.error(bytes(line + "\n" + line + " x\n"))
        #expect(e?.reason == .trailingData && e?.elementIndex == 1 && e?.line == 2)
        e = JSONTestSupport.error(bytes(line + line + "\n"))
        #expect(e?.reason == .trailingData && e?.byteOffset == line.utf8.count)
        #expect(throws: JSONImportError.self) { try JSONValue.parse(bytes("[1] 2")) }
    }

    @Test(arguments: [1, 3, 1 << 20])
    func invalidUTF8InAStringAndAKey(chunk: Int) {
        let badSequences: [[UInt8]] = [
            [0xFF], [0xFE], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
            [0x80], [0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80],
            [0xE2, 0x82], [0xC2, 0x41], [0xF0, 0x9F, 0x98],
        ]
        for bad in badSequences {
            let head = bytes(#"{"segment_id": "x", "text": "ab"#)
            let doc = head + bad + bytes(#"cd", "type": "note", "project_id": "p", "created_at": "2025-01-01T00:00:00", "last_touched_at": "2025-01-01T00:00:00"}"#)
            let e = JSONTestSupport.error(doc, chunk: chunk)
            #expect(e?.reason == .invalidUTF8 && e?.byteOffset == head.count && e?.elementIndex == 0, "\(bad): \(String(describing: e))")
            let keyHead = bytes(#"{"segment_id": "x", "te"#)
            let keyDoc = keyHead + bad + bytes(#"xt": "a"}"#)
            let k = JSONTestSupport.error(keyDoc, chunk: chunk)
            #expect(k?.reason == .invalidUTF8 && k?.byteOffset == keyHead.count, "key \(bad): \(String(describing: k))")
        }
        // Valid edge sequences pass: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF.
        let edges = "\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}"
        let ok = JSONTestSupport.readAll(bytes(seg([("text", "\"" + edges + "\"")])), chunk: chunk)
        if case .success(let (_, s)) = ok { #expect(s.first?.text.utf8.elementsEqual(edges.utf8) == true) } else { Issue.record("\(ok)") }
    }

    /// (Lone surrogate escapes are read as U+FFFD: `JSONSurrogateTests`.)
    @Test(arguments: [1, 2, 5, 1 << 20])
    func escapes(chunk: Int) {
        // A proper pair, upper-case hex, every simple escape.
        let doc = bytes(seg([("text", #""\uD83D\uDE00 \u00E9\u00e9 \" \\ \/ \b \f \n \r \t \u0000""#)]))
        guard case .success(let (_, s)) = JSONTestSupport.readAll(doc, chunk: chunk) else { Issue.record("pair"); return }
        #expect(s[0].text.utf8.elementsEqual("\u{1F600} éé \" \\ / \u{8} \u{C} \n \r \t \u{0}".utf8))
    }

    @Test func nanAndInfinityAreNotNumbers() {
        for (lit, name) in [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")] {
            let doc = bytes(seg([("tokens", lit)]))
            let e = JSONTestSupport.error(doc)
            #expect(e?.reason == .nonFiniteNumber(name) && e?.byteOffset == offset(of: lit, in: doc), "\(lit)")
        }
        #expect(throws: JSONImportError.self) { try JSONValue.parse(bytes("[NaN]")) }
    }

    @Test func duplicateKeys() {
        let doc = bytes(seg([("text", "\"a\""), ("tier", "\"stashed\"")]).dropLast() + #", "text": "b"}"#)
        let e = JSONTestSupport.error(doc)
        #expect(e?.reason == .duplicateKey("text") && e?.byteOffset == offset(of: "\"text\"", in: doc, nth: 2))
        let top = bytes(#"{"segments": [], "segments": []}"#)
        let t = JSONTestSupport.error(top)
        #expect(t?.reason == .duplicateKey("segments") && t?.byteOffset == 17)
    }

    @Test func wrongTypes() {
        let int64 = "an integer within 64 bits"
        let frac = "an integer (not a fraction or exponent)"
        let cases: [(String, String, String)] = [
            ("text", "5", "a string"), ("segment_id", "null", "a string"), ("pinned", "\"true\"", "a boolean"),
            ("pinned", "1", "a boolean"), ("refcount", "1.0", frac), ("refcount", "1e3", frac), ("gc_survival_count", "null", "an integer"),
            ("tokens", "9223372036854775808", int64), ("tokens", "-9223372036854775809", int64), ("tokens", "\"5\"", "an integer or null"),
            ("tags", "\"a\"", "an array of strings"), ("tags", "[1]", "an array of strings"), ("tags", "null", "an array of strings"),
            ("tags", "[\"a\", {\"b\": [1, 2]}]", "an array of strings"),
            ("line_range", "\"1-2\"", "a pair of integers or null"), ("line_range", "[1.5, 2]", "a pair of integers or null"),
            ("line_range", "[1, \"2\"]", "a pair of integers or null"),
            ("created_at", "5", "a datetime string"), ("created_at", "null", "a datetime string"),
            ("tokens_computed_at", "1700000000", "a datetime string or null"), ("task_id", "false", "a string or null"),
            ("type", "1", "a string"), ("tier", "null", "a string"),
        ]
        for (field, value, expected) in cases {
            let doc = bytes(seg([(field, value)]))
            let e = JSONTestSupport.error(doc)
            #expect(e?.reason == .segment(.wrongType(field: field, expected: expected)), "\(field): \(value) gave \(String(describing: e))")
            #expect(e?.byteOffset == offset(of: "\"\(field)\"", in: doc))
        }
        // Extremes of Int64 are fine.
        let ok = JSONTestSupport.readAll(bytes(seg([("tokens", "9223372036854775807"), ("line_range", "[-9223372036854775808, -0]")])))
        guard case .success(let (_, s)) = ok else { Issue.record("\(ok)"); return }
        #expect(s[0].tokens == Int.max && s[0].lineRange == LineRange(Int.min, 0))
        // A wrong-typed value with a syntax error inside is reported as the syntax error.
        let bad = JSONTestSupport.error(bytes(seg([("tags", "{\"a\": }")])))
        if case .syntax = bad?.reason {} else { Issue.record("expected a syntax error, got \(String(describing: bad))") }
    }

    @Test func unknownEnumValuesAndDescription() throws {
        for (field, value, allowed) in [("type", "snippet", allowedTypes), ("generation", "middle", ["young", "old"]),
                                        ("tier", "hot", ["working", "stashed", "archive"])] {
            let doc = bytes(seg([(field, "\"\(value)\"")]))
            let e = JSONTestSupport.error(doc)
            #expect(e?.reason == .segment(.unknownValue(field: field, value: value, allowed: allowed)))
        }
        // The message reads as documented, in a legacy file.
        var segments = Self.sample(20).map { s -> ContextSegment in var s = s; s.projectID = "p"; return s }
        segments[17].type = .note
        var file = try SegmentFiles.bytes(segments, as: .legacy)
        let at = offset(of: "\"type\": \"note\"", in: file)
        file.replaceSubrange(at..<(at + 14), with: bytes("\"type\": \"snippet\""))
        let r = try SegmentFileReader(bytes: file, name: "storage.json")
        var e: JSONImportError?
        do { while try r.next() != nil {} } catch { e = error }
        let line = file[0..<at].filter { $0 == 0x0A }.count + 1
        #expect(e?.description == "storage.json: segment 17 (project \"p\", line \(line), column 11, byte \(at)): type: unknown value \"snippet\" (allowed: message, code, log, note, decision, summary)")
        // The error is final.
        #expect(throws: JSONImportError.self) { _ = try r.next() }
        #expect(r.elementIndex == 17)
    }

    @Test func missingRequiredFieldsAndValidation() {
        for field in ["segment_id", "text", "type", "project_id", "created_at", "last_touched_at"] {
            let doc = bytes("  " + seg(removing: [field]))
            let e = JSONTestSupport.error(doc)
            #expect(e?.reason == .segment(.missingField(field)) && e?.byteOffset == 2 && e?.column == 3, "\(field)")
        }
        // Defaults for everything else.
        guard case .success(let (_, s)) = JSONTestSupport.readAll(bytes(seg())) else { Issue.record("minimal"); return }
        #expect(s[0] == ContextSegment(segmentID: "s1", text: "hello", type: .note, projectID: "p",
                                       createdAt: Timestamp(utcMicroseconds: 1_735_787_045_000_000)))
        let checks: [(String, String, SegmentValidationError)] = [
            ("segment_id", "\"\"", .emptySegmentID), ("refcount", "-1", .negative(field: "refcount", value: -1)),
            ("created_at", "\"2025-13-01T00:00:00\"", .invalidDatetime(field: "created_at", value: "2025-13-01T00:00:00")),
            ("last_touched_at", "\"yesterday\"", .invalidDatetime(field: "last_touched_at", value: "yesterday")),
            ("tokens_computed_at", "\"2025-01-01T00:00:00+24:00\"", .invalidDatetime(field: "tokens_computed_at", value: "2025-01-01T00:00:00+24:00")),
        ]
        for (field, value, expected) in checks {
            let e = JSONTestSupport.error(bytes(seg([(field, value)])))
            #expect(e?.reason == .segment(expected), "\(field)")
        }
        let unknown = bytes(seg([("snippet_id", "1")]))
        let u = JSONTestSupport.error(unknown)
        #expect(u?.reason == .unknownKey("snippet_id") && u?.byteOffset == offset(of: "\"snippet_id\"", in: unknown))
    }

    @Test func lineRangeMustBeAPair() {
        for (value, count) in [("[1, 2, 3]", 3), ("[]", 0), ("[7]", 1)] {
            let e = JSONTestSupport.error(bytes(seg([("line_range", value)])))
            #expect(e?.reason == .segment(.lineRangeNotAPair(count: count)), "\(value)")
        }
        guard case .success(let (_, s)) = JSONTestSupport.readAll(bytes(seg([("line_range", "null")]))) else { return }
        #expect(s[0].lineRange == nil)
    }

    @Test func deepNestingIsRefusedWithoutRecursion() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let legacy = bytes(#"{"version": "1.0", "projects": {"p": {"segments": [], "indexes": "#) + bytes(deep) + bytes("}}}")
        let e = JSONTestSupport.error(legacy)
        let start = offset(of: "[[", in: legacy)
        #expect(e?.reason == .depthLimit(64) && e?.byteOffset == start + 61, "\(String(describing: e))")
        // The tree parser: 64 levels are fine, 65 are not.
        #expect(throws: Never.self) { _ = try JSONValue.parse(bytes(String(repeating: "[", count: 64) + String(repeating: "]", count: 64))) }
        do {
            _ = try JSONValue.parse(bytes(deep))
            Issue.record("no error")
        } catch {
            #expect(error.reason == .depthLimit(64) && error.byteOffset == 64)
        }
        let objects = String(repeating: #"{"a":"#, count: 10_000)
        #expect(throws: JSONImportError.self) { _ = try JSONValue.parse(bytes(objects)) }
        // Inside a segment's tags, and as a whole file.
        let tags = JSONTestSupport.error(bytes(seg([("tags", deep)])))
        #expect(tags?.reason == .depthLimit(64))
        let top = JSONTestSupport.error(bytes(deep))
        if case .syntax = top?.reason {} else { Issue.record("\(String(describing: top))") }
    }

    @Test func hugeStringsAreRefusedAtTheLimit() {
        // 100 MB of text, built in one allocation (a byte-by-byte build takes seconds in debug).
        let head = bytes(#"{"segment_id": "s", "type": "note", "text": ""#)
        let tail = bytes(#"", "project_id": "p", "created_at": "2025-01-01T00:00:00", "last_touched_at": "2025-01-01T00:00:00"}"#)
        var doc = [UInt8](repeating: 0x61, count: head.count + 100_000_000 + tail.count)
        doc.replaceSubrange(0..<head.count, with: head)
        doc.replaceSubrange((doc.count - tail.count)..<doc.count, with: tail)
        let e = JSONTestSupport.error(doc)
        #expect(e?.reason == .valueTooLarge(limit: 64 << 20) && e?.byteOffset == head.count + (64 << 20) && e?.elementIndex == 0)
        // The boundary, with a small limit: the limit itself passes, one more byte does not.
        for chunk in [3, 7, 1 << 20] {
            for (text, ok) in [(String(repeating: "a", count: 1000), true), (String(repeating: "a", count: 1001), false),
                               (String(repeating: "a", count: 998) + #"\n"#, true), (String(repeating: "é", count: 500), true),
                               (String(repeating: "é", count: 500) + "a", false)] {
                let r = JSONTestSupport.readAll(bytes(seg([("text", "\"" + text + "\"")])), chunk: chunk, maxString: 1000)
                switch r {
                case .success: #expect(ok, "\(text.count) accepted")
                case .failure(let e): #expect(!ok && e.reason == .valueTooLarge(limit: 1000), "\(e)")
                }
            }
        }
    }

    @Test func trailingCommasCommentsQuotesAndOtherSyntax() {
        let s = seg()
        let cases: [String] = [
            #"{"segments": ["# + s + ",]}",
            String(seg().dropLast()) + ",}",
            seg([("tags", #"["a",]"#)]),
            #"{"segments": []} // comment"#,
            #"{"segments": [] /* c */}"#,
            #"{'segments': []}"#,
            seg([("tokens", "01")]),
            seg([("tokens", "+1")]),
            seg([("tokens", ".5")]),
            seg([("tokens", "1.")]),
            seg([("tokens", "tru")]),
            seg([("pinned", "True")]),
            #"{"segments": [] "x": 1}"#,
            #"{"segments" []}"#,
            #"{"segments": [,]}"#,
            #"{"segments": {}}"#,
            "[" + s + "]",
        ]
        for c in cases {
            let e = JSONTestSupport.error(bytes(c))
            switch e?.reason {
            case .syntax?, .nonFiniteNumber?: break
            case .trailingData? where c.hasPrefix(#"{"segments": []} "#): break
            default: Issue.record("\(c): \(String(describing: e))")
            }
        }
        for (text, reason) in [("a\u{01}b", JSONImportError.Reason.controlCharacter(1)), ("a\nb", .controlCharacter(10)),
                               (#"a\xb"#, .invalidEscape("\\x")), (#"a\u12G4"#, .invalidEscape("\\u needs four hex digits")),
                               ("a\\\u{7F}", .invalidEscape("\\ followed by byte 0x7f"))] {
            let doc = bytes(seg([("text", "\"" + text + "\"")]))
            let e = JSONTestSupport.error(doc)
            #expect(e?.byteOffset == offset(of: "\"a", in: doc) + 2, "\(text): \(String(describing: e))")
            #expect(e?.reason == reason)
        }
        #expect(throws: JSONImportError.self) { try JSONValue.parse(bytes("[1,]")) }
        #expect(throws: JSONImportError.self) { try JSONValue.parse(bytes(#"{"a":1,}"#)) }
        #expect(throws: JSONImportError.self) { try JSONValue.parse(bytes("")) }
    }

    @Test func fileStructureErrors() {
        let s = seg()
        var e = JSONTestSupport.error(bytes(#"{"segments": [], "extra": 1}"#))
        #expect(e?.reason == .unknownKey("extra") && e?.byteOffset == 17)
        e = JSONTestSupport.error(bytes(#"{"version": "2.0", "projects": {}}"#))
        #expect(e?.reason == .unsupportedVersion("2.0"))
        e = JSONTestSupport.error(bytes(#"{"version": "1.0"}"#))
        #expect(e?.reason == .missingKey("projects"))
        e = JSONTestSupport.error(bytes(#"{"version": "1.0", "projects": {"p": {"indexes": {}}}}"#))
        #expect(e?.reason == .missingKey("segments"))
        e = JSONTestSupport.error(bytes(#"{"version": "1.0", "projects": {"q": {"segments": ["# + s + "]}}}"))
        #expect(e?.reason == .projectMismatch(project: "q", segmentProject: "p") && e?.elementIndex == 0 && e?.projectID == "q")
        e = JSONTestSupport.error(bytes(#"{"version": "1.0", "projects": {"p": {"segments": [], "indexes": {"by_tag": {"a": [1,]}}}}}"#))
        if case .syntax = e?.reason {} else { Issue.record("indexes must be valid JSON: \(String(describing: e))") }
        e = JSONTestSupport.error(bytes(#"{"version": "1.0", "projects": {"p": {"segments": []}, "p": {"segments": []}}}"#))
        #expect(e?.reason == .duplicateKey("p") && e?.byteOffset == 55)
        e = JSONTestSupport.error(bytes(#"{"version": "1.0", "projects": {"p": {"segments": [], "extra": 1}}}"#))
        #expect(e?.reason == .unknownKey("extra"))
        // Legacy keys in another order, indexes before segments, BOM: fine.
        let ok = JSONTestSupport.readAll([0xEF, 0xBB, 0xBF] + bytes(#"{"projects": {"p": {"indexes": {"x": [[], {}]}, "segments": ["# + s + "]}}, \"version\": \"1.0\"}"))
        if case .success(let (f, segs)) = ok { #expect(f == .legacy && segs.count == 1) } else { Issue.record("\(ok)") }
    }

    @Test func ndjsonLines() {
        let s = seg()
        func read(_ text: String) -> Result<(SegmentFileFormat, [ContextSegment]), JSONImportError> {
            JSONTestSupport.readAll(bytes(text), chunk: 5)
        }
        for ok in ["", "\n\n", "  ", s, s + "\n", s + "\n" + s, s + "\r\n" + s + "\r\n", s + "\n" + s + "\n\n\n  \n",
                   "\u{FEFF}" + s + "\n", "  " + s + " \t\n"] {
            guard case .success(let (f, segs)) = read(ok) else { Issue.record("\(ok.debugDescription)"); continue }
            #expect(f == .ndjson && segs.count == ok.components(separatedBy: "\"s1\"").count - 1)
        }
        var e = JSONTestSupport.error(bytes(s + "\n\n" + s + "\n"))
        #expect(e?.reason == .blankLine && e?.line == 3)
        e = JSONTestSupport.error(bytes("\n" + s + "\n"))
        #expect(e?.reason == .blankLine)
        let pretty = s.replacingOccurrences(of: ", ", with: ",\n  ")
        e = JSONTestSupport.error(bytes(s + "\n" + pretty + "\n"))
        #expect(e?.reason == .recordSpansLines && e?.elementIndex == 1 && e?.line == 2 && e?.column == 1)
        e = JSONTestSupport.error(bytes(pretty + "\n" + s + "\n"))
        #expect(e?.reason == .recordSpansLines && e?.elementIndex == 0 && e?.byteOffset == 0)
        // A line break right after the first `{` makes a single-segment file (a spill file),
        // which nothing but whitespace may follow.
        guard case .success(let (form, one)) = read("{\n" + s.dropFirst() + "\n") else { Issue.record("single"); return }
        #expect(form == .segment && one.count == 1)
        e = JSONTestSupport.error(bytes("{\n" + s.dropFirst() + "\n" + s + "\n"))
        #expect(e?.reason == .trailingData && e?.elementIndex == nil && e?.line == 3 && e?.column == 1)
        e = JSONTestSupport.error(bytes(s + "\n[1]\n"))
        if case .syntax = e?.reason {} else { Issue.record("\(String(describing: e))") }
    }

    @Test func descriptorsAndPaths() throws {
        // A pipe fed by another thread, in pieces larger than the pipe buffer.
        let segments = Self.sample(300)
        let data = try SegmentFiles.bytes(segments, as: .ndjson)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let writeFD = fds[1]
        let writer = Thread {
            data.withUnsafeBytes { p in
                var done = 0
                while done < p.count {
                    let n = write(writeFD, p.baseAddress! + done, min(1000, p.count - done))
                    if n <= 0 { break }
                    done += n
                }
            }
            close(writeFD)
        }
        writer.start()
        let r = try SegmentFileReader(fileDescriptor: fds[0], name: "<stdin>")
        let read = try r.readAll()
        close(fds[0])
        #expect(r.format == .ndjson && read == segments)
        do {
            _ = try SegmentFileReader(path: "/nonexistent/storage.json")
            Issue.record("no error")
        } catch {
            #expect(error.reason == .io(operation: "open", errno: ENOENT) && error.file == "/nonexistent/storage.json")
        }
    }
}

import Foundation

/// Random damage to valid files: the reader either reads or throws a typed error (never
/// traps or hangs), and what it accepts Python's `json` accepts too.
@Suite struct JSONMutationTests {

    @Test func mutatedFilesFailCleanly() throws {
        var rng = TestRNG(seed: 20_251_207)
        let segments = JSONBadInputTests.sample(3)
        let interesting: [UInt8] = [0x22, 0x5C, 0x2C, 0x3A, 0x5B, 0x5D, 0x7B, 0x7D, 0x00, 0x0A, 0x20, 0x80, 0xC3, 0xED, 0xFF, 0x75, 0x30, 0x2D]
        var accepted: [[UInt8]] = []
        var failures = 0
        for format in [SegmentFileFormat.sharded, .legacy, .ndjson] {
            let original = try SegmentFiles.bytes(segments, as: format)
            for _ in 0..<700 {
                var doc = original
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: 0..<doc.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: doc[at] = interesting.randomElement(using: &rng)!
                    case 1: doc.remove(at: at)
                    default: doc.insert(interesting.randomElement(using: &rng)!, at: at)
                    }
                }
                switch JSONTestSupport.readAll(doc, chunk: Int.random(in: 1...64, using: &rng)) {
                case .success: accepted.append(doc)
                case .failure(let e):
                    failures += 1
                    #expect(e.byteOffset >= 0 && e.byteOffset <= doc.count)
                    #expect(e.line >= 1, "\(e)")
                }
            }
        }
        #expect(failures > 1000)
        // Python must load every document we accepted.
        let dir = JSONTestSupport.temporaryDirectory("mut")
        defer { JSONTestSupport.remove(dir) }
        for (i, d) in accepted.enumerated() {
            _ = FileManager.default.createFile(atPath: dir + "/\(i).json", contents: Data(d))
        }
        let script = #"""
import json, os, sys
bad = []
for name in os.listdir(sys.argv[1]):
    raw = open(os.path.join(sys.argv[1], name), "rb").read().decode("utf-8")
    try:
        try: json.loads(raw)
        except ValueError: [json.loads(l) for l in raw.split("\n") if l.strip()]
    except Exception as e: bad.append(name + ": " + str(e) + " " + repr(raw[:300]))
print("\n".join(bad))
"""#
        guard let out = JSONTestSupport.python(script, [dir]) else { return }
        let complaints = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(complaints.isEmpty, "accepted here, refused by Python: \(complaints)")
    }
}
