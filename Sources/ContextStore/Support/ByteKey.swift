/// A map key that compares strings by their UTF-8 bytes (Swift's `String ==` would merge
/// NFC and NFD spellings, which are distinct ids here).
struct ByteKey: Hashable, Sendable {
    let bytes: [UInt8]
    init(_ s: String) { bytes = Array(s.utf8) }
}
