import Dispatch

/// The second stage of an import's staging: builds the staged index on its own thread
/// while the writer thread goes on encoding, compressing and writing the next batches.
///
/// The writer hands over work in log order (`apply` once a batch is on disk, `seal`
/// when it has finished the log files an index file is to own); a serial queue runs it
/// in that order, so the staged index sees exactly what it would see inline. Invariants:
/// - After a hand-over the writer no longer touches what it handed over, and it reads a
///   staged project's `index`, `entries` and `created` only after `drain()`, which
///   waits for the queue (and gives the happens-before edge).
/// - The first failure stops the stage: later work is skipped and the error is
///   reported by the next `check()`/`drain()`, so the import fails and rolls back.
/// - At most `maxQueued` hand-overs wait: the writer blocks beyond that (memory stays
///   bounded when indexing is slower than writing).
final class StagedIndexer: Sendable {
    typealias Work = @Sendable () throws(StoreError) -> Void

    private let queue = DispatchQueue(label: "contextstore.import-index", qos: .userInitiated)
    private let slots: DispatchSemaphore
    private let failure = Locked<StoreError?>(nil)

    init(maxQueued: Int = 256) {
        slots = DispatchSemaphore(value: maxQueued)
    }

    /// Runs `work` after everything handed over before it; throws an earlier failure.
    func submit(_ work: @escaping Work) throws(StoreError) {
        try check()
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard failure.withLock({ $0 }) == nil else { return }
            do throws(StoreError) { try work() } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
    }

    /// Throws the first failure so far.
    func check() throws(StoreError) {
        if let e = failure.withLock({ $0 }) { throw e }
    }

    /// Waits for everything handed over; throws the first failure.
    func drain() throws(StoreError) {
        queue.sync {}
        try check()
    }
}
