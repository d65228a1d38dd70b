import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The postings codec of every index format (1: varints, 8-byte skips; 2: block maxima; 3:
/// packed full blocks, no skip table for one block) against plain arrays: lists of every
/// length around the block size, dense and sparse, with small and huge gaps and term
/// frequencies, must read back whole, `seek` must land where a lower-bound search does,
/// `markRemaining` must mark exactly the rest, and the maxima must bound every doc. Damaged
/// bytes must end a list early, never crash or yield a doc out of order.
@Suite struct PostingsCodecTests {
    static let lengths = [1, 2, 5, 127, 128, 129, 255, 256, 257, 384, 1000, 3001]

    /// A list of `n` increasing docs with gaps up to `maxGap`, tfs up to `maxTF`, and a
    /// length per doc (what block maxima read).
    static func list(_ n: Int, maxGap: UInt64, maxTF: UInt64, _ rng: inout TestRNG) -> (docs: [UInt32], tfs: [UInt32]) {
        var docs: [UInt32] = [], tfs: [UInt32] = []
        var d: UInt64 = rng.next() % (maxGap + 1)
        for _ in 0..<n {
            guard d < UInt64(UInt32.max - 1) else { break }
            docs.append(UInt32(d))
            tfs.append(UInt32(1 + (rng.next() % 4 == 0 ? rng.next() % maxTF : 0)))
            d += 1 + rng.next() % (maxGap + 1)
        }
        return (docs, tfs)
    }

    static func words(_ doc: UInt32) -> UInt32 { 1 + (doc &* 2_654_435_761) % 5000 }

    static func encode(_ docs: [UInt32], _ tfs: [UInt32]?, format: UInt16) -> [UInt8] {
        var out: [UInt8] = []
        // Block maxima go with frequencies from format 2 on, as the index file encoder writes them.
        let words: ((UInt32) -> UInt32)? = tfs != nil && format >= 2 ? { Self.words($0) } : nil
        docs.withUnsafeBufferPointer { (d: UnsafeBufferPointer<UInt32>) -> Void in
            guard let tfs else {
                PostingsCodec.encode(docs: d, tfs: nil, words: nil, format: format, into: &out)
                return
            }
            tfs.withUnsafeBufferPointer { (t: UnsafeBufferPointer<UInt32>) -> Void in
                PostingsCodec.encode(docs: d, tfs: t, words: words, format: format, into: &out)
            }
        }
        return out
    }

    static func readAll(_ c: PostingsCursor) -> (docs: [UInt32], tfs: [UInt32]) {
        var docs: [UInt32] = [], tfs: [UInt32] = []
        while c.doc != .max { docs.append(c.doc); tfs.append(c.tf); c.next() }
        return (docs, tfs)
    }

    @Test(arguments: [UInt16(1), 2, 3])
    func listsReadBackSeekAndBoundTheirDocs(format: UInt16) {
        var rng = TestRNG(seed: testSeed ^ UInt64(format))
        for n in Self.lengths {
            for (maxGap, maxTF) in [(UInt64(0), UInt64(1)), (3, 7), (1000, 300), (1 << 24, 1 << 20)] {
                for hasTF in [true, false] {
                    let (docs, rawTFs) = Self.list(n, maxGap: maxGap, maxTF: maxTF, &rng)
                    let tfs = hasTF ? rawTFs : docs.map { _ in 1 }
                    let bytes = Self.encode(docs, hasTF ? tfs : nil, format: format)
                    bytes.withUnsafeBytes { b in
                        let c = PostingsCursor(list: b, df: docs.count, hasTF: hasTF, format: format)
                        let all = Self.readAll(c)
                        #expect(all.docs == docs, "format \(format) n \(n) gap \(maxGap)")
                        #expect(all.tfs == tfs, "format \(format) n \(n) gap \(maxGap)")

                        // Maxima: with frequencies from format 2 on, a bound on every doc.
                        c.rewind()
                        let m = c.listMaxima()
                        if hasTF && format >= 2 {
                            #expect(m.maxTF == tfs.max(), "the largest tf is the bound")
                            #expect(docs.allSatisfy { Self.words($0) >= m.minWords })
                        } else {
                            #expect(m == .unbounded)
                        }
                        for (i, d) in docs.enumerated() where i % 37 == 0 {
                            let b = c.blockMaxima(containing: d)
                            #expect(b != nil && b!.maxTF >= tfs[i] && b!.minWords <= Self.words(d))
                        }
                        #expect(c.blockMaxima(containing: (docs.last ?? 0) &+ 1) == nil || docs.last == UInt32.max)

                        // Seeks to increasing targets land on the first doc >= target.
                        c.rewind()
                        var target: UInt32 = 0
                        while true {
                            target = UInt32(min(UInt64(UInt32.max - 1), UInt64(target) + rng.next() % (maxGap * 300 + 2)))
                            c.seek(to: target)
                            let want = docs.first { $0 >= target } ?? .max
                            #expect(c.doc == want, "seek \(target), format \(format) n \(n)")
                            if want == .max || target == UInt32.max - 1 { break }
                        }

                        // markRemaining from the middle marks exactly the docs from there.
                        c.rewind()
                        let from = docs.count / 2
                        for _ in 0..<from { c.next() }
                        let limit = Int(min(UInt64(docs.last ?? 0) + 1, 1 << 20))
                        var bits = [UInt64](repeating: 0, count: limit / 64 + 1)
                        bits.withUnsafeMutableBufferPointer { c.markRemaining(into: $0.baseAddress!, limit: limit) }
                        let marked = (0..<limit).filter { bits[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }.map(UInt32.init)
                        #expect(marked == docs[from...].filter { Int($0) < limit }, "markRemaining, format \(format) n \(n)")
                        #expect(c.doc == .max)
                    }
                }
            }
        }
    }

    /// Format 3 is smaller: a rare word's list loses its skip entry, and a frequent one's
    /// blocks of small gaps and tf 1 pack into a few bits a doc.
    @Test func packedListsAreSmallerThanVarintLists() {
        let single = (docs: [UInt32(70_000)], tfs: [UInt32(1)])
        #expect(Self.encode(single.docs, single.tfs, format: 3).count == 4, "three bytes of delta, one of tf")
        #expect(Self.encode(single.docs, single.tfs, format: 2).count == 20)
        let dense = (docs: (0..<1280).map { UInt32($0 * 2) }, tfs: [UInt32](repeating: 1, count: 1280))
        // Ten packed blocks: a width byte and 16 bytes of 1-bit gaps, a width byte and no tf bytes.
        #expect(Self.encode(dense.docs, dense.tfs, format: 3).count == 10 * (16 + 1 + 16 + 1))
        #expect(Self.encode(dense.docs, dense.tfs, format: 2).count == 10 * (16 + 128 + 128))
    }

    @Test func damagedListsEndEarlyInOrder() {
        var rng = TestRNG(seed: testSeed ^ 0xDA)
        for n in [1, 100, 128, 300, 1000] {
            let (docs, tfs) = Self.list(n, maxGap: 50, maxTF: 40, &rng)
            let clean = Self.encode(docs, tfs, format: 3)
            for _ in 0..<200 {
                var bytes = clean
                bytes.damageRandomly(&rng)
                bytes.withUnsafeBytes { b in
                    let c = PostingsCursor(list: b, df: docs.count, hasTF: true, format: 3)
                    var previous: Int64 = -1, count = 0
                    while c.doc != .max && count <= docs.count {
                        #expect(Int64(c.doc) > previous)
                        previous = Int64(c.doc)
                        count += 1
                        c.next()
                    }
                    #expect(count <= docs.count)
                    c.rewind()
                    c.seek(to: UInt32(rng.next() % 100_000))
                    _ = c.listMaxima()
                }
            }
        }
    }

    @Test func bitPackingRoundTripsEveryWidth() {
        var rng = TestRNG(seed: testSeed ^ 0xB1)
        for width in 0...32 {
            let values = (0..<BitPacking.count).map { _ in width == 0 ? 0 : UInt32(truncatingIfNeeded: rng.next() >> UInt64(64 - width)) }
            var out: [UInt8] = []
            values.withUnsafeBufferPointer { v in
                #expect(BitPacking.width(of: v) <= width)
                BitPacking.pack(v, width: width, into: &out)
            }
            #expect(out.count == BitPacking.byteCount(width: width))
            var back = [UInt32](repeating: 7, count: BitPacking.count)
            out.withUnsafeBytes { b in
                back.withUnsafeMutableBufferPointer { BitPacking.unpack(b.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, width: width, into: $0.baseAddress!) }
            }
            #expect(back == values, "width \(width)")
        }
    }
}
