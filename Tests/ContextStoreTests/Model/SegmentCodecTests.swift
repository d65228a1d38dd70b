import Foundation
import Testing
@testable import ContextStore

@Suite struct SegmentCodecTests {
    func roundTrip(_ s: ContextSegment) throws -> ContextSegment {
        var w = ByteWriter()
        SegmentCodec.encode(s, into: &w)
        return try w.bytes.withBytes { buf throws(CodingError) in
            var r = ByteReader(buf)
            let out = try SegmentCodec.decode(&r, projectID: s.projectID)
            #expect(r.isAtEnd)
            return out
        }
    }

    @Test func everyFieldRoundTripsWithUnicodeEmptyAndMaximalValues() throws {
        let maximal = ContextSegment(
            segmentID: String(repeating: "é", count: 5000) + "\u{0}\u{1F600}",
            text: Samples.texts.joined(separator: "\u{0}") + String(repeating: "🙂", count: 100_000),
            type: .summary, projectID: "../x/\u{0}/cafe\u{301}",
            taskID: "", createdAt: Timestamp(localMicroseconds: Timestamp.maxLocalMicroseconds, utcOffsetSeconds: 86_399, hasFraction: true),
            lastTouchedAt: Timestamp(localMicroseconds: Timestamp.minLocalMicroseconds, utcOffsetSeconds: -86_399, hasFraction: false),
            pinned: true, generation: .old, gcSurvivalCount: Int.max, refcount: Int.max,
            filePath: "", lineRange: LineRange(Int.min, Int.max), tags: ["", "ταγ", "a\u{0}b"] + (0..<1000).map { "t\($0)" },
            topicID: "", tokens: Int.max,
            tokensComputedAt: Timestamp(localMicroseconds: 0, utcOffsetSeconds: nil, hasFraction: true),
            textHash: "", tier: .archive)
        let empty = ContextSegment(
            segmentID: "x", text: "", type: .message, projectID: "",
            createdAt: Timestamp(localMicroseconds: 0, utcOffsetSeconds: nil, hasFraction: false))
        for s in [maximal, empty] {
            let back = try roundTrip(s)
            #expect(back == s)
        }
        var rng = TestRNG(seed: testSeed)
        for _ in 0..<2000 {
            let s = Samples.segment(&rng)
            #expect(try roundTrip(s) == s)
        }
    }

    @Test func equalityIsByteExactNotCanonical() {
        var rng = TestRNG(seed: 1)
        var a = Samples.segment(&rng)
        var b = a
        a.text = "caf\u{E9}"
        b.text = "cafe\u{301}"
        #expect(a.text == b.text)  // Swift's String == is canonical equivalence ...
        #expect(a != b)  // ... the store's segments are not.
    }

