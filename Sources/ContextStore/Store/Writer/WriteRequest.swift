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

/// Appends of one caller that must be stored as a prefix of the order they were queued in
/// (`PutPipeline`): once one fails (at the writer, or before it was queued), the writer
/// fails every later one of the chain without writing it, even if the store is still
/// writable (a full disk that was cut back).
///
/// Each append has a position in its chain; a failure at position `n` fails every append
/// after `n`, never one before it (those may still be waiting for the writer).
///
/// Invariant: a failure is set before any later append of the chain is queued, or by the
/// writer thread before it takes one (it takes them in queue order), so none slips past.
final class WriteChain: Sendable {
    private let first = Locked<(position: Int, error: StoreError)?>(nil)

    /// The failure that stops the append at `position`: one at an earlier position.
    func failure(before position: Int) -> StoreError? {
        first.withLock { f in f.flatMap { $0.position < position ? $0.error : nil } }
    }

    /// Records that the append at `position` failed (the earliest one counts).
    func fail(_ error: StoreError, at position: Int) {
        first.withLock { f in if f == nil || position < f!.position { f = (position, error) } }
    }

    /// An append's place in the chain.
    struct Link: Sendable {
        let chain: WriteChain
        let position: Int
    }
}

/// What callers put in the `WriteQueue`.
enum WriteRequest {
    /// Operations to write, all or nothing, in the chain given (if any).
    case append([WriteOperation], chain: WriteChain.Link?, WriteCompletion)
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
        case let .append(_, _, c), let .sync(c): c
        case .control, .load: { _ in }
        }
    }

    /// The chain of an append, if it has one.
    var chain: WriteChain.Link? {
        if case let .append(_, chain, _) = self { return chain }
        return nil
    }
}
