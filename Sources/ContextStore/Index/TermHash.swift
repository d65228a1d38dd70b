/// A fast 64-bit hash of byte strings (not for security): 8 bytes at a time with a
/// multiply-xorshift mix. Also the segment-id hash of index files (SPEC.md): never change it.
enum TermHash {
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        let n = key.count
        while n - i >= 8 {
            let v = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            h = (h ^ v) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return h
    }

    static func hash(_ s: String) -> UInt64 {
        var s = s
        return s.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }
}
