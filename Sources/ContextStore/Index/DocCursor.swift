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
}

extension PostingsCursor: DocCursor {}
