/// A cursor over increasing doc numbers: what AND-intersection drives. Sealed files give
/// `PostingsCursor` (decoding blocks in place), memtables `ArrayCursor`.
protocol DocCursor {
    /// Current doc, `UInt32.max` when exhausted.
    var doc: UInt32 { get }
    /// The number of docs in the list (its df): the rarest list leads.
    var count: Int { get }
    var tf: UInt32 { get }
    mutating func next()
    /// Moves to the first doc >= target.
    mutating func seek(to target: UInt32)
}

extension PostingsCursor: DocCursor {}

struct ArrayCursor: DocCursor {
    private let docs: [UInt32]
    private let tfs: [UInt32]?
    private var i = 0

    init(docs: [UInt32], tfs: [UInt32]?) {
        self.docs = docs
        self.tfs = tfs
    }

    var doc: UInt32 { i < docs.count ? docs[i] : .max }
    var count: Int { docs.count }
    var tf: UInt32 { tfs.map { i < $0.count ? $0[i] : 1 } ?? 1 }

    mutating func next() { i += 1 }

    mutating func seek(to target: UInt32) {
        guard i < docs.count, docs[i] < target else { return }
        // Gallop, then binary search: O(log distance).
        var step = 1
        var lo = i, hi = i + 1
        while hi < docs.count && docs[hi] < target {
            lo = hi
            step <<= 1
            hi = i + step
        }
        hi = min(hi, docs.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if docs[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        i = lo
    }
}
