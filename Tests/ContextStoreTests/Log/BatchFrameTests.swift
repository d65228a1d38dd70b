import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The reader, byte by byte: frames, torn tails and damage.
@Suite struct BatchFrameTests {
    /// A log file image: header and `batches` frames of `perBatch` records.
    func fileImage(batches: Int, perBatch: Int, seed: UInt64) -> (bytes: [UInt8], frameOffsets: [Int], records: [[SequencedRecord]]) {
        var rng = TestRNG(seed: seed)
        var out = LogFileHeader(fileNumber: 1, projectNumber: 1, storeUUID: Array(repeating: 7, count: 16)).encode()
        var offsets: [Int] = []
        var all: [[SequencedRecord]] = []
        var seq: UInt64 = 1
        for _ in 0..<batches {
            var b = BatchBuilder()
            var mine: [SequencedRecord] = []
            for _ in 0..<perBatch {
                let rec: LogRecord = rng.next() % 5 == 0 ? .delete(segmentID: "d\(seq)") : .put(Samples.segment(&rng))
                b.append(seq: seq, record: EncodedRecord(rec))
                mine.append(SequencedRecord(seq: seq, record: rec))
                seq += 1 + rng.next() % 3
            }
            offsets.append(out.count)
            b.finish(appendingTo: &out)
            all.append(mine)
        }
        return (out, offsets, all)
    }

    func scan(_ bytes: [UInt8], dir: TempDir) throws -> (LogFileReader.Ending, [[SequencedRecord]]) {
        let path = dir.sub("f.log")
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let reader = try LogFileReader(path: path, size: Int64(bytes.count))
        var decoded: [[SequencedRecord]] = []
        let ending = try reader.scanFrames { offset, _ in
            decoded.append(try reader.records(atBatch: offset, projectID: "p"))
        }
        return (ending, decoded)
    }

    func same(_ a: [SequencedRecord], _ b: [SequencedRecord]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            guard x.seq == y.seq else { return false }
            switch (x.record, y.record) {
            case let (.put(s), .put(t)): return s == t
            case let (.delete(i), .delete(j)): return i.utf8.elementsEqual(j.utf8)
            default: return false
            }
        }
    }

    @Test func framesDecodeToWhatWasWritten() throws {
        let dir = TempDir("frames"); defer { dir.cleanup() }
        let img = fileImage(batches: 5, perBatch: 20, seed: testSeed)
        let (ending, decoded) = try scan(img.bytes, dir: dir)
        #expect(ending == .clean)
        #expect(decoded.count == 5)
        for (a, b) in zip(decoded, img.records) { #expect(same(a, b)) }
    }

    /// Every single-bit flip anywhere in a batch frame is detected: a flip in a middle
    /// batch is corruption (a valid batch follows), a flip in the last batch is a torn tail;
    /// the batches before are always returned intact and no altered record is ever returned.
    @Test func everySingleBitFlipInABatchIsDetected() throws {
        let dir = TempDir("flips"); defer { dir.cleanup() }
        let img = fileImage(batches: 3, perBatch: 4, seed: testSeed &+ 1)
        for target in [1, 2] {  // the middle batch and the last batch
            let start = img.frameOffsets[target]
            let end = target + 1 < img.frameOffsets.count ? img.frameOffsets[target + 1] : img.bytes.count
            var flips = 0
            for byte in start..<end {
                for bit in 0..<8 {
                    var damaged = img.bytes
                    damaged.flipBit(byte * 8 + bit)
                    let (ending, decoded) = try scan(damaged, dir: dir)
                    flips += 1
                    #expect(decoded.count == target, "flip at \(byte).\(bit) returned \(decoded.count) batches")
                    for (a, b) in zip(decoded, img.records) { #expect(same(a, b)) }
                    if target == 1 {
                        #expect(ending == .corrupt(offset: Int64(start), reason: ending.reason), "byte \(byte) bit \(bit)")
                    } else {
                        #expect(ending == .tornTail(validEnd: Int64(start), droppedBytes: Int64(end - start)))
                    }
                }
            }
            #expect(flips == (end - start) * 8)
        }
    }

    /// Cutting the file at every offset inside the last frame leaves a torn tail that
    /// starts exactly at that frame, with every earlier batch intact.
    @Test func tornTailAtEveryOffsetKeepsEarlierBatches() throws {
        let dir = TempDir("torn"); defer { dir.cleanup() }
        let img = fileImage(batches: 3, perBatch: 3, seed: testSeed &+ 2)
        let last = img.frameOffsets[2]
        for cut in last..<img.bytes.count {
            let (ending, decoded) = try scan(Array(img.bytes[0..<cut]), dir: dir)
            if cut == last {
                #expect(ending == .clean)
            } else {
                #expect(ending == .tornTail(validEnd: Int64(last), droppedBytes: Int64(cut - last)))
            }
            #expect(decoded.count == 2)
        }
        // Garbage appended after the last frame (zeros from a power loss, or noise) too.
        for junk in [[UInt8](repeating: 0, count: 4096), (0..<100).map { UInt8($0) }] {
            let (ending, decoded) = try scan(img.bytes + junk, dir: dir)
            #expect(ending == .tornTail(validEnd: Int64(img.bytes.count), droppedBytes: Int64(junk.count)))
            #expect(decoded.count == 3)
        }
    }

    @Test func hostileLengthsAreRejectedBeforeAllocation() throws {
        let dir = TempDir("hostile"); defer { dir.cleanup() }
        let img = fileImage(batches: 2, perBatch: 2, seed: 5)
        var damaged = img.bytes
        // Claim a 4 GiB raw length in the first frame: rejected by the header bounds.
        let at = img.frameOffsets[0] + 12
        for i in 0..<4 { damaged[at + i] = 0xFF }
        let (ending, decoded) = try scan(damaged, dir: dir)
        #expect(decoded.isEmpty)
        if case .corrupt = ending {} else { Issue.record("expected corruption, got \(ending)") }
    }
}

extension LogFileReader.Ending {
    var reason: String {
        if case let .corrupt(_, r) = self { return r }
        return ""
    }
}
