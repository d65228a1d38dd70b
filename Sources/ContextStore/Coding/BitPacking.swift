/// Frame-of-reference bit packing of exactly 128 unsigned values (SPEC.md section 9,
/// "packed block"), as Lucene and Tantivy pack their postings blocks: every value takes
/// `width` bits (0...32), value `i` at bit `i * width`, least significant bit first, in
/// little-endian 64-bit words. A packed run is therefore exactly `16 * width` bytes (128
/// values times `width` bits is a whole number of 64-bit words), and a run of zeros (a
/// block whose term frequencies are all 1, stored as tf - 1) takes no bytes at all.
enum BitPacking {
    /// Values per packed run.
    static let count = 128

    /// Bytes of a run of `width`-bit values.
    @inline(__always) static func byteCount(width: Int) -> Int { 16 * width }

    /// The smallest width that holds every value.
    static func width(of values: UnsafeBufferPointer<UInt32>) -> Int {
        var or: UInt32 = 0
        for v in values { or |= v }
        return 32 - or.leadingZeroBitCount
    }

    /// Appends the 128 `values` packed at `width` bits (each value must fit).
    static func pack(_ values: UnsafeBufferPointer<UInt32>, width: Int, into out: inout [UInt8]) {
        precondition(values.count == count && width >= 0 && width <= 32)
        guard width > 0 else { return }
        var words = [UInt64](repeating: 0, count: 2 * width)
        let mask: UInt64 = (1 << UInt64(width)) - 1
        for i in 0..<count {
            let v = UInt64(values[i])
            precondition(v & mask == v, "value wider than the run's width")
            let bit = i * width, word = bit >> 6, shift = UInt64(bit & 63)
            words[word] |= v << shift
            if shift + UInt64(width) > 64 { words[word + 1] |= v >> (64 - shift) }
        }
        for w in words {
            for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: w >> UInt64(8 * k))) }
        }
    }

    /// Unpacks 128 values of `width` bits (0...32) from `source` into `values`. The caller
    /// has checked that `source` holds `byteCount(width:)` readable bytes: every load below
    /// stays inside them (the second word of a straddling value exists because the run
    /// ends on a word boundary; width 0 reads nothing).
    @inline(__always)
    static func unpack(_ source: UnsafeRawPointer, width: Int, into values: UnsafeMutablePointer<UInt32>) {
        guard width > 0 else { values.update(repeating: 0, count: count); return }
        let mask: UInt64 = (1 << UInt64(width)) - 1
        @inline(__always) func word(_ i: Int) -> UInt64 {
            UInt64(littleEndian: source.loadUnaligned(fromByteOffset: i << 3, as: UInt64.self))
        }
        var bit = 0
        for i in 0..<count {
            let w = bit >> 6, shift = UInt64(bit & 63)
            var v = word(w) >> shift
            if shift + UInt64(width) > 64 { v |= word(w + 1) << (64 - shift) }
            values[i] = UInt32(truncatingIfNeeded: v & mask)
            bit &+= width
        }
    }
}
