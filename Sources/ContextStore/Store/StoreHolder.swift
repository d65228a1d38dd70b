/// What a handle that holds the store owns: the `LOCK`, the writer and compaction
/// threads, and (when `Configuration.acceptForwardedWrites`) the socket other processes
/// forward their writes to. A handle becomes a holder at open, or later by taking the
/// store over from a holder that died (`ContextStore+Roles.swift`).
final class StoreHolder: Sendable {
    let lock: DirectoryLock
    let writer: WriteQueue
    let compactor: Compactor
    /// What open found and repaired, and what loading projects later did (rebuilt index
    /// files of projects loaded after open).
    var recoveryReport: RecoveryReport {
        var report = openReport
        let late = lateRecovery.withLock { $0 }
        report.rebuiltIndexes += late.rebuiltIndexes
        report.removedOrphans += late.removedOrphans
        report.tornTails += late.tornTails
        return report
    }
    private let openReport: RecoveryReport
    private let lateRecovery = Locked(RecoveryReport())
    private let server = Locked<WriteServer?>(nil)

    /// Recovers the store under `lock` (already taken) and starts its writer. `view` forgets
    /// what a follower had there and loads projects from this holder from then on: the
    /// first `Configuration.maxLoadedProjects` now, the others at their first use. If
    /// recovery fails, the lock is released before the error is thrown.
    init(lock: DirectoryLock, layout: StoreLayout, configuration: Configuration, view: ReadView,
         retired: RetiredFiles) throws(StoreError) {
        let state: StoreState
        let recovered: Recovery.Result
        let late = lateRecovery
        let loaded: Set<ByteKey>
        do throws(StoreError) {
            // The first `maxLoadedProjects` projects (at most `projectsLoadedAtOpen`) are
            // recovered (and loaded) now, as a whole; the others at their first use, so open
            // time grows with those in use.
            let atOpen = min(configuration.maxLoadedProjects, configuration.projectsLoadedAtOpen)
            recovered = try Recovery.run(layout, eager: 0..<atOpen)
            state = try StoreState(layout: layout, configuration: configuration, recovered: recovered,
                                   view: view, retired: retired, lateRecovery: late)
            view.beginHolding(catalog: recovered.manifest.projects.map(\.projectID))
            do throws(StoreError) {
                // A store of up to `maxLoadedProjects` projects is loaded whole, as before
                // projects were loaded lazily; a larger one loads the rest at first use.
                for p in state.projectSlots.prefix(atOpen) { try state.ensureLoaded(p) }
            } catch {
                view.abandonHolding()
                throw error
            }
            loaded = Set(state.loadedSlots.map { ByteKey(state.manifest.projects[$0].projectID) })
        } catch {
            lock.release()
            throw error
        }
        // What the loads at open did belongs to the open's report.
        let atOpen = late.withLock { r in defer { r = RecoveryReport() }; return r }
        var report = recovered.report
        report.rebuiltIndexes += atOpen.rebuiltIndexes
        report.removedOrphans += atOpen.removedOrphans
        report.tornTails += atOpen.tornTails
        self.openReport = report
        self.lock = lock
        let writer = WriteQueue(state: state)
        self.writer = writer
        view.installLoader({ id throws(StoreError) in try writer.load(projectID: id) }, loaded: loaded)
        self.compactor = Compactor(writer: writer, view: view, layout: layout, configuration: configuration)
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
