/// Postings lists (SPEC.md, "Postings"): increasing local doc numbers with optional term
/// frequencies, in blocks of 128 with a skip table, so that an AND can jump over whole
/// blocks.
///
/// ```
/// list   := skip[n_blocks] | block*
/// skip   := last_doc u32 | block_end u32        // block_end: byte offset after the block, from the list start
/// block  := delta varint * k | (tf varint * k if the list has frequencies)
/// ```
/// `n_blocks = ceil(df / 128)`, `k = 128` except in the last block; the first delta of a
/// block is from the previous block's last doc (from -1, i.e. doc + 1, for the first).
enum PostingsCodec {
    static let blockSize = 128

    static func encode(docs: UnsafeBufferPointer<UInt32>, tfs: UnsafeBufferPointer<UInt32>?, into out: inout [UInt8]) {
        let n = docs.count
        let blocks = (n + blockSize - 1) / blockSize
        let skipAt = out.count
        out.append(contentsOf: repeatElement(0, count: blocks * 8))
        let listStart = skipAt
        var prev: Int64 = -1
        var w = ByteWriter(capacity: 1024)
        for b in 0..<blocks {
            let lo = b * blockSize, hi = min(n, lo + blockSize)
            w.removeAll()
            for i in lo..<hi {
                let d = Int64(docs[i])
                precondition(d > prev, "postings must increase")
                w.varint(UInt64(d - prev - 1))
                prev = d
            }
            if let tfs { for i in lo..<hi { w.varint(UInt64(tfs[i])) } }
            out.append(contentsOf: w.bytes)
            let end = UInt32(out.count - listStart)
            let last = docs[hi - 1]
            let s = skipAt + b * 8
            for k in 0..<4 {
                out[s + k] = UInt8(truncatingIfNeeded: last >> UInt32(8 * k))
                out[s + 4 + k] = UInt8(truncatingIfNeeded: end >> UInt32(8 * k))
            }
        }
    }
}

/// Iterates a postings list in place (no copy of the list), a block at a time.
/// `seek(to:)` uses the skip table to jump whole blocks. Malformed bytes end the list
/// early instead of reading out of bounds.
struct PostingsCursor {
    private let base: UnsafeRawPointer
    private let length: Int
    private let df: Int
    private let hasTF: Bool
    private let blocks: Int
    private var block = -1
    private var docsBuf: [UInt32] = []
    private var tfsBuf: [UInt32] = []
    private var pos = 0
    /// The current doc, or `UInt32.max` when exhausted.
    private(set) var doc: UInt32 = 0

    init(list: UnsafeRawBufferPointer, df: Int, hasTF: Bool) {
        base = list.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        length = list.count
        self.df = df
        self.hasTF = hasTF
        blocks = (df + PostingsCodec.blockSize - 1) / PostingsCodec.blockSize
        if blocks * 8 > length { doc = .max; return }
        docsBuf.reserveCapacity(PostingsCodec.blockSize)
        tfsBuf.reserveCapacity(PostingsCodec.blockSize)
        loadBlock(0)
    }

    var count: Int { df }
    var tf: UInt32 { hasTF && pos < tfsBuf.count ? tfsBuf[pos] : 1 }

    private func skipLast(_ b: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: b * 8, as: UInt32.self)) }
    private func skipEnd(_ b: Int) -> Int { Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: b * 8 + 4, as: UInt32.self))) }

    private mutating func loadBlock(_ b: Int) {
        guard b < blocks else { doc = .max; return }
        block = b
        let start = b == 0 ? blocks * 8 : skipEnd(b - 1)
        let end = skipEnd(b)
        let k = b == blocks - 1 ? df - b * PostingsCodec.blockSize : PostingsCodec.blockSize
        guard start <= end, end <= length, k > 0 else { doc = .max; return }
        var prev: Int64 = b == 0 ? -1 : Int64(skipLast(b - 1))
        docsBuf.removeAll(keepingCapacity: true)
        tfsBuf.removeAll(keepingCapacity: true)
        var at = start
        func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while at < end {
                let byte = base.load(fromByteOffset: at, as: UInt8.self)
                at += 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { return nil }
            }
            return nil
        }
        for _ in 0..<k {
            guard let d = varint() else { doc = .max; return }
            prev = prev + Int64(d) + 1
            guard prev <= Int64(UInt32.max - 1) else { doc = .max; return }
            docsBuf.append(UInt32(prev))
        }
        if hasTF {
            for _ in 0..<k {
                guard let t = varint() else { doc = .max; return }
                tfsBuf.append(UInt32(truncatingIfNeeded: t))
            }
        }
        pos = 0
        doc = docsBuf[0]
    }

    mutating func next() {
        guard doc != .max else { return }
        pos += 1
        if pos < docsBuf.count { doc = docsBuf[pos] } else { loadBlock(block + 1) }
    }

    /// Moves to the first doc >= target.
    mutating func seek(to target: UInt32) {
        guard doc != .max, doc < target else { return }
        if skipLast(block) < target {
            var b = block + 1
            while b < blocks && skipLast(b) < target { b += 1 }
            loadBlock(b)
            if doc == .max { return }
        }
        while doc < target {
            pos += 1
            if pos >= docsBuf.count { loadBlock(block + 1); if doc == .max { return } ; continue }
            doc = docsBuf[pos]
        }
    }
}