    @Test func everyEnumCodeIsStableAndUnknownCodesAreRejected() throws {
        for t in SegmentType.allCases { #expect(SegmentType(code: t.code) == t) }
        for g in SegmentGeneration.allCases { #expect(SegmentGeneration(code: g.code) == g) }
        for t in SegmentTier.allCases { #expect(SegmentTier(code: t.code) == t) }
        var rng = TestRNG(seed: 2)
        var w = ByteWriter()
        SegmentCodec.encode(Samples.segment(&rng), into: &w)
        var bytes = w.bytes
        bytes[2] = 7  // type code 7 does not exist
        bytes.withUnsafeBytes { buf in
            var r = ByteReader(buf)
            #expect(throws: CodingError.self) { _ = try SegmentCodec.decode(&r, projectID: "p") }
        }
        // Every truncation of a valid body is an error, never a trap or a wrong segment.
        for cut in 0..<w.bytes.count {
            Array(w.bytes[0..<cut]).withUnsafeBytes { buf in
                var r = ByteReader(buf)
                #expect(throws: CodingError.self) { _ = try SegmentCodec.decode(&r, projectID: "p") }
            }
        }
    }

    @Test func validationNamesTheField() {
        let base = ContextSegment(segmentID: "a", text: "t", type: .note, projectID: "p",
                                  createdAt: Timestamp(utcMicroseconds: 0))
        var s = base
        s.segmentID = ""
        #expect(throws: SegmentValidationError.emptySegmentID) { try s.validate() }
        s = base
        s.refcount = -1
        #expect(throws: SegmentValidationError.negative(field: "refcount", value: -1)) { try s.validate() }
        s = base
        s.gcSurvivalCount = -2
        #expect(throws: SegmentValidationError.negative(field: "gc_survival_count", value: -2)) { try s.validate() }
        s = base
        s.tokens = -3
        #expect(throws: SegmentValidationError.negative(field: "tokens", value: -3)) { try s.validate() }
        s = base
        s.createdAt = Timestamp(localMicroseconds: Timestamp.maxLocalMicroseconds + 1, utcOffsetSeconds: nil, hasFraction: false)
        #expect(throws: SegmentValidationError.self) { try s.validate() }
        #expect(throws: Never.self) { try base.validate() }
    }
}

@Suite struct TimestampTests {
    @Test func pydanticFormsRoundTripExactly() throws {
        for text in ["2025-12-07T22:49:42.123456", "2025-12-07T22:49:42Z", "2025-01-01T00:00:00.000500-08:00",
                     "0001-01-01T00:00:00", "9999-12-31T23:59:59.999999+23:59", "2024-02-29T12:00:00+05:30",
                     "1969-12-31T23:59:59.999999Z", "2000-01-01T00:00:00+00:00:30"] {
            #expect(try Timestamp(iso8601: text).iso8601 == text, "\(text)")
        }
    }

    @Test func acceptedVariantsNormalizeAsPydanticWrites() throws {
        let cases = [
            ("2025-12-07 22:49:42", "2025-12-07T22:49:42"),
            ("2025-12-07T22:49:42.5", "2025-12-07T22:49:42.500000"),
            ("2025-12-07T22:49:42+00:00", "2025-12-07T22:49:42Z"),
            ("2025-12-07T22:49:42z", "2025-12-07T22:49:42Z"),
            ("2025-12-07T22:49", "2025-12-07T22:49:00"),
            ("2025-12-07T22:49:42-0800", "2025-12-07T22:49:42-08:00"),
            // pydantic's other forms, accepted everywhere (JSON, API, command line)
            ("2025-12-07", "2025-12-07T00:00:00"),
            ("2025-12-07_22:49:42", "2025-12-07T22:49:42"),
            ("2025-12-07T22:49:42.12345678Z", "2025-12-07T22:49:42.123456Z"),
            ("2025-12-07T22:49:42,5", "2025-12-07T22:49:42.500000"),
        ]
        for (input, output) in cases { #expect(try Timestamp(iso8601: input).iso8601 == output) }
        let a = try Timestamp(iso8601: "2025-01-01T00:00:00-08:00")
        let b = try Timestamp(iso8601: "2025-01-01T08:00:00Z")
        #expect(a.instantMicroseconds == b.instantMicroseconds)
        #expect(a != b)  // same instant, different written form
    }

    @Test func invalidDatetimesAreRejected() {
        for bad in ["", "NaN", "2024-02-30T00:00:00", "2024-13-01T00:00:00", "2023-02-29T00:00:00",
                    "2024-01-01T24:00:00", "2024-01-01T23:59:60", "0000-01-01T00:00:00", "2024-01-01T",
                    "2024-01-01T00:00:00.", "2024-01-01T00:00:00+24:00", "1700000000",
                    "2024-01-01T00:00:00 ", "2024-1-01T00:00:00", "1e12", "2024-01-01x"] {
            #expect(throws: Timestamp.ParseError.self, "\(bad)") { _ = try Timestamp(iso8601: bad) }
        }
    }

    /// The error names the character (1-based) where the text stops being a datetime.
    @Test func errorsGiveTheRealPosition() {
        let cases: [(String, Int)] = [
            ("2024-13-01T00:00:00", 6),        // month
            ("2024-02-30", 9),                 // day
            ("2024-01-01T24:00:00", 12),       // hour
            ("2024-01-01T23:61", 15),          // minute
            ("2024-01-01T23:59:60", 18),       // second
            ("2024-1-01T00:00:00", 7),         // a one-digit month: '-' where a digit belongs
            ("2024-01-01T00:00:00 ", 20),      // trailing space
            ("2024-01-01x", 11),               // bad separator
            ("2024-01-01T00:00:00+25:00", 21), // offset hours
            ("2024-01-01T00:00:00.", 21),      // a dot without digits: the end
            ("ünï-01-01", 1),
            ("2024-01-0ü", 10),                // characters, not bytes
        ]
        for (text, position) in cases {
            #expect(throws: Timestamp.ParseError.malformed(text, position: position), "\(text)") {
                _ = try Timestamp(iso8601: text)
            }
        }
    }

    @Test func calendarMatchesPythonForRandomInstants() throws {
        // Python is the oracle for the calendar arithmetic.
        var rng = TestRNG(seed: testSeed)
        var stamps: [Timestamp] = []
        for _ in 0..<300 {
            let local = Int64.random(in: Timestamp.minLocalMicroseconds...Timestamp.maxLocalMicroseconds, using: &rng)
            stamps.append(Timestamp(localMicroseconds: local, utcOffsetSeconds: nil, hasFraction: true))
        }
        let script = """
            import sys, datetime
            e = datetime.datetime(1970, 1, 1)
            for line in sys.stdin:
                print((e + datetime.timedelta(microseconds=int(line))).isoformat(timespec="microseconds"))
            """
        let out = try runPython(script, input: stamps.map { "\($0.localMicroseconds)" }.joined(separator: "\n") + "\n")
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines == stamps.map(\.iso8601))
    }
}

/// Runs `python3 -c script` with `input` on stdin and returns stdout.
func runPython(_ script: String, input: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    let inPipe = Pipe(), outPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    try p.run()
    let writer = Thread {
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try? inPipe.fileHandleForWriting.close()
    }
    writer.start()
    let data = outPipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw NSError(domain: "python3", code: Int(p.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "python3 failed; is it installed? (bash Tools/setup.sh --test)"])
    }
    return String(decoding: data, as: UTF8.self)
}
