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

    /// Where the transaction lives: this handle's writer (`id` is its import session), or
    /// the holder of the store, for a forwarding handle (`token` names it there; the holder
    /// rolls it back if this process goes away first).
    enum Backend: Sendable {
        case local(WriteQueue, id: UInt64)
        case remote(WriteClient, Follower, token: UInt64)
    }

    /// What `prepare` hands to `stage`: encoded operations for the local writer, validated
    /// segments for the holder (which counts, encodes and stages them).
    enum PreparedChunk: Sendable {
        case local([WriteOperation])
        case remote([ContextSegment])
    }

    private let store: ContextStore
    private let backend: Backend
    private let state = Locked(State.open)

    init(store: ContextStore, backend: Backend) {
        self.store = store
        self.backend = backend
    }

    deinit {
        if case .open = state.withLock({ $0 }) {
            switch backend {
            case let .local(writer, id): writer.submit(.control(session: id) { state in state.importRollback() })
            case let .remote(client, _, token): Task { _ = try? await client.send(.importRollback(token: token)) }
            }
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
        let ops: PreparedChunk
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
    func prepare(_ segments: [ContextSegment]) throws(StoreError) -> PreparedChunk {
        switch backend {
        case .local: return .local(try store.prepare(segments))
        case .remote:
            for s in segments {
                do throws(SegmentValidationError) { try s.validate() } catch { throw .invalidSegment(segmentID: s.segmentID, error) }
            }
            return .remote(segments)
        }
    }

    /// The second half of `append`: stages prepared operations, in call order. After a
    /// throw the transaction is rolled back and every later call throws.
    func stage(_ chunk: PreparedChunk) async throws(StoreError) {
        try checkOpen()
        do throws(StoreError) {
            switch (backend, chunk) {
            case let (.local(writer, id), .local(ops)):
                try await writer.perform(session: id) { state throws(StoreError) in try state.importAppend(ops) }
            case let (.remote(client, _, token), .remote(segments)):
                _ = try await Self.send(client, .importAppend(token: token, segments))
            default:
                preconditionFailure("a chunk prepared for another transaction")
            }
        } catch {
            await fail(error)
            throw error
        }
    }

    /// One request to the holder; a holder that went away took the transaction with it.
    private static func send(_ client: WriteClient, _ request: ForwardRequest) async throws(StoreError) -> ForwardReply {
        let reply: ForwardReply
        do throws(ForwardingFailure) { reply = try await client.send(request) } catch {
            switch error {
            case .notConnected: throw .notAcknowledged(reason: "the holder went away; the import was rolled back")
            case let .lost(why): throw .notAcknowledged(reason: why)
            }
        }
        if case let .failed(e) = reply { throw e }
        return reply
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
            let n: Int
            switch backend {
            case let .local(writer, id):
                n = try await writer.perform(session: id) { state throws(StoreError) in try state.importCommit() }
            case let .remote(client, follower, token):
                guard case let .committed(count) = try await Self.send(client, .importCommit(token: token)) else {
                    throw .notAcknowledged(reason: "the holder answered a commit with an unexpected reply")
                }
                n = count
                try? follower.refresh()
            }
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
        switch backend {
        case let .local(writer, id): _ = try? await writer.perform(session: id) { state in state.importRollback() }
        case let .remote(client, _, token): _ = try? await client.send(.importRollback(token: token))
        }
    }
}

extension ContextStore {
    /// Opens an import transaction (waiting for one already open to finish). On a
    /// forwarding handle the transaction is opened on the holder: segments are validated
    /// here and counted, encoded and staged there, and the holder rolls the transaction
    /// back if this process goes away before the commit.
    ///
    /// - Throws: `.closed`, `.readOnlyAfterFailure`, `.readOnlyHandle`, `.notAcknowledged`.
    ///
    /// Cost: waits for the writer; while the transaction is open, other writes wait.
    public func beginImport() async throws(StoreError) -> ImportTransaction {
        try checkOpen()
        if let reply = try await forwarded(.importBegin) {
            guard case let .importStarted(token) = reply, case let .follower(f, client?) = roles.withLock({ $0 }) else {
                throw Self.unexpected(reply)
            }
            return ImportTransaction(store: self, backend: .remote(client, f, token: token))
        }
        let writer = try localWriter()
        // Runs once any open import is finished: requests wait while one is open.
        let id = try await writer.perform { state in state.beginImport() }
        return ImportTransaction(store: self, backend: .local(writer, id: id))
    }
}
