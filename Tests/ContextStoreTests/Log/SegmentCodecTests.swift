import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

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
