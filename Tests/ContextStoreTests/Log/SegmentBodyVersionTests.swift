import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Segment body version 2 (SPEC.md section 4.4): a `text_hash` that is the lowercase hex
/// SHA-256 of the text is marked derived (enums bit 6) instead of stored; any other hash is
/// stored as in version 1. Both versions read back exactly what was put.
@Suite struct SegmentBodyVersionTests {
    static func encode(_ s: ContextSegment, version: UInt8) -> [UInt8] {
        var w = ByteWriter()
        SegmentCodec.encode(s, version: version, into: &w)
        return w.bytes
    }

    static func decode(_ bytes: [UInt8], project: String = "p") throws(CodingError) -> ContextSegment {
        try bytes.withBytes { buf throws(CodingError) in
            var r = ByteReader(buf)
            let s = try SegmentCodec.decode(&r, projectID: project)
            guard r.isAtEnd else { throw .invalidValue(offset: r.offset, what: "trailing bytes") }
            return s
        }
    }

    @Test func theTextsOwnHashIsDerivedAndEveryOtherHashIsStored() throws {
        var rng = TestRNG(seed: testSeed)
        for i in 0..<1000 {
            var s = Samples.segment(&rng)
            let own = SHA256.hexDigest(of: s.text)
            // The text's own hash, then hashes that are not it: another case, another text's,
            // a short one, none.
            let hashes: [String?] = [own, own.uppercased(), SHA256.hexDigest(of: s.text + "x"), String(own.prefix(63)), "", nil]
            s.textHash = hashes[i % hashes.count]
            let v1 = Self.encode(s, version: 1)
            let v2 = Self.encode(s, version: 2)
            #expect(v1[0] == 1 && v2[0] == 2)
            #expect(try Self.decode(v1) == s)
            #expect(try Self.decode(v2) == s)
            if s.textHash == own {
                #expect(v2.count == v1.count - 65, "the 64 hex digits and their length are left out")
                #expect(v2[2] & 0x40 != 0 && v2[1] & 0x80 == 0)
                #expect(v1[2] & 0x40 == 0 && v1[1] & 0x80 != 0)
            } else {
                #expect(v2.count == v1.count && v2[2] == v1[2] && v2[1] == v1[1] && v2.dropFirst() == v1.dropFirst())
            }
        }
    }

    @Test func bodiesOfUnknownVersionsOrBadBitsAreRefused() throws {
        var rng = TestRNG(seed: 3)
        var s = Samples.segment(&rng)
        s.textHash = SHA256.hexDigest(of: s.text)
        let derived = Self.encode(s, version: 2)
        s.textHash = "stored"
        let stored = Self.encode(s, version: 2)
        for version: UInt8 in [0, 3, 255] {
            var b = derived
            b[0] = version
            #expect(throws: CodingError.self) { try Self.decode(b) }
        }
        var b = derived
        b[0] = 1  // a version 1 body cannot mark its hash derived
        #expect(throws: CodingError.self) { try Self.decode(b) }
        b = stored
        b[2] |= 0x40  // derived and stored at once
        #expect(throws: CodingError.self) { try Self.decode(b) }
        b = derived
        b[2] |= 0x80  // bit 7 is reserved
        #expect(throws: CodingError.self) { try Self.decode(b) }
        // Every truncation of a version 2 body is an error, never a trap or a wrong segment.
        for cut in 0..<derived.count {
            #expect(throws: CodingError.self) { try Self.decode(Array(derived[0..<cut])) }
        }
    }

    @Test func logFileVersionsChooseTheBodyVersion() {
        #expect(SegmentCodec.version(forLogFileVersion: 1) == 1)
        #expect(SegmentCodec.version(forLogFileVersion: 2) == 1)
        #expect(SegmentCodec.version(forLogFileVersion: 3) == 2)
        #expect(SegmentCodec.version(forLogFileVersion: LogFormat.fileVersion) == SegmentCodec.version)
    }
}
