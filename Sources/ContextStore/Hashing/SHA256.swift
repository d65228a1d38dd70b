import CContextStoreSupport

/// SHA-256 (FIPS 180-4).
///
/// Used for the vocabulary checksum and for the engine's `text_hash` (lowercase hex
/// SHA-256 of a text's UTF-8 bytes). Padding and finalization live here, in Swift; only the
/// block compression has two engines: the x86 SHA extensions (C target, chosen at run time;
/// about 2 GB/s, six times the Swift one in a release build on this machine) and the
/// portable Swift one below, which is also the oracle the tests compare the hardware engine
/// with. All arithmetic is wrapping (`&+`) as the standard requires; input is read straight
/// from the caller's buffer with unaligned big-endian loads, and the Swift engine's 64-word
/// message schedule lives in one stack buffer per digest, so hashing allocates nothing per
/// block.
internal enum SHA256 {
    static let digestByteCount = 32

    /// The block compression function a digest runs on. Both give identical digests.
    enum Engine {
        /// SHA-NI; only when `hardwareAvailable`.
        case hardware
        /// Swift, on every CPU.
        case portable
    }

    static let hardwareAvailable: Bool = cs_sha256_hardware_available() != 0

    /// The engine of `digest(_:)` and `hexDigest(_:)`.
    static let preferredEngine: Engine = hardwareAvailable ? .hardware : .portable

    /// The 32-byte digest of `bytes`.
    static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        digest(bytes, engine: preferredEngine)
    }

    /// The 32-byte digest of `bytes`, computed with `engine` (tests compare the two).
    static func digest(_ bytes: UnsafeRawBufferPointer, engine: Engine) -> [UInt8] {
        let h = state(after: bytes, engine: engine)
        var out = [UInt8](repeating: 0, count: digestByteCount)
        for i in 0..<8 {
            let w = h[i]
            out[4 * i] = UInt8(truncatingIfNeeded: w >> 24)
            out[4 * i + 1] = UInt8(truncatingIfNeeded: w >> 16)
            out[4 * i + 2] = UInt8(truncatingIfNeeded: w >> 8)
            out[4 * i + 3] = UInt8(truncatingIfNeeded: w)
        }
        return out
    }

    /// Lowercase hexadecimal digest of `bytes` (64 characters).
    static func hexDigest(_ bytes: UnsafeRawBufferPointer) -> String {
        let h = state(after: bytes, engine: preferredEngine)
        // Computed, not looked up: readers derive a segment's hash on every decode (SPEC.md
        // section 4.4), so this allocates nothing but the string.
        return String(unsafeUninitializedCapacity: 64) { buf in
            for i in 0..<8 {
                let w = h[i]
                for j in 0..<8 {
                    let nibble = UInt8(truncatingIfNeeded: (w >> UInt32(28 - 4 * j)) & 0xF)
                    buf[8 * i + j] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble  // "0"-"9", "a"-"f"
                }
            }
            return 64
        }
    }

    /// Lowercase hexadecimal SHA-256 of the UTF-8 encoding of `text`.
    static func hexDigest(of text: String) -> String {
        var text = text  // mutable copy: withUTF8 may need to make the storage contiguous
        return text.withUTF8 { hexDigest(UnsafeRawBufferPointer($0)) }
    }

    // MARK: - Core

    private static let initialState: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The eight state words after compressing `bytes` and its padding with `engine`.
    private static func state(after bytes: UnsafeRawBufferPointer, engine: Engine) -> [UInt32] {
        var h = initialState
        h.withUnsafeMutableBufferPointer { h in
            let state = h.baseAddress!
            switch engine {
            case .hardware:
                // An unchecked call would die of SIGILL on a CPU without SHA-NI.
                precondition(hardwareAvailable, "SHA-256 hardware engine requested without SHA-NI")
                forEachBlockRun(of: bytes) { blocks, count in
                    cs_sha256_compress_blocks(state, blocks, count)
                }
            case .portable:
                roundConstants.withUnsafeBufferPointer { k in
                    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                        forEachBlockRun(of: bytes) { blocks, count in
                            compress(blocks: blocks, count: count, state: state,
                                     schedule: w.baseAddress!, constants: k.baseAddress!)
                        }
                    }
                }
            }
        }
        return h
    }

    /// Hands `bytes` plus the standard padding (0x80, zeros, 64-bit big-endian bit length)
    /// to `compress` as runs of whole 64-byte blocks, in order: the full blocks straight
    /// from the caller's buffer, then the last < 64 bytes and the padding (one or two
    /// blocks) from a stack copy.
    private static func forEachBlockRun(
        of bytes: UnsafeRawBufferPointer, _ compress: (_ blocks: UnsafeRawPointer, _ count: Int) -> Void
    ) {
        let length = bytes.count
        let fullBlocks = length / 64
        if fullBlocks > 0, let base = bytes.baseAddress {
            compress(base, fullBlocks)
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
            let t = tail.baseAddress!
            t.initialize(repeating: 0, count: 128)
            let rest = length - fullBlocks * 64
            if rest > 0 {
                UnsafeMutableRawPointer(t).copyMemory(
                    from: bytes.baseAddress! + fullBlocks * 64, byteCount: rest)
            }
            t[rest] = 0x80
            let tailBlocks = rest < 56 ? 1 : 2
            let bitLength = UInt64(length) &* 8
            let end = tailBlocks * 64
            for i in 0..<8 {
                t[end - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> UInt64(8 * i))
            }
            compress(UnsafeRawPointer(t), tailBlocks)
        }
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x >> n) | (x << (32 - n))
    }

    /// The portable engine: compresses `count` consecutive 64-byte blocks starting at
    /// `blocks` into `state`.
    private static func compress(
        blocks: UnsafeRawPointer, count: Int, state: UnsafeMutablePointer<UInt32>,
        schedule w: UnsafeMutablePointer<UInt32>, constants k: UnsafePointer<UInt32>
    ) {
        var h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3]
        var h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7]
        var block = blocks
        for _ in 0..<count {
            for i in 0..<16 {
                w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            }
            for i in 16..<64 {
                let x = w[i - 15], y = w[i - 2]
                let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                h = g; g = f; f = e; e = d &+ t1
                d = c; c = b; b = a; a = t1 &+ t2
            }
            h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d
            h4 = h4 &+ e; h5 = h5 &+ f; h6 = h6 &+ g; h7 = h7 &+ h
            block += 64
        }
        state[0] = h0; state[1] = h1; state[2] = h2; state[3] = h3
        state[4] = h4; state[5] = h5; state[6] = h6; state[7] = h7
    }
}
