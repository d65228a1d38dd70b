import CContextStoreSupport

/// The compaction thread. It asks the writer for a plan (`CompactionEdits.plan`), runs the
/// job on its own thread (reading inputs, writing outputs no MANIFEST names yet), and has
/// the writer apply the edit the output makes (`CompactionEdits.edit`, `StoreState.apply`),
/// so neither readers nor writers wait for the rewriting; the writer's part is a short
/// `.control` request. Automatic passes run when index files
/// were added or changed since the last pass (`Configuration.autoCompaction`);
/// `compactAll` runs a full compaction of every project on request. One job at a time, so
/// two plans never share an input.
///
/// Thread model: `requests`, `stopping`, `stopped` and `report` are guarded by `lock`;
/// everything else is touched by the compaction thread only.
final class Compactor: @unchecked Sendable {
    typealias Progress = @Sendable (_ done: Int64, _ total: Int64) -> Void
    private struct Request {
        var progress: Progress?
        var completion: @Sendable (Result<CompactionReport, StoreError>) -> Void
    }

    private let writer: WriteQueue
    private let view: ReadView
    private let layout: StoreLayout
    private let configuration: Configuration
    private let lock = ConditionLock()
    private var requests: [Request] = []
    private var stopping = false
    private var stopped = false
    private var totals = CompactionReport()
    private var lastError: StoreError? = nil
    /// Writer counters (seals + compactions) at the last automatic pass.
    private var lastChange = -1

    init(writer: WriteQueue, view: ReadView, layout: StoreLayout, configuration: Configuration) {
        self.writer = writer
        self.view = view
        self.layout = layout
        self.configuration = configuration
        startThread { [self] in self.run() }
    }

    /// Everything compacted since open, and the last job failure (a failed job changes
    /// nothing: its output is removed and its inputs stay).
    var statistics: (report: CompactionReport, lastError: StoreError?) { lock.withLock { (totals, lastError) } }

    /// Full compaction of every project (after the caller sealed the memtables).
    func compactAll(progress: Progress?) async throws(StoreError) -> CompactionReport {
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<CompactionReport, StoreError>, Never>) in
            let rejected = lock.withLock { () -> Bool in
                if stopping { return true }
                requests.append(Request(progress: progress) { c.resume(returning: $0) })
                lock.broadcast()
                return false
            }
            if rejected { c.resume(returning: .failure(.closed)) }
        }
        return try result.get()
    }

    /// Stops after the current job (which is abandoned at its next batch) and waits.
    func stop() {
        let pending: [Request] = lock.withLock {
            stopping = true
            lock.broadcast()
            while !stopped { lock.wait() }
            defer { requests = [] }
            return requests
        }
        for r in pending { r.completion(.failure(.closed)) }
    }

    private func run() {
        // Compaction yields the CPU to everything else (searches, the writer, callers'
        // token counting): nice 19 gives it only what others leave, which is how searches
        // keep their latency while it runs. It still progresses on a busy machine.
        _ = cs_thread_set_nice(19)
        while true {
            var request: Request? = nil
            let stop: Bool = lock.withLock {
                if requests.isEmpty && !stopping { lock.wait(milliseconds: 200) }
                if !requests.isEmpty { request = requests.removeFirst() }
                return stopping
            }
            if stop { break }
            if let r = request {
                r.completion(fullPass(progress: r.progress))
            } else if configuration.autoCompaction {
                autoPass()
            }
        }
        lock.withLock { stopped = true; lock.broadcast() }
    }

    private func autoPass() {
        let s = view.statistics
        let change = s.seals + s.compactions
        guard change != lastChange else { return }
        lastChange = change
        do throws(StoreError) {
            // Projects loaded since open: one not used since has not changed.
            for p in try writer.performBlocking({ $0.loadedSlots }) {
                // A full compaction asked for (or a stop) goes first: under steady ingest
                // with small seals there is always a next plan, and the pass would never end.
                while !lock.withLock({ !requests.isEmpty || stopping }),
                      let plan = try writer.performBlocking({ state throws(StoreError) in try CompactionEdits.plan(state, p, full: false) }) {
                    _ = try runJob(plan, progress: nil, done: 0, total: 0)
                }
            }
        } catch {
            if case .closed = error { return }
            lock.withLock { lastError = error }
        }
        let after = view.statistics
        lastChange = after.seals + after.compactions
    }

    private func fullPass(progress: Progress?) -> Result<CompactionReport, StoreError> {
        var report = CompactionReport()
        let start = monotonicNanoseconds()
        do throws(StoreError) {
            let slots = try writer.performBlocking { $0.projectSlots }
            // From the MANIFEST alone: the plans load one project at a time.
            let total = try writer.performBlocking { state in
                slots.reduce(Int64(0)) { sum, p in sum + CompactionEdits.indexedBytes(state, p) }
            }
            var done: Int64 = 0
            for p in slots {
                guard let plan = try writer.performBlocking({ state throws(StoreError) in try CompactionEdits.plan(state, p, full: true) })
                else { continue }
                let out = try runJob(plan, progress: progress, done: done, total: total)
                done += plan.inputBytes
                report.add(out)
            }
            progress?(total, total)
        } catch {
            return .failure(error)
        }
        report.seconds = Double(monotonicNanoseconds() - start) / 1e9
        return .success(report)
    }

    /// Runs one job and installs it; on failure removes whatever it wrote.
    private func runJob(_ plan: CompactionPlan, progress: Progress?, done: Int64, total: Int64) throws(StoreError) -> CompactionOutput {
        let started = monotonicNanoseconds()
        var read: Int64 = 0
        let rate = configuration.compactionBytesPerSecond
        let job = CompactionJob(plan: plan, layout: layout) { [self] bytes throws(StoreError) in
            if lock.withLock({ stopping }) { throw .closed }
            read += Int64(bytes)
            progress?(done + read, total)
            guard rate > 0 else { return }
            // Sleep until the bytes read so far fit the rate.
            let due = UInt64(Double(read) / Double(rate) * 1e9)
            let elapsed = monotonicNanoseconds() - started
            if due > elapsed { sleepNanoseconds(due - elapsed) }
        }
        do throws(StoreError) {
            let out = try job.run()
            try writer.performBlocking { state throws(StoreError) in
                guard let edit = try CompactionEdits.edit(for: out, state) else { return }
                do throws(StoreError) { try state.apply([edit]) } catch {
                    // The MANIFEST naming the output may be durable: keep the output.
                    if state.manifestInDoubt { throw .readOnlyAfterFailure(cause: "\(error)") }
                    throw error
                }
                state.stats.compactions += 1
            }
            lock.withLock { totals.add(out) }
            return out
        } catch {
            // After a failure past the MANIFEST's rename (or on a store already read-only)
            // the output stays: the next open keeps it, or removes it as orphans.
            if case .readOnlyAfterFailure = error {} else { removeOutput(plan) }
            throw error
        }
    }

    /// Deletes a failed job's files (they are orphans the next open would remove anyway).
    private func removeOutput(_ plan: CompactionPlan) {
        for f in plan.outputFiles { try? FileSystem.unlink(layout.logFile(project: plan.projectNumber, file: f)) }
        try? FileSystem.unlink(layout.indexFile(project: plan.projectNumber, index: plan.outputIndex))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
