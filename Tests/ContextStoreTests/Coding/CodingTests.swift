import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

@Suite struct CodingTests {
    @Test func varintsAndFixedIntsRoundTrip() throws {
        var w = ByteWriter()
        let values: [UInt64] = [0, 1, 127, 128, 255, 300, 16383, 16384, UInt64(UInt32.max), UInt64.max - 1, UInt64.max]
        for v in values { w.varint(v) }
        let signed: [Int64] = [0, -1, 1, Int64.min, Int64.max, -64, 64]
        for v in signed { w.zigzag(v) }
        w.u16(0xBEEF); w.u32(0xDEAD_BEEF); w.u64(0x0123_4567_89AB_CDEF)
        w.string("héllo 🙂")
        try w.bytes.withBytes { buf throws(CodingError) in
            var r = ByteReader(buf)
            for v in values { #expect(try r.varint() == v) }
            for v in signed { #expect(try r.zigzag() == v) }
            #expect(try r.u16() == 0xBEEF)
            #expect(try r.u32() == 0xDEAD_BEEF)
            #expect(try r.u64() == 0x0123_4567_89AB_CDEF)
            #expect(try r.string() == "héllo 🙂")
            #expect(r.isAtEnd)
        }
    }

    @Test func hostileInputThrowsInsteadOfTrapping() {
        // An 11-byte varint, a length far beyond the buffer, invalid UTF-8, a short read.
        let cases: [([UInt8], CodingError)] = [
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], .badVarint(offset: 0)),
            ([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2], .lengthOutOfBounds(offset: 0, length: 0xFFFF_FFFF, limit: 2)),
            ([2, 0xC3, 0x28], .invalidValue(offset: 0, what: "string is not valid UTF-8")),
            ([], .truncated(offset: 0, needed: 1)),
        ]
        for (bytes, expected) in cases {
            bytes.withUnsafeBytes { buf in
                var r = ByteReader(buf)
                #expect(throws: expected) { _ = try r.string() }
            }
        }
    }

    @Test func crc32cHardwareMatchesSoftwareAndKnownAnswer() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        var rng = TestRNG(seed: testSeed)
        let data = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            for n in [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4999, 5000] {
                for start in [0, 1, 3] where start + n <= all.count {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + n)])
                    #expect(CRC32C.extend(0, slice) == CRC32C.software(0, slice), "n=\(n) start=\(start)")
                }
            }
            // Extending equals checksumming the concatenation.
            let a = UnsafeRawBufferPointer(rebasing: all[0..<1234])
            let b = UnsafeRawBufferPointer(rebasing: all[1234..<5000])
            #expect(CRC32C.extend(CRC32C.checksum(a), b) == CRC32C.checksum(all))
        }
    }

    @Test func lz4RoundTripAndRejectsGarbage() {
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog ", count: 500).utf8)
        var compressed: [UInt8] = []
        let n = text.withUnsafeBytes { LZ4Block.compress($0, appendingTo: &compressed) }
        #expect(n == compressed.count && n < text.count / 4)
        var out = [UInt8](repeating: 0, count: text.count)
        let ok = compressed.withUnsafeBytes { c in out.withUnsafeMutableBytes { LZ4Block.decompress(c, into: $0) } }
        #expect(ok && out == text)
        // Wrong expected size and random garbage are refused, never a crash.
        var short = [UInt8](repeating: 0, count: text.count - 1)
        #expect(!compressed.withUnsafeBytes { c in short.withUnsafeMutableBytes { LZ4Block.decompress(c, into: $0) } })
        var rng = TestRNG(seed: testSeed)
        for _ in 0..<200 {
            let junk = (0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var dst = [UInt8](repeating: 0, count: 4096)
            _ = junk.withUnsafeBytes { j in dst.withUnsafeMutableBytes { LZ4Block.decompress(j, into: $0) } }
        }
        #expect(LZ4Block.version.hasPrefix("1."))
    }
}
