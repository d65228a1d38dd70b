/// The store's one write path, as a queue: callers enqueue requests; one background thread
/// (the *writer thread*) takes everything queued as a group, hands runs of appends and
/// syncs to `GroupCommit` (one write and one sync per touched file for the whole run) and
/// runs control requests between them, in queue order. It owns the failure latch: after a
/// write failed half-way, the store is read-only until reopened.
///
/// While an import is open (`StoreState.importStaging`), only that import's own requests
/// run; the others wait in `deferred` and run, in order, once it commits or rolls back, so
/// the import's records take consecutive sequence numbers.
///
/// Thread model: `queue`, `closing`, `stopped` and `failure` are guarded by `lock`;
/// `state` and `deferred` belong to the writer thread (and to `init`, before it starts).
/// No I/O happens while `lock` is held.
final class WriteQueue: @unchecked Sendable {
    // Sendable: see the thread model above.
    private let lock = ConditionLock()
    private var queue: [WriteRequest] = []
    private var closing = false
    private var stopped = false
    private var failure: String? = nil

    private let state: StoreState
    private var deferred: [WriteRequest] = []
    private let durability: Durability

    /// Starts the writer thread on `state`.
    init(state: StoreState) {
        self.state = state
        self.durability = state.configuration.durability
        startThread { [self] in self.run() }
    }

    // MARK: - Caller side

    /// Enqueues a request; it fails at once (its completion called here) if the queue is
    /// closed or the store read-only.
    func submit(_ request: WriteRequest) {
        if let error = enqueue(request) { request.completion(.failure(error)) }
    }

    /// Appends `request` to the queue, or returns why the queue takes no more requests
    /// (closed, or read-only after a failure); the caller then fails the request's own
    /// completion.
    private func enqueue(_ request: WriteRequest) -> StoreError? {
        lock.withLock {
            if closing { return .closed }
            if let f = failure { return .readOnlyAfterFailure(cause: f) }
            queue.append(request)
            lock.broadcast()
            return nil
        }
    }

