/// Immutable map from token bytes to BPE rank: an open-addressing hash table with
/// linear probing, built once by `VocabularyLoader` and then only read.
///
/// Layout:
/// - `slots`: `capacity` (a power of two, load factor <= 0.5) pairs of words.
///   `word` = the key's first min(8, length) bytes, little-endian, zero-padded.
///   `meta` = rank (bits 0..23) | length (bits 24..31) | blob offset (bits 32..63);
///   `meta == 0` marks an empty slot (no token has length 0).
/// - `blob`: every token's bytes, concatenated, followed by 8 zero bytes so 8-byte
///   loads near the end stay in bounds. Only bytes past the first 8 are ever compared.
/// - `pairRanks`: direct 65,536-entry table for two-byte keys (the first merge step of
///   every piece looks up only two-byte pairs), `byteRanks`: rank of each single byte.
///
/// Invariant: all memory is written in `init` and never again, and freed only in
/// `deinit`; readers on any number of threads share it (`@unchecked Sendable`).
final class RankTable: @unchecked Sendable {
    static let notFound = UInt32.max

    private struct Slot {
        var word: UInt64
        var meta: UInt64
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let mask: Int
    let blob: UnsafeMutablePointer<UInt8>
    let blobCount: Int
    let pairRanks: UnsafeMutablePointer<UInt32>
    let byteRanks: UnsafeMutablePointer<UInt32>
    /// Longest token in bytes; longer pieces skip the whole-piece lookup.
    let maxTokenLength: Int
    let tokenCount: Int

    /// One token to insert: its bytes are `blob[offset ..< offset + length]`.
    struct Entry {
        var offset: Int
        var length: Int
        var rank: UInt32
    }

    /// Builds the table. `blobBytes` must hold every entry's bytes; returns nil if an
    /// entry is unusable (length 0 or > 255, rank >= 2^24, duplicate bytes) or a single
    /// byte has no token. `badEntry` receives the index of the offending entry (or
    /// `entries.count` when a single-byte token is missing).
    init?(blobBytes: UnsafeRawBufferPointer, entries: [Entry], badEntry: inout Int) {
        blobCount = blobBytes.count
        blob = .allocate(capacity: blobCount + 8)
        if blobCount > 0 { blob.initialize(from: blobBytes.bindMemory(to: UInt8.self).baseAddress!, count: blobCount) }
        (blob + blobCount).initialize(repeating: 0, count: 8)
        var capacity = 1024
        while capacity < entries.count * 2 { capacity <<= 1 }
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(word: 0, meta: 0), count: capacity)
        pairRanks = .allocate(capacity: 65_536)
        pairRanks.initialize(repeating: Self.notFound, count: 65_536)
        byteRanks = .allocate(capacity: 256)
        byteRanks.initialize(repeating: Self.notFound, count: 256)
        tokenCount = entries.count

        var longest = 0
        var failure = -1
        let blobEnd = UnsafePointer(blob + blobCount + 8)
        for (index, entry) in entries.enumerated() {
            guard entry.length > 0, entry.length <= 255, entry.rank < (1 << 24) else { failure = index; break }
            let key = UnsafePointer(blob + entry.offset)
            let word = Self.loadWord(key, entry.length, blobEnd)
            var i = Int(truncatingIfNeeded: Self.hash(word, key, entry.length, blobEnd)) & mask
            var duplicate = false
            while slots[i].meta != 0 {
                if Self.matches(slots[i], word, key, entry.length, blob) { duplicate = true; break }
                i = (i + 1) & mask
            }
            if duplicate { failure = index; break }
            slots[i] = Slot(word: word,
                            meta: UInt64(entry.rank) | UInt64(entry.length) << 24 | UInt64(entry.offset) << 32)
            if entry.length == 1 { byteRanks[Int(key[0])] = entry.rank }
            if entry.length == 2 { pairRanks[Int(key[0]) << 8 | Int(key[1])] = entry.rank }
            longest = max(longest, entry.length)
        }
        maxTokenLength = longest
        if failure < 0 && (0..<256).contains(where: { byteRanks[$0] == Self.notFound }) { failure = entries.count }
        if failure >= 0 {
            badEntry = failure
            return nil
        }
    }

    deinit {
        slots.deallocate()
        blob.deallocate()
        pairRanks.deallocate()
        byteRanks.deallocate()
    }

    /// Rank of the `length` bytes at `key`, or `notFound`. Bytes up to `readableEnd` may
    /// be read (only to load whole words; they do not affect the result).
    @inline(__always)
    func rank(of key: UnsafePointer<UInt8>, length: Int, readableEnd: UnsafePointer<UInt8>) -> UInt32 {
        let word = Self.loadWord(key, length, readableEnd)
        var i = Int(truncatingIfNeeded: Self.hash(word, key, length, readableEnd)) & mask
        while true {
            let slot = slots[i]
            if slot.meta == 0 { return Self.notFound }
            if Self.matches(slot, word, key, length, blob) {
                return UInt32(truncatingIfNeeded: slot.meta & 0xFF_FFFF)
            }
            i = (i + 1) & mask
        }
    }

    @inline(__always)
    private static func matches(_ slot: Slot, _ word: UInt64, _ key: UnsafePointer<UInt8>, _ length: Int,
                                _ blob: UnsafeMutablePointer<UInt8>) -> Bool {
        guard slot.word == word, Int((slot.meta >> 24) & 0xFF) == length else { return false }
        if length <= 8 { return true }
        let stored = blob + Int(slot.meta >> 32)
        var k = 8
        while k + 8 <= length {
            if UnsafeRawPointer(stored + k).loadUnaligned(as: UInt64.self)
                != UnsafeRawPointer(key + k).loadUnaligned(as: UInt64.self) { return false }
            k += 8
        }
        while k < length {
            if stored[k] != key[k] { return false }
            k += 1
        }
        return true
    }

    /// First min(8, length) bytes at `p` as a little-endian word, zero-padded.
    @inline(__always)
    static func loadWord(_ p: UnsafePointer<UInt8>, _ length: Int, _ readableEnd: UnsafePointer<UInt8>) -> UInt64 {
        if length >= 8 { return UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)) }
        if readableEnd - p >= 8 {
            let w = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
            return w & ((1 << UInt64(length &* 8)) &- 1)
        }
        var w: UInt64 = 0
        for k in 0..<length { w |= UInt64(p[k]) << UInt64(8 * k) }
        return w
    }

    /// Hash of a key: its first word and length, then every further 8-byte chunk,
    /// finished with the MurmurHash3 64-bit finalizer so low bits are well mixed.
    @inline(__always)
    private static func hash(_ word: UInt64, _ p: UnsafePointer<UInt8>, _ length: Int,
                             _ readableEnd: UnsafePointer<UInt8>) -> UInt64 {
        var h = word ^ (UInt64(truncatingIfNeeded: length) &* 0x9E37_79B9_7F4A_7C15)
        var k = 8
        while k < length {
            h = (h &* 0xBF58_476D_1CE4_E5B9) ^ loadWord(p + k, length - k, readableEnd)
            k += 8
        }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
