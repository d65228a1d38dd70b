/// What the index keeps about each document (one put record) besides its postings: where
/// the record is, and the columns that queries read without fetching it.
struct DocInfo: Sendable, Equatable {
    var fileNumber: UInt32
    var batchOffset: UInt32
    var index: UInt16
    var type: UInt8
    var tier: UInt8
    /// `created_at` as an instant (microseconds since the epoch; naive taken as UTC).
    var createdAt: Int64
    /// Number of words (the analyzer's), the BM25 document length.
    var words: UInt32
    var tokens: UInt32
    var idHash: UInt64

    var location: RecordLocation {
        RecordLocation(fileNumber: fileNumber, batchOffset: Int64(batchOffset), index: Int(index))
    }

    /// Bytes of a doc-table entry in an index file (SPEC.md, "Doc table").
    static let encodedSize = 36
}
