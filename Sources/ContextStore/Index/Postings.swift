/// Postings lists (SPEC.md, "Postings"): increasing local doc numbers with optional term
/// frequencies, in blocks of 128 with a skip table, so that an AND can jump over whole
/// blocks.
///
/// ```
/// list   := skip[n_blocks] | block*                 // format 3: a list of one block has no skip table
/// skip   := last_doc u32 | block_end u32        // block_end: byte offset after the block, from the list start
///           (| max_tf u32 | min_words u32)      // block maxima: lists with frequencies, format 2 on
/// block  := delta varint * k | (tf varint * k if the list has frequencies)
///         | width u8 | packed deltas | (width u8 | packed (tf - 1))   // format 3, a full block of 128
/// ```
/// `n_blocks = ceil(df / 128)`, `k = 128` except in the last block; the first delta of a
/// block is from the previous block's last doc (from -1, i.e. doc + 1, for the first).
/// Block maxima bound any doc's BM25 term score in the block from above (the score grows
/// with tf and falls with the doc's length), so top-k search can skip blocks that cannot
/// make the cut. Format 3 packs full blocks at the width of their largest value
/// (`BitPacking`) and drops the skip table of a one-block list (most lists: a rare word's
/// 16 bytes of skip entry outweighed its postings); such a list's cursor takes its maxima
/// from the decoded block (the largest tf, and no length bound).
enum PostingsCodec {
    static let blockSize = 128

    /// `words` (the doc lengths) given: write block maxima (16-byte skip entries).
    /// `format` is the index file's format version (1 and 2: varint blocks; 3: packed).
    static func encode(docs: UnsafeBufferPointer<UInt32>, tfs: UnsafeBufferPointer<UInt32>?,
                       words: ((UInt32) -> UInt32)? = nil, format: UInt16 = IndexFormat.version,
                       into out: inout [UInt8]) {
        let n = docs.count
        let blocks = (n + blockSize - 1) / blockSize
        let packed = format >= 3
        let skipless = packed && blocks <= 1
        let stride = skipless ? 0 : words == nil ? 8 : 16
        let skipAt = out.count
        out.append(contentsOf: repeatElement(0, count: blocks * stride))
        let listStart = skipAt
        var prev: Int64 = -1
        var w = ByteWriter(capacity: 1024)
        var scratch = [UInt32](repeating: 0, count: blockSize)
        for b in 0..<blocks {
            let lo = b * blockSize, hi = min(n, lo + blockSize)
            w.removeAll()
            if packed && hi - lo == blockSize {
                for i in lo..<hi {
                    let d = Int64(docs[i])
                    precondition(d > prev, "postings must increase")
                    scratch[i - lo] = UInt32(d - prev - 1)
                    prev = d
                }
                packRun(scratch, into: &out)
                if let tfs {
                    for i in lo..<hi { precondition(tfs[i] >= 1, "term frequencies start at 1"); scratch[i - lo] = tfs[i] - 1 }
                    packRun(scratch, into: &out)
                }
            } else {
                for i in lo..<hi {
                    let d = Int64(docs[i])
                    precondition(d > prev, "postings must increase")
                    w.varint(UInt64(d - prev - 1))
                    prev = d
                }
                if let tfs { for i in lo..<hi { w.varint(UInt64(tfs[i])) } }
                out.append(contentsOf: w.bytes)
            }
            guard !skipless else { continue }
            let end = UInt32(out.count - listStart)
            let last = docs[hi - 1]
            let s = skipAt + b * stride
            func put(_ v: UInt32, at o: Int) {
                for k in 0..<4 { out[s + o + k] = UInt8(truncatingIfNeeded: v >> UInt32(8 * k)) }
            }
            put(last, at: 0)
            put(end, at: 4)
            if let words {
                var maxTF: UInt32 = 0, minWords = UInt32.max
                for i in lo..<hi {
                    maxTF = max(maxTF, tfs.map { $0[i] } ?? 1)
                    minWords = min(minWords, words(docs[i]))
                }
                put(maxTF, at: 8)
                put(minWords, at: 12)
            }
        }
    }

    /// `width u8 | 128 values packed at width bits`.
    private static func packRun(_ values: [UInt32], into out: inout [UInt8]) {
        values.withUnsafeBufferPointer { v in
            let width = BitPacking.width(of: v)
            out.append(UInt8(width))
            BitPacking.pack(v, width: width, into: &out)
        }
    }
}

