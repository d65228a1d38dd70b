/// Interns byte strings (words, metadata values) to dense ids `0..<count`, in first-seen
/// order: an open-addressing hash table over one byte arena, so that the hot path of
/// indexing never allocates a key.
struct TermTable {
    private(set) var arena: [UInt8] = []
    /// Start of term `i` in `arena`; term `i` ends at `starts[i + 1]`.
    private(set) var starts: [UInt32] = [0]
    private var slots: [Int32]
    /// `TermHash.hash` of term `i`.
    private(set) var hashes: [UInt64] = []
    private var mask: Int

    init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [Int32](repeating: -1, count: n)
        mask = n - 1
    }

    var count: Int { starts.count - 1 }

    func bytes(_ id: Int) -> ArraySlice<UInt8> { arena[Int(starts[id])..<Int(starts[id + 1])] }

    func withBytes<T>(_ id: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[Int(starts[id])..<Int(starts[id + 1])])) }
    }

    /// The id of `key`, or nil.
    func find(_ key: UnsafeRawBufferPointer) -> Int? {
        let h = TermHash.hash(key)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s < 0 { return nil }
            if hashes[Int(s)] == h && equal(Int(s), key) { return Int(s) }
            i = (i + 1) & mask
        }
    }

    /// The id of `key`, adding it if new.
    mutating func intern(_ key: UnsafeRawBufferPointer) -> Int {
        intern(key, hash: TermHash.hash(key))
    }

    /// `intern(key)` when the caller already has `h == TermHash.hash(key)` (an analyzed
    /// text carries its terms' hashes, so the indexer does not hash them again).
    mutating func intern(_ key: UnsafeRawBufferPointer, hash h: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s < 0 { break }
            if hashes[Int(s)] == h && equal(Int(s), key) { return Int(s) }
            i = (i + 1) & mask
        }
        let id = count
        arena.append(contentsOf: key)
        starts.append(UInt32(arena.count))
        hashes.append(h)
        slots[i] = Int32(id)
        if count * 2 > slots.count { grow() }
        return id
    }

    mutating func intern(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    private func equal(_ id: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let a = Int(starts[id]), b = Int(starts[id + 1])
        guard b - a == key.count else { return false }
        return arena.withUnsafeBytes { buf in
            key.count == 0 || memcmp(buf.baseAddress! + a, key.baseAddress!, key.count) == 0
        }
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = [Int32](repeating: -1, count: n)
        mask = n - 1
        for id in 0..<count {
            var i = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
