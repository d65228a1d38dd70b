/// One caller's stream of puts, pipelined as an import is: each batch is prepared
/// (validated, token-counted, encoded, analysed, over the cores) on a task of its own as
/// soon as it is handed over, and queued for the writer as soon as the batch before it is
/// queued, so the writer always has the next batch at hand (and may commit several in one
/// group); each batch is stored all or nothing, as `ContextStore.put` stores it. So a loop
/// that parses input and hands it over here keeps parsing, preparing and writing busy at
/// once, where a loop of `put` calls does one after the other.
///
/// The batches stored are always a prefix of those handed over: the writer fails every
/// batch queued after one that failed without writing it (`WriteChain`), and every later
/// call throws that failure. (On a forwarding handle a batch is sent once the one before
/// it is stored.)
///
/// ```swift
/// var pipeline = PutPipeline(store: store)
/// for try await batch in batches { try await pipeline.put(batch) }
/// try await pipeline.finish()
/// ```
///
/// Not shared between tasks (a `struct` with `mutating` calls): one caller, one order.
public struct PutPipeline {
    /// Batches handed over and not yet settled: one being written while the next is prepared.
    public static let maxInFlight = 4

    private let store: ContextStore
    private let chain = WriteChain()
    /// Batches handed over so far (the next one's position in `chain`).
    private var handedOver = 0
    private var inFlight: [InFlight] = []
    private var failure: StoreError?
    /// Segments of the batches stored so far: a prefix of those handed over.
    public private(set) var stored = 0
    /// Segments of the batch that failed (0 if none has).
    public private(set) var failedBatchSize = 0

    private struct InFlight {
        let task: Task<Outcome, Never>
        let count: Int
        /// Set once the batch is queued for the writer (or has settled), so the next may be.
        let queued: AsyncLatch<Void>
    }

    /// How a batch ended (a batch after a failed one fails with the same error, unwritten).
    private enum Outcome: Sendable { case stored, failed(StoreError) }

    /// A pipeline writing into `store` (any handle that can write: a holder's batches are
    /// prepared here, a forwarding handle's by its holder).
    public init(store: ContextStore) {
        self.store = store
    }

    /// Hands `segments` over as one batch: its preparation starts at once, and it is
    /// written after the batch before it (if that one was stored). Waits for the oldest
    /// batch when `maxInFlight` are out.
    ///
    /// - Throws: the failure of an earlier batch (the first one; see `ContextStore.put` for
    ///   the errors), and again at every later call; `.closed`.
    public mutating func put(_ segments: [ContextSegment]) async throws(StoreError) {
        if let failure { throw failure }
        try store.checkOpen()
        if inFlight.count >= Self.maxInFlight { try await settleOldest() }
        guard !segments.isEmpty else { return }
        let store = store, previous = inFlight.last?.queued
        let link = WriteChain.Link(chain: chain, position: handedOver)
        handedOver += 1
        let queued = AsyncLatch<Void>()
        let task = Task<Outcome, Never> {
            let prepared: Result<[WriteOperation]?, StoreError>
            do throws(StoreError) { prepared = .success(try store.prepareIfHolding(segments)) } catch {
                prepared = .failure(error)
            }
            // In order: the batch before is queued (or, forwarded, settled) first.
            await previous?.value()
            switch prepared {
            case let .failure(error):
                // Invalid: nothing of it is written, nor anything after it.
                link.chain.fail(error, at: link.position)
                queued.set(())
                return .failed(error)
            case let .success(ops?):
                // Holding the store: queued right behind the batch before, which the
                // writer may commit in the same group; it keeps the chain a prefix.
                let result = AsyncLatch<Result<[RecordLocation], StoreError>>()
                store.submit(ops, chain: link) { result.set($0) }
                queued.set(())
                switch await result.value() {
                case .success:
                    store.noteMappedReads(ops.count)
                    return .stored
                case let .failure(error): return .failed(error)
                }
            case .success(nil):
                // Forwarding: sent once the batch before is stored; the next waits for it.
                defer { queued.set(()) }
                if let failure = link.chain.failure(before: link.position) { return .failed(failure) }
                do throws(StoreError) { try await store.put(segments, prepared: nil) } catch {
                    link.chain.fail(error, at: link.position)
                    return .failed(error)
                }
                return .stored
            }
        }
        inFlight.append(InFlight(task: task, count: segments.count, queued: queued))
    }

    /// Waits for every batch handed over.
    ///
    /// - Throws: the first batch's failure, as `put` does.
    public mutating func finish() async throws(StoreError) {
        if let failure { throw failure }
        while !inFlight.isEmpty { try await settleOldest() }
    }

    /// Waits for the oldest batch in flight; a failure is kept and thrown (batches are
    /// settled in order, so the first failure found is the first one).
    private mutating func settleOldest() async throws(StoreError) {
        let f = inFlight.removeFirst()
        switch await f.task.value {
        case .stored:
            stored += f.count
        case let .failed(error):
            failure = error
            failedBatchSize = f.count
            // The rest were never written (each waits for its predecessor): let them end.
            for rest in inFlight { _ = await rest.task.value }
            inFlight = []
            throw error
        }
    }
}

extension ContextStore {
    /// `prepare(segments)` on a handle that holds the store; nil on one that forwards (its
    /// holder prepares what it is sent).
    func prepareIfHolding(_ segments: [ContextSegment]) throws(StoreError) -> [WriteOperation]? {
        guard case .holder = roles.withLock({ $0 }) else { return nil }
        return try prepare(segments)
    }

    /// Queues prepared operations as one append of `chain`; `completion` gets its result.
    /// A handle that no longer holds the store (taken over meanwhile) fails it with
    /// `.locked`, as a write to a holder that went away.
    func submit(_ ops: [WriteOperation], chain: WriteChain.Link, completion: @escaping WriteCompletion) {
        do throws(StoreError) {
            try checkOpen()
            try localWriter().submit(.append(ops, chain: chain, completion))
        } catch {
            chain.chain.fail(error, at: chain.position)
            completion(.failure(error))
        }
    }
}