/// Iterates a postings list in place (no copy of the list), a block at a time.
/// `seek(to:)` uses the skip table to jump whole blocks; `blockMaxima(containing:)` reads
/// the skip table without decoding. Malformed bytes end the list early instead of reading
/// out of bounds.
///
/// A class with buffers of its own (one block of docs and tfs), so that the hot loops
/// move it without reference counting or copy-on-write checks. Not thread-safe: one
/// query uses it, within the read that made it.
final class PostingsCursor {
    private let base: UnsafeRawPointer
    private let length: Int
    private let df: Int
    private let hasTF: Bool
    private let stride: Int
    private let blocks: Int
    /// Format 3: full blocks are bit-packed.
    private let packed: Bool
    /// Format 3, one block: no skip table; its last doc and largest tf are read off the
    /// decoded block at `rewind`.
    private let skipless: Bool
    private var onlyBlockLast: UInt32 = 0
    private var onlyBlockMaxTF: UInt32 = 0
    private var block = -1
    /// The block `blockMaxima(containing:)` last found (it only moves forward).
    private var shallow = 0
    private let docsBuf = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsCodec.blockSize)
    private let tfsBuf = UnsafeMutablePointer<UInt32>.allocate(capacity: PostingsCodec.blockSize)
    /// Entries decoded in the current block.
    private var used = 0
    private var pos = 0
    /// The current doc, or `UInt32.max` when exhausted.
    private(set) var doc: UInt32 = 0

    /// `format`: the index file's format version. From format 2 on, the skip entries of
    /// lists with frequencies carry block maxima.
    init(list: UnsafeRawBufferPointer, df: Int, hasTF: Bool, format: UInt16) {
        base = list.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        length = list.count
        self.df = df
        self.hasTF = hasTF
        blocks = (df + PostingsCodec.blockSize - 1) / PostingsCodec.blockSize
        packed = format >= 3
        skipless = packed && blocks <= 1
        stride = skipless ? 0 : hasTF && format >= 2 ? 16 : 8
        rewind()
    }

    deinit {
        docsBuf.deallocate()
        tfsBuf.deallocate()
    }

    /// Back to the first doc.
    func rewind() {
        shallow = 0
        if blocks * stride > length || blocks == 0 { doc = .max; return }
        loadBlock(0)
        if skipless {
            // A malformed block leaves the list empty (doc = .max): no doc, no bound needed.
            onlyBlockLast = used > 0 ? docsBuf[used - 1] : 0
            onlyBlockMaxTF = 1
            if hasTF { for i in 0..<used { onlyBlockMaxTF = max(onlyBlockMaxTF, tfsBuf[i]) } }
        }
    }

    var count: Int { df }
    var tf: UInt32 { hasTF && pos < used ? tfsBuf[pos] : 1 }

    @inline(__always) private func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    @inline(__always) private func skipLast(_ b: Int) -> UInt32 { skipless ? onlyBlockLast : u32(b * stride) }
    @inline(__always) private func skipEnd(_ b: Int) -> Int { skipless ? length : Int(u32(b * stride + 4)) }

    /// The maxima of the block that holds `target` if the list has it (the first block whose
    /// last doc is >= target), nil past the list's end; without stored maxima, an unbounded
    /// tf. Targets must not decrease between calls.
    func blockMaxima(containing target: UInt32) -> BlockMaxima? {
        guard blocks * stride <= length else { return nil }
        while shallow < blocks && skipLast(shallow) < target { shallow += 1 }
        guard shallow < blocks else { return nil }
        return maxima(shallow)
    }

    /// The maxima over the whole list (reads every skip entry).
    func listMaxima() -> BlockMaxima {
        if skipless { return maxima(0) }
        guard stride == 16, blocks * stride <= length else { return .unbounded }
        var m = BlockMaxima(maxTF: 0, minWords: .max)
        for b in 0..<blocks {
            let x = maxima(b)
            m.maxTF = max(m.maxTF, x.maxTF)
            m.minWords = min(m.minWords, x.minWords)
        }
        return m
    }

    private func maxima(_ b: Int) -> BlockMaxima {
        if skipless { return hasTF ? BlockMaxima(maxTF: onlyBlockMaxTF, minWords: 0) : .unbounded }
        return stride == 16 ? BlockMaxima(maxTF: u32(b * 16 + 8), minWords: u32(b * 16 + 12)) : .unbounded
    }

    /// Decodes the docs of block `b` (and their tfs when `withTF`); false when the bytes
    /// are malformed (then `body` may have seen some docs of the block, all in order).
    /// Calls `body` with each doc. A packed block is unpacked into
    /// `docsBuf` first (as deltas, which `body` may overwrite in place with docs).
    @inline(__always)
    private func decode(_ b: Int, withTF: Bool, _ body: (Int, UInt32) -> Void) -> Bool {
        let start = b == 0 ? blocks * stride : skipEnd(b - 1)
        let end = skipEnd(b)
        let k = b == blocks - 1 ? df - b * PostingsCodec.blockSize : PostingsCodec.blockSize
        guard start <= end, end <= length, k > 0, k <= PostingsCodec.blockSize else { return false }
        var prev: Int64 = b == 0 ? -1 : Int64(skipLast(b - 1))
        var at = start
        let base = self.base
        if packed && k == PostingsCodec.blockSize {
            // width u8 | 16 * width bytes, for the deltas and then (with tfs) for tf - 1.
            @inline(__always) func run(into values: UnsafeMutablePointer<UInt32>) -> Bool {
                guard at < end else { return false }
                let width = Int(base.load(fromByteOffset: at, as: UInt8.self))
                guard width <= 32, at + 1 + BitPacking.byteCount(width: width) <= end else { return false }
                BitPacking.unpack(base + at + 1, width: width, into: values)
                at += 1 + BitPacking.byteCount(width: width)
                return true
            }
            guard run(into: docsBuf) else { return false }
            for i in 0..<k {
                prev = prev &+ Int64(docsBuf[i]) &+ 1
                guard prev <= Int64(UInt32.max - 1) else { return false }
                body(i, UInt32(truncatingIfNeeded: prev))
            }
            guard skipless || prev == Int64(skipLast(b)) else { return false }
            if withTF {
                guard run(into: tfsBuf) else { return false }
                for i in 0..<k { tfsBuf[i] &+= 1 }
            }
            return true
        }
        @inline(__always) func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while at < end {
                let byte = base.load(fromByteOffset: at, as: UInt8.self)
                at &+= 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift &+= 7
                if shift > 63 { return nil }
            }
            return nil
        }
        for i in 0..<k {
            guard let d = varint() else { return false }
            prev = prev &+ Int64(d) &+ 1
            guard prev <= Int64(UInt32.max - 1) else { return false }
            body(i, UInt32(truncatingIfNeeded: prev))
        }
        // A block must end on its skip entry's last doc: the next block counts from it, so
        // this keeps damaged bytes from yielding docs out of order.
        guard skipless || prev == Int64(skipLast(b)) else { return false }
        if withTF {
            for i in 0..<k {
                guard let t = varint() else { return false }
                tfsBuf[i] = UInt32(truncatingIfNeeded: t)
            }
        }
        return true
    }

    private func loadBlock(_ b: Int) {
        guard b < blocks else { doc = .max; return }
        block = b
        let docs = docsBuf
        var n = 0
        guard decode(b, withTF: hasTF, { i, d in docs[i] = d; n = i + 1 }) else { doc = .max; return }
        used = n
        pos = 0
        doc = docsBuf[0]
    }

    /// Sets the bit of every doc below `limit` from the current one to the end of the list
    /// (leaving the cursor exhausted): the fast path of counting a union.
    func markRemaining(into bits: UnsafeMutablePointer<UInt64>, limit: Int) {
        guard doc != .max else { return }
        while pos < used {
            let d = Int(docsBuf[pos])
            if d < limit { bits[d >> 6] |= 1 << UInt64(d & 63) }
            pos += 1
        }
        var b = block + 1
        while b < blocks {
            guard decode(b, withTF: false, { _, d in
                let d = Int(d)
                if d < limit { bits[d >> 6] |= 1 << UInt64(d & 63) }
            }) else { break }
            b += 1
        }
        block = blocks
        doc = .max
    }

    func next() {
        guard doc != .max else { return }
        pos += 1
        if pos < used { doc = docsBuf[pos] } else { loadBlock(block + 1) }
    }

    /// Moves to the first doc >= target.
    func seek(to target: UInt32) {
        guard doc != .max, doc < target else { return }
        if skipLast(block) < target {
            var b = block + 1
            while b < blocks && skipLast(b) < target { b += 1 }
            loadBlock(b)
            if doc == .max { return }
        }
        while doc < target {
            pos += 1
            if pos >= used { loadBlock(block + 1); if doc == .max { return }; continue }
            doc = docsBuf[pos]
        }
    }
}

/// The largest term frequency and the shortest doc length (words) of a block of postings:
/// with them, no doc of the block can score more than the term score at (maxTF, minWords).
struct BlockMaxima: Sendable, Equatable {
    var maxTF: UInt32
    var minWords: UInt32

    /// No stored maxima: a bound that holds for any doc (BM25's tf part tends to k1 + 1).
    static let unbounded = BlockMaxima(maxTF: .max, minWords: 0)
}
