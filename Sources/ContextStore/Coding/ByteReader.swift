/// Reads the encodings written by `ByteWriter` from a borrowed buffer, checking every bound.
/// Invariant: `offset <= buffer.count`. No read traps on hostile input: a short buffer, an
/// overlong varint or a length larger than what remains throws `CodingError`, so a hostile
/// length can never cause a large allocation.
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        precondition(offset >= 0 && offset <= buffer.count)
        self.buffer = buffer
        self.offset = offset
    }

    var remaining: Int { buffer.count - offset }
    var isAtEnd: Bool { offset == buffer.count }

    private func need(_ n: Int) throws(CodingError) {
        if n > remaining { throw .truncated(offset: offset, needed: n) }
    }

    mutating func u8() throws(CodingError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func u16() throws(CodingError) -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    mutating func u32() throws(CodingError) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func u64() throws(CodingError) -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func varint() throws(CodingError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < buffer.count else { throw .truncated(offset: start, needed: offset - start + 1) }
            let byte = buffer[offset]
            offset += 1
            if shift == 63 && byte > 1 { throw .badVarint(offset: start) }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .badVarint(offset: start) }
        }
    }

    /// A varint that must fit a non-negative `Int` no larger than `limit`.
    mutating func count(limit: Int = Int.max) throws(CodingError) -> Int {
        let start = offset
        let v = try varint()
        guard v <= UInt64(limit) else { throw .lengthOutOfBounds(offset: start, length: v, limit: limit) }
        return Int(v)
    }

    mutating func zigzag() throws(CodingError) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// `n` raw bytes, borrowed from the buffer (valid as long as the buffer is).
    mutating func raw(_ n: Int) throws(CodingError) -> UnsafeRawBufferPointer {
        try need(n)
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + n)])
    }

    /// A length-prefixed byte string, borrowed. The length is checked against what remains
    /// before anything is touched.
    mutating func lengthPrefixed() throws(CodingError) -> UnsafeRawBufferPointer {
        let start = offset
        let n = try varint()
        guard n <= UInt64(remaining) else {
            throw .lengthOutOfBounds(offset: start, length: n, limit: remaining)
        }
        return try raw(Int(n))
    }

    /// A length-prefixed string that must be valid UTF-8 (never repaired with U+FFFD).
    mutating func string() throws(CodingError) -> String {
        let start = offset
        let bytes = try lengthPrefixed()
        guard let s = String(validating: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw .invalidValue(offset: start, what: "string is not valid UTF-8")
        }
        return s
    }

    mutating func skip(_ n: Int) throws(CodingError) {
        try need(n)
        offset += n
    }
}
