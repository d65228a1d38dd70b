/// Byte mutation for damage tests: the LevelDB way of proving a checksum covers every bit.
extension MutableCollection where Element == UInt8, Index == Int {
    /// Inverts bit `bit % 8` of byte `bit / 8`, counted from `startIndex` (bit 0 is the
    /// least significant). Traps if the byte is out of range.
    package mutating func flipBit(_ bit: Int) {
        self[startIndex + bit / 8] ^= UInt8(1 << (bit % 8))
    }
}

extension Array where Element == UInt8 {
    /// One random damage, for tests that decoders never crash on bad bytes: a third of the
    /// time the bytes are cut short (possibly to nothing), else one to four bytes are
    /// changed to other values.
    package mutating func damageRandomly(_ rng: inout TestRNG) {
        guard !isEmpty else { return }
        if rng.next() % 3 == 0 {
            removeLast(Int(rng.next() % UInt64(count)))
        } else {
            for _ in 0..<(1 + rng.next() % 4) { self[Int(rng.next() % UInt64(count))] ^= UInt8(1 + rng.next() % 255) }
        }
    }
}
