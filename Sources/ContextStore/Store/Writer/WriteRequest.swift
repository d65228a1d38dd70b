/// A put or delete on its way to the log: encoded and analyzed on the caller's thread
/// (`ContextStore.prepare`), written by the group commit, then applied to the index.
struct WriteOperation: Sendable {
    var projectID: String
    var record: EncodedRecord
    /// What the index applies once the record is written.
    var index: IndexOperation
}

/// The index side of a `WriteOperation`.
enum IndexOperation: Sendable {
    case put(ContextSegment, AnalyzedText)
    case delete(String)
}

/// Completes an append (each operation's location) or a sync (no locations).
typealias WriteCompletion = @Sendable (Result<[RecordLocation], StoreError>) -> Void

/// What callers put in the `WriteQueue`.
enum WriteRequest {
    case append([WriteOperation], WriteCompletion)
    case sync(WriteCompletion)
    /// Runs on the writer thread, in queue order with the appends (sealing, compaction
    /// planning and install, the steps of an import). Completes itself. `session` names
    /// the import it belongs to, if any (see `WriteQueue`).
    case control(session: UInt64?, @Sendable (StoreState) -> Void)
    /// Loads a project for a reader (`ReadView.loadedIndex`): runs at its turn even while
    /// an import is open or the store is read-only, since reads go on then. Completes itself.
    case load(@Sendable (StoreState) -> Void)

    /// The completion of an append or sync (a control request completes itself).
    var completion: WriteCompletion {
        switch self {
        case let .append(_, c), let .sync(c): c
        case .control, .load: { _ in }
        }
    }
}