    /// Runs `body` on the writer thread and returns its result (`session`: as a step of
    /// that import; other requests wait while an import is open). An `.io` error from
    /// `body` makes the store read-only.
    func perform<T: Sendable>(session: UInt64? = nil,
                              _ body: @escaping @Sendable (StoreState) throws(StoreError) -> T) async throws(StoreError) -> T {
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<T, StoreError>, Never>) in
            submitControl(session: session, body) { c.resume(returning: $0) }
        }
        return try result.get()
    }

    /// `perform` for threads that are not in a task (the compactor): blocks until done.
    func performBlocking<T: Sendable>(_ body: @escaping @Sendable (StoreState) throws(StoreError) -> T) throws(StoreError) -> T {
        try Self.waitBlocking { completion in submitControl(session: nil, body, completion) }.get()
    }

    /// Starts work with `start`, which must call the completion it is given exactly once
    /// (on any thread), and blocks the calling thread until it has: its result.
    private static func waitBlocking<T: Sendable>(
        _ start: (@escaping @Sendable (Result<T, StoreError>) -> Void) -> Void
    ) -> Result<T, StoreError> {
        let done = ConditionLock()
        nonisolated(unsafe) var result: Result<T, StoreError>? = nil
        start { r in done.withLock { result = r; done.broadcast() } }
        return done.withLock { () -> Result<T, StoreError> in
            while result == nil { done.wait() }
            return result!
        }
    }

    /// Enqueues `body` as a control request whose result goes to `completion`, which is
    /// called exactly once: with `body`'s result, or at once with `.closed` or
    /// `.readOnlyAfterFailure` if the queue takes no more requests. (A `.control` request
    /// has no completion of its own for `submit` to fail: its rejection goes here.)
    private func submitControl<T: Sendable>(session: UInt64?, _ body: @escaping @Sendable (StoreState) throws(StoreError) -> T,
                                            _ completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        let request = WriteRequest.control(session: session) { [self] state in
            if let f = lock.withLock({ failure }) { return completion(.failure(.readOnlyAfterFailure(cause: f))) }
            do throws(StoreError) { completion(.success(try body(state))) } catch {
                // An I/O error, or any failure of an install, leaves the store read-only.
                if case .io = error { fail(error) } else if state.installFailed { fail(error) }
                completion(.failure(error))
            }
        }
        if let error = enqueue(request) { completion(.failure(error)) }
    }

    /// Loads project `projectID` for a reader and returns its index (nil: no such project).
    /// Blocks until the writer thread has done it.
    func load(projectID: String) throws(StoreError) -> IndexPair? {
        try Self.waitBlocking { (completion: @escaping @Sendable (Result<IndexPair?, StoreError>) -> Void) in
            let request = WriteRequest.load { [self] state in
                guard let p = state.slot(of: projectID) else { return completion(.success(nil)) }
                let writable = lock.withLock { failure == nil }
                do throws(StoreError) { completion(.success(try state.ensureLoaded(p, writable: writable))) } catch {
                    completion(.failure(error))
                }
            }
            // Taken even while read-only after a failure (reads go on then), not once closing.
            let refused: StoreError? = lock.withLock {
                if closing { return .closed }
                queue.append(request)
                lock.broadcast()
                return nil
            }
            if let refused { completion(.failure(refused)) }
        }.get()
    }

    /// Stops the thread after everything queued is written and synced (and the memtables
    /// sealed, see `StoreState.closeCleanly`). Returns when it has stopped.
    /// Returns the cause that latched the queue read-only, if any did (the close's own
    /// seal included): then the close was not clean.
    /// The loaded indexes are dropped then (the stopped thread no longer touches the
    /// state), so a closed handle keeps no index file mapped.
    @discardableResult
    func close() -> String? {
        let cause = lock.withLock {
            closing = true
            lock.broadcast()
            while !stopped { lock.wait() }
            return failure
        }
        state.indexes = [:]
        return cause
    }

    // MARK: - Writer thread

    /// Latches the store read-only after a write path failed half-way. An open import can
    /// no longer commit: it is discarded, and the requests it held back run (and fail the
    /// same way).
    private func fail(_ error: StoreError) {
        let cause = error.description
        lock.withLock { if failure == nil { failure = cause } }
        if state.importStaging != nil {
            let waiting = abandonImport()
            lock.withLock { queue.insert(contentsOf: waiting, at: 0) }
        }
    }

    /// Rolls the open import back and returns the requests it held back, in order.
    private func abandonImport() -> [WriteRequest] {
        state.importRollback()
        defer { deferred = [] }
        return deferred
    }

    private func run() {
        while true {
            var group: [WriteRequest] = []
            var shouldStop = false
            var periodicDue = false
            lock.withLock {
                while queue.isEmpty && !closing {
                    if case let .periodic(ms) = durability {
                        lock.wait(milliseconds: ms)
                        if queue.isEmpty { periodicDue = true; break }
                    } else {
                        lock.wait()
                    }
                }
                group = queue
                queue = []
                shouldStop = closing && group.isEmpty
            }
            if shouldStop {
                if state.importStaging != nil {  // an import left open at close never happened
                    process(abandonImport())
                }
                if lock.withLock({ failure }) == nil {
                    do throws(StoreError) { try state.closeCleanly() } catch { fail(error) }
                }
                state.closeFiles()
                state.publishStatistics()
                lock.withLock { stopped = true; lock.broadcast() }
                return
            }
            if group.isEmpty {
                if periodicDue {
                    do throws(StoreError) { try state.syncDirtyFiles() } catch { fail(error) }
                }
                continue
            }
            process(group)
        }
    }

    /// Runs a group in order: runs of appends and syncs are committed together; control
    /// requests run between them.
    private func process(_ group: [WriteRequest]) {
        var run: [WriteRequest] = []
        var pending = group[...]
        while let r = pending.popFirst() {
            if case let .load(body) = r {
                if !run.isEmpty { commit(run); run = [] }
                body(state)
                continue
            }
            if let staging = state.importStaging {
                // Only the open import's own requests run; the rest wait their turn.
                guard case let .control(id, body) = r, id == staging.id else { deferred.append(r); continue }
                body(state)
                if state.importStaging == nil {  // committed or rolled back: the waiting go first
                    pending = deferred[...] + pending
                    deferred = []
                }
                continue
            }
            if case let .control(_, body) = r {
                if !run.isEmpty { commit(run); run = [] }
                body(state)
            } else {
                run.append(r)
            }
        }
        if !run.isEmpty { commit(run) }
        state.evictColdProjects()
        state.publishStatistics()
    }

    /// One group commit; every request of the run completes with its result, or with the
    /// error that latched the store read-only.
    private func commit(_ run: [WriteRequest]) {
        if let f = lock.withLock({ failure }) {
            for r in run { r.completion(.failure(.readOnlyAfterFailure(cause: f))) }
            return
        }
        // An append whose chain already failed is not written (the chain stays a prefix).
        var run = run
        run.removeAll { r in
            guard let link = r.chain, let failure = link.chain.failure(before: link.position) else { return false }
            r.completion(.failure(failure))
            return true
        }
        if run.isEmpty { return }
        let outcome: GroupCommit.Outcome
        do throws(GroupCommit.Failure) {
            outcome = try GroupCommit(state: state).write(run)
        } catch {
            // Undone (nothing of the run is stored) unless the error says otherwise
            // (`notAcknowledged`); read-only unless it was a write that could be undone.
            if error.latch { fail(error.error) }
            for r in run {
                if let link = r.chain { link.chain.fail(error.error, at: link.position) }
                r.completion(.failure(error.error))
            }
            return
        }
        // A seal that failed after the run was stored: the records are acknowledged, and
        // the store goes read-only (its in-memory MANIFEST may hold half of the seal).
        if let sealFailure = outcome.sealFailure { fail(sealFailure) }
        for (r, result) in zip(run, outcome.results) { r.completion(result) }
    }
}
