/// A cursor over increasing doc numbers: what AND-intersection drives. Sealed files give
/// `PostingsCursor` (decoding blocks in place), memtables `PoolCursor`.
protocol DocCursor {
    /// Current doc, `UInt32.max` when exhausted.
    var doc: UInt32 { get }
    /// The number of docs in the list (its df): the rarest list leads.
    var count: Int { get }
    var tf: UInt32 { get }
    mutating func next()
    /// Moves to the first doc >= target.
    mutating func seek(to target: UInt32)
    /// The doc's score for this clause when the cursor computed it beforehand (a prefix
    /// clause of `all` mode: the sum over its expansions); nil: BM25 of `tf`.
    var precomputedScore: Double? { get }
}

extension DocCursor {
    var precomputedScore: Double? { nil }
}

/// A clause of `all` mode decoded into memory: the union of a prefix's expansions (or a
/// plain list, beside one) with each doc's score for the clause worked out beforehand.
struct MaterializedCursor: DocCursor {
    let docs: [UInt32]
    let scores: [Double]
    private var i = 0

    init(docs: [UInt32], scores: [Double]) {
        self.docs = docs
        self.scores = scores
    }

    var doc: UInt32 { i < docs.count ? docs[i] : .max }
    var count: Int { docs.count }
    var tf: UInt32 { 1 }
    var precomputedScore: Double? { i < scores.count ? scores[i] : 0 }
    mutating func next() { if i < docs.count { i += 1 } }
    mutating func seek(to target: UInt32) {
        guard i < docs.count, docs[i] < target else { return }
        var lo = i, hi = docs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if docs[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        i = lo
    }
}

extension PostingsCursor: DocCursor {}

/// Block maxima for top-k pruning: `PostingsCursor` reads them from the skip table of format 2
/// files; a memtable's lists have none and bound every block by `.unbounded`.
protocol MaximaCursor: DocCursor {
    /// The maxima of the block that would hold `target`, nil when the list ends before it.
    /// Targets must not decrease between calls.
    mutating func blockMaxima(containing target: UInt32) -> BlockMaxima?
    /// The maxima over the whole list.
    func listMaxima() -> BlockMaxima
    /// Sets the bit of every doc below `limit` from the current one on; leaves it exhausted.
    mutating func markRemaining(into bits: UnsafeMutablePointer<UInt64>, limit: Int)
    /// Back to the first doc.
    mutating func rewind()
}

extension PostingsCursor: MaximaCursor {}

extension PoolCursor: MaximaCursor {
    mutating func blockMaxima(containing target: UInt32) -> BlockMaxima? { doc == .max ? nil : .unbounded }
    func listMaxima() -> BlockMaxima { .unbounded }
    mutating func markRemaining(into bits: UnsafeMutablePointer<UInt64>, limit: Int) {
        while doc != .max {
            let d = Int(doc)
            if d < limit { bits[d >> 6] |= 1 << UInt64(d & 63) }
            next()
        }
    }
}
