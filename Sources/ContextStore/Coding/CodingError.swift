/// Why a byte sequence could not be decoded. Offsets are relative to the buffer given to
/// the decoder; the layer above adds the file and the absolute offset (`StoreError.corruption`).
enum CodingError: Error, Equatable, Sendable {
    /// Fewer bytes remain than the structure needs.
    case truncated(offset: Int, needed: Int)
    /// A varint longer than 10 bytes, or one that overflows 64 bits.
    case badVarint(offset: Int)
    /// A length field larger than the bytes that follow, or than a configured bound.
    case lengthOutOfBounds(offset: Int, length: UInt64, limit: Int)
    /// A value that the format does not allow (an unknown enum code, invalid UTF-8 ...).
    case invalidValue(offset: Int, what: String)
}
