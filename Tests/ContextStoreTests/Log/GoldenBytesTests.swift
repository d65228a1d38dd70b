import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The worked example of SPEC.md, byte for byte: if an encoding changes, this test fails
/// and SPEC.md (and the format version) must change with it.
@Suite struct GoldenBytesTests {
    static let segment = ContextSegment(
        segmentID: "s1", text: "hi", type: .note, projectID: "demo", taskID: "t",
        createdAt: try! Timestamp(iso8601: "2025-01-02T03:04:05Z"),
        lastTouchedAt: try! Timestamp(iso8601: "2025-01-02T03:04:05.5+01:00"),
        tags: ["x"], tier: .stashed)

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: " ") }

    @Test func segmentBodyMatchesSpec() {
        var w = ByteWriter()
        SegmentCodec.encode(Self.segment, into: &w)
        #expect(hex(w.bytes) == Self.segmentBodyHex)
    }

    /// The same segment with `text_hash` = SHA-256("hi"): the hash is derived (enums bit 6),
    /// so the body differs in that bit only.
    @Test func segmentBodyWithTheTextsOwnHashMatchesSpec() {
        var s = Self.segment
        s.textHash = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
        #expect(s.textHash == SHA256.hexDigest(of: "hi"))
        var w = ByteWriter()
        SegmentCodec.encode(s, into: &w)
        #expect(hex(w.bytes) == Self.segmentBodyHex.replacingOccurrences(of: "02 02 13", with: "02 02 53"))
    }

    @Test func logFileHeaderMatchesSpec() {
        let h = LogFileHeader(fileNumber: 1, projectNumber: 1, storeUUID: Array(0..<16)).encode()
        #expect(hex(h) == Self.headerHex)
    }

    @Test func batchFrameMatchesSpec() {
        var b = BatchBuilder()
        b.append(seq: 7, record: EncodedRecord(.put(Self.segment)))
        b.append(seq: 8, record: EncodedRecord(.delete(segmentID: "s0")))
        var out: [UInt8] = []
        b.finish(appendingTo: &out)
        #expect(hex(out) == Self.batchHex)
    }

    static let segmentBodyHex = "02 02 13 02 73 31 02 68 69 80 cd c8 a3 8d ac 95 06 01 00 c0 d1 85 a4 8d ac 95 06 03 a0 38 00 00 01 74 01 01 78"
    static let headerHex = "43 54 58 53 4c 4f 47 00 03 00 01 00 01 00 00 00 01 00 00 00 00 00 00 00 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 00 00 00 00 35 c4 2d 9b"
    static let batchHex = "43 58 42 31 5b 10 e4 0f 2e 00 00 00 2e 00 00 00 02 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 08 00 00 00 00 00 00 00 27 01 00 02 02 13 02 73 31 02 68 69 80 cd c8 a3 8d ac 95 06 01 00 c0 d1 85 a4 8d ac 95 06 03 a0 38 00 00 01 74 01 01 78 05 02 01 02 73 30"
}
