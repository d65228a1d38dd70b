/// An import transaction: segments appended to it become visible together at commit, or
/// never. While one is open, other writes to the store wait (so do not write through the
/// store while holding one). A kill before commit leaves none of its segments; a dropped,
/// uncommitted transaction rolls back. A later segment with the same project and id
/// supersedes an earlier one, inside the transaction as everywhere.
///
/// Appends are prepared on the caller's thread and the cores (validation, token counts,
/// encoding, analysis), like `put`, and staged by the writer (`Store/Writer/ImportStaging.swift`).
public final class ImportTransaction: Sendable {
    private enum State { case open, finished, failed(StoreError) }

    private let store: ContextStore
    private let id: UInt64
    private let state = Locked(State.open)

    init(store: ContextStore, id: UInt64) {
        self.store = store
        self.id = id
    }

    deinit {
        if case .open = state.withLock({ $0 }) {
            store.writer.submit(.control(session: id) { state in state.importRollback() })
        }
    }

    private func checkOpen() throws(StoreError) {
        switch state.withLock({ $0 }) {
        case .open: return
        case .finished: throw .transactionFinished
        case let .failed(e): throw e
        }
    }

    /// Validates (throws `.invalidSegment` naming the id), counts tokens and stages the
    /// segments. After a throw the transaction is rolled back and every later call throws.
    ///
    /// - Throws: `.invalidSegment`, `.tokenizerUnavailable`, `.transactionFinished`,
    ///   `.closed`, `.diskFull`, `.io`.
    ///
    /// Cost: as `put`'s preparation, then the writer writes the records to staged log files
    /// (not synced until commit).
    public func append(_ segments: [ContextSegment]) async throws(StoreError) {
        try store.checkOpen()
        try checkOpen()
        let ops: [WriteOperation]
        do throws(StoreError) { ops = try prepare(segments) } catch {
            await fail(error)
            throw error
        }
        try await stage(ops)
    }

    /// The first half of `append`, with no effect on the transaction (so an importer can
    /// prepare a chunk while the writer stages the one before, and name the segment a
    /// failure belongs to before it rolls back): validation, token counts, encoding and
    /// analysis.
    func prepare(_ segments: [ContextSegment]) throws(StoreError) -> [WriteOperation] {
        try store.prepare(segments)
    }

    /// The second half of `append`: stages prepared operations, in call order. After a
    /// throw the transaction is rolled back and every later call throws.
    func stage(_ ops: [WriteOperation]) async throws(StoreError) {
        try checkOpen()
        do throws(StoreError) {
            try await store.writer.perform(session: id) { state throws(StoreError) in try state.importAppend(ops) }
        } catch {
            await fail(error)
            throw error
        }
    }

    /// Publishes everything appended, atomically; returns the number of segments appended.
    ///
    /// - Throws: `.transactionFinished`, `.closed`, `.diskFull`, `.io`; after a throw nothing
    ///   of the transaction is visible.
    ///
    /// Cost: syncs the staged files, seals the staged index, and writes one manifest.
    @discardableResult
    public func commit() async throws(StoreError) -> Int {
        try store.checkOpen()
        try checkOpen()
        do throws(StoreError) {
            let n = try await store.writer.perform(session: id) { state throws(StoreError) in try state.importCommit() }
            state.withLock { $0 = .finished }
            return n
        } catch {
            await fail(error)
            throw error
        }
    }

    /// Discards everything appended (idempotent). Never throws: on a closed store the
    /// writer has already discarded the staged files.
    ///
    /// Cost: the staged files are unlinked by the writer.
    public func rollback() async {
        let wasOpen = state.withLock { s -> Bool in
            if case .open = s { s = .finished; return true }
            return false
        }
        if wasOpen { await discard() }
    }

    private func fail(_ error: StoreError) async {
        state.withLock { $0 = .failed(error) }
        await discard()
    }

    private func discard() async {
        _ = try? await store.writer.perform(session: id) { state in state.importRollback() }
    }
}

extension ContextStore {
    /// Opens an import transaction (waiting for one already open to finish).
    ///
    /// - Throws: `.closed`, `.readOnlyAfterFailure`.
    ///
    /// Cost: waits for the writer; while the transaction is open, other writes wait.
    public func beginImport() async throws(StoreError) -> ImportTransaction {
        try checkOpen()
        // Runs once any open import is finished: requests wait while one is open.
        let id = try await writer.perform { state in state.beginImport() }
        return ImportTransaction(store: self, id: id)
    }
}
