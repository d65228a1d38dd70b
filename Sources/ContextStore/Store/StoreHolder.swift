/// What a handle that holds the store owns: the `LOCK`, the writer and compaction
/// threads, and (when `Configuration.acceptForwardedWrites`) the socket other processes
/// forward their writes to. A handle becomes a holder at open, or later by taking the
/// store over from a holder that died (`ContextStore+Roles.swift`).
final class StoreHolder: Sendable {
    let lock: DirectoryLock
    let writer: WriteQueue
    let compactor: Compactor
    /// What open found and repaired.
    let recoveryReport: RecoveryReport
    private let server = Locked<WriteServer?>(nil)

    /// Recovers the store under `lock` (already taken) and starts its writer, publishing
    /// every project into `view` (replacing what a follower had there). If recovery fails,
    /// the lock is released before the error is thrown.
    init(lock: DirectoryLock, layout: StoreLayout, configuration: Configuration, view: ReadView,
         retired: RetiredFiles) throws(StoreError) {
        let state: StoreState
        var recovered: Recovery.Result
        do throws(StoreError) {
            recovered = try Recovery.run(layout)
            var rebuilt = Set<UInt64>()
            let indexes = try IndexRecovery.load(layout, manifest: recovered.manifest, active: recovered.active,
                                                 report: &recovered.report, rebuilt: &rebuilt)
            state = try StoreState(layout: layout, configuration: configuration, recovered: recovered,
                                   indexes: indexes, view: view, retired: retired)
            if !rebuilt.isEmpty { try state.forgetIndexFiles(of: rebuilt) }
        } catch {
            lock.release()
            throw error
        }
        self.lock = lock
        self.writer = WriteQueue(state: state)
        self.compactor = Compactor(writer: writer, view: view, layout: layout, configuration: configuration)
        self.recoveryReport = recovered.report
    }

    /// Starts answering forwarded writes at `path` with `handler`, then records this process
    /// in `LOCK` (saying whether it serves, so a process that cannot reach the socket knows
    /// whether waiting can help). A socket that cannot be bound (a file system without
    /// sockets, say) leaves the store unshared, not unopenable.
    func serve(at path: String, accept: Bool, handler: @escaping WriteServer.Handler,
               disconnected: @escaping WriteServer.Disconnected) {
        var serving = false
        if accept, let s = try? WriteServer(path: path, handler: handler, disconnected: disconnected) {
            server.withLock { $0 = s }
            serving = true
        }
        lock.recordHolder(serving: serving)
    }

    /// Stops serving: forwarded requests already running finish and are answered, later
    /// ones are refused unapplied. The store's own calls still work meanwhile.
    func stopServing() {
        server.withLock { s in let x = s; s = nil; return x }?.stop()
    }

    /// Stops serving, then the compaction and writer threads (the writer after everything
    /// queued is written and synced), and releases the lock.
    /// Returns the writer's failure, if it ended read-only (the close was not clean).
    @discardableResult
    func close() -> String? {
        stopServing()
        compactor.stop()
        let cause = writer.close()
        lock.release()
        return cause
    }
}
