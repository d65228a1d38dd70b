/// Byte mutation for damage tests: the LevelDB way of proving a checksum covers every bit.
extension MutableCollection where Element == UInt8, Index == Int {
    /// Inverts bit `bit % 8` of byte `bit / 8`, counted from `startIndex` (bit 0 is the
    /// least significant). Traps if the byte is out of range.
    package mutating func flipBit(_ bit: Int) {
        self[startIndex + bit / 8] ^= UInt8(1 << (bit % 8))
    }
}
