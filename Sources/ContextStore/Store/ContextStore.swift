import Dispatch
import Synchronization

/// One compaction progress report on its way from the compaction thread to the caller.
private struct CompactionProgress: Sendable {
    var done: Int64
    var total: Int64
}

/// An open store: one directory, many projects, one holder at a time, any number of
/// handles in any number of processes.
///
/// The first `.readWrite` handle holds the store (its lock, recovery, writer and
/// compaction threads). While it does, other `.readWrite` handles, in this process or
/// another, forward their writes to it over a socket in the store directory and read from
/// their own view of the store (`role` is `.forwarder`); if the holder dies, the next
/// forwarded write takes the store over. `.readOnly` handles read beside the holder and
/// never write (`OpenMode`). Forwarding and reader views: SPEC.md, "Many processes".
///
/// Writes (`put`, `delete`, `sync`) are `async`: they return once the records are written
/// and, with the default durability, synced; concurrent callers share one write and one sync.
/// Reads (`scan`, `search`, `get`, `forEachLiveSegment`, `totals`) are synchronous: they
/// work on a snapshot of acknowledged data, never wait for the writer, and read memory-mapped
/// log files on the calling thread. Long operations (`export`, `importFiles`, `compact`) run
/// off the caller and call their progress closures back on the caller's isolation, so an
/// actor or the main actor can pass closures that mutate its state.
///
/// After `close()` every method throws `StoreError.closed`; only the stored properties and
/// the statistics stay readable (the counters as they were at close).
///
/// ```swift
/// let store = try ContextStore.open(directory: "/tmp/ctx")
/// try await store.put([segment])
/// let live = try store.scan(project: "p")
/// store.close()
/// ```
public final class ContextStore: Sendable {
    /// The store's directory, as given to `open`.
    public let directory: String
    /// The settings the store was opened with (validated by `open`).
    public let configuration: Configuration

    let layout: StoreLayout
    let view: ReadView
    let logMaps: LogMapCache
    /// Bounds the pages this handle's maps keep resident (`noteMappedReads`).
    let residency: MapResidency
    let tokens: TokenAccounting
    /// The shared locks on the files this handle's view uses while it does not hold the store.
    let pins: ReaderFilePins
    /// Files this handle retired as the holder that a reader process still holds.
    let retired: RetiredFiles
    /// True while this handle holds the store (a log file released by its last in-process
    /// reader is then deleted, not just let go).
    let holding: Locked<Bool>
    /// What this handle is now (`ContextStore+Roles.swift`); changes once at most, from a
    /// forwarding follower to the holder.
    let roles: Locked<Role>
    /// Import transactions this holder runs for forwarding clients.
    let servedImports = Locked(ServedImports())
    /// Serializes taking the store over (and close).
    let takeoverLock = ConditionLock()
    /// Set once by `close()`; every public method checks it first (`checkOpen`).
    private let isClosed = Atomic<Bool>(false)

    /// A handle's role and the parts it needs.
    enum Role: Sendable {
        case holder(StoreHolder)
        /// A view kept up to date by `refresh`; writes go to `forwarding` (nil: read-only).
        case follower(Follower, forwarding: WriteClient?)
    }

    private init(directory: String, configuration: Configuration, layout: StoreLayout, parts: Parts, role: Role) {
        self.directory = directory
        self.configuration = configuration
        self.layout = layout
        self.view = parts.view
        self.logMaps = parts.logMaps
        self.residency = MapResidency(budget: configuration.mappedResidentBudgetBytes,
                                      checkInterval: configuration.mappedResidencyCheckInterval)
        self.pins = parts.pins
        self.retired = parts.retired
        self.holding = parts.holding
        self.roles = Locked(role)
        self.tokens = TokenAccounting(encoding: configuration.tokenEncoding, vocabularyDirectory: configuration.vocabularyDirectory)
    }

    /// What every role shares: the read view, the log maps, the reader's file holds and the
    /// holder's retired files. A log file whose last reader of this process lets go is
    /// released (if this handle only reads) or retired (if it holds the store).
    private struct Parts {
        let view: ReadView
        let logMaps: LogMapCache
        let pins = ReaderFilePins()
        let retired = RetiredFiles()
        let holding = Locked(false)

        init(layout: StoreLayout, configuration: Configuration) {
            let logMaps = LogMapCache(layout: layout, minimumLength: configuration.logFileSize,
                                      maxMaps: configuration.maxMappedLogFiles)
            let (pins, retired, holding) = (self.pins, self.retired, self.holding)
            let lifetimes = FileLifetimes { key in
                logMaps.forget(project: key.project, file: key.file)
                let path = layout.logFile(project: key.project, file: key.file)
                pins.release(path)
                if holding.withLock({ $0 }) { retired.retire([path]) }
            }
            self.logMaps = logMaps
            self.view = ReadView(lifetimes: lifetimes, activeTier: ActiveTierCache(maxSegments: configuration.activeTierMaxSegments,
                                                                                  maxBytes: configuration.activeTierMaxBytes))
        }
    }

    /// Opens the store in `directory`.
    ///
    /// `.readWrite` (the default) creates the store if needed (unless
    /// `configuration.createIfMissing` is false) and, if no other handle holds it, holds it:
    /// recovers from any crash and starts the writer. If another handle (in any process)
    /// holds it, the handle forwards its writes to that holder (`role` is `.forwarder`),
    /// unless `configuration.forwardWrites` is false. `.readOnly` opens a view beside any
    /// holder, changing nothing on disk.
    ///
    /// - Throws: `.locked` (naming the holder's process) if another handle holds the store
    ///   and `forwardWrites` is false;
    ///   `.noStore` if there is none and none may be created (nothing is created; always for
    ///   `.readOnly`); `.corruption` (with file and offset) if data is damaged, in which case
    ///   nothing on disk was changed; `.invalidConfiguration` (naming the field and its
    ///   allowed range) before anything is touched; `.unsupportedVersion`, `.notAStore`, `.io`.
    ///
    /// Cost: reads the manifest, scans each project's unsealed log tail and loads the index
    /// files (memory-mapped); proportional to the unsealed data, not the store's size.
    /// A holder starts the writer and compaction threads and a socket thread.
    public static func open(directory: String, mode: OpenMode = .readWrite,
                            configuration: Configuration = Configuration()) throws(StoreError) -> ContextStore {
        try configuration.validate()
        SearchTables.warmInBackground()
        let layout = StoreLayout(root: directory)
        let parts = Parts(layout: layout, configuration: configuration)
        func make(_ role: Role) -> ContextStore {
            ContextStore(directory: directory, configuration: configuration, layout: layout, parts: parts, role: role)
        }
        if mode == .readOnly {
            try Recovery.requireExisting(layout)
            return make(.follower(try Follower(layout: layout, view: parts.view, pins: parts.pins, limits: Follower.Limits(configuration)), forwarding: nil))
        }
        // Checked before anything is created: not even a LOCK file for a mistyped path.
        if !configuration.createIfMissing { try Recovery.requireExisting(layout) }
        do throws(IOError) { try FileSystem.makeDirectories(directory) } catch { throw StoreError(error) }
        let lock: DirectoryLock
        do throws(DirectoryLock.Failure) {
            lock = try DirectoryLock(path: layout.lock)
        } catch {
            switch error {
            case let .io(e): throw StoreError(e)
            case let .held(pid):
                guard configuration.forwardWrites else { throw .locked(path: directory, holderPID: pid) }
                let follower = try waitForManifest(layout, configuration) { () throws(StoreError) in
                    try Follower(layout: layout, view: parts.view, pins: parts.pins, limits: Follower.Limits(configuration))
                }
                return make(.follower(follower, forwarding: WriteClient(socketPath: layout.socket)))
            }
        }
        parts.holding.withLock { $0 = true }
        let holder = try StoreHolder(lock: lock, layout: layout, configuration: configuration, view: parts.view,
                                     retired: parts.retired)
        let store = make(.holder(holder))
        store.serve(holder)
        return store
    }

    /// `load()`, retried while the holder is creating the store (its MANIFEST is not there
    /// yet), for up to `forwardingWaitMilliseconds`.
    private static func waitForManifest(_ layout: StoreLayout, _ configuration: Configuration,
                                        _ load: () throws(StoreError) -> Follower) throws(StoreError) -> Follower {
        let deadline = monotonicNanoseconds() + UInt64(configuration.forwardingWaitMilliseconds) * 1_000_000
        while true {
            do throws(StoreError) { return try load() } catch {
                guard case .noStore = error, monotonicNanoseconds() < deadline else { throw error }
                sleepNanoseconds(10_000_000)
            }
        }
    }

    /// Throws `.closed` once `close()` has run: the first line of every public method.
    func checkOpen() throws(StoreError) {
        if isClosed.load(ordering: .acquiring) { throw .closed }
    }

    /// Writes new versions of segments (each supersedes any earlier one with the same
    /// project and id). All segments are validated first: if one is invalid nothing is written.
    /// Token counts are filled in where the cached ones cannot be trusted (Docs/FORMAT.md section 1).
    /// Returns once the records are written (and synced, with the default durability).
    ///
    /// On a forwarding handle the holder does all of this, and the call returns once the
    /// holder acknowledged the write and this handle's view has caught up with it.
    ///
    /// - Throws: `.invalidSegment` (nothing written), `.tokenizerUnavailable`,
    ///   `.readOnlyAfterFailure`, `.diskFull`, `.io`, `.closed`, `.readOnlyHandle` (a
    ///   `.readOnly` handle), `.notAcknowledged` (the holder died with the write in flight).
    ///
    /// Cost: validation, token counting, encoding and text analysis on the caller's task
    /// (spread over the cores for large inputs), then one group commit shared with
    /// concurrent writers.
    public func put(_ segments: [ContextSegment]) async throws(StoreError) {
        try checkOpen()
        if segments.isEmpty { return }
        try await put(segments, prepared: nil)
    }

    /// `put(segments)` with the local preparation done already (nil: none was).
    func put(_ segments: [ContextSegment], prepared: [WriteOperation]?) async throws(StoreError) {
        try checkOpen()
        guard try await forwarded(.put(segments)) == nil else { return }
        let ops: [WriteOperation]
        if let prepared { ops = prepared } else { ops = try prepare(segments) }
        _ = try await submit(to: try localWriter(), ops)
    }

    /// Everything a write does before the writer (on the caller's thread): validation,
    /// token counts, record encoding, text analysis.
    func prepare(_ segments: [ContextSegment]) throws(StoreError) -> [WriteOperation] {
        for s in segments {
            do throws(SegmentValidationError) { try s.validate() } catch {
                throw .invalidSegment(segmentID: s.segmentID, error)
            }
        }
        var segments = segments
        let chunks = SystemInfo.workChunks(segments)
        try tokens.prepare(&segments, chunks: chunks)
        // Encoding and analysis are independent per segment: spread over the cores for
        // large inputs (imports, big puts), in place, each iteration owning a range.
        let n = segments.count
        let logFileVersion = configuration.logFileVersion
        let ops = [WriteOperation](unsafeUninitializedCapacity: n) { buffer, count in
            nonisolated(unsafe) let base = buffer.baseAddress!
            segments.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let input = input
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for i in c * n / chunks ..< (c + 1) * n / chunks {
                        let s = input[i]
                        (base + i).initialize(to: .init(projectID: s.projectID, record: EncodedRecord(.put(s), fileVersion: logFileVersion),
                                                        index: .put(s, AnalyzedText(s.text))))
                    }
                }
            }
            count = n
        }
        for (i, op) in ops.enumerated() where op.record.body.count > SegmentLimits.maxRecordBytes {
            throw .invalidSegment(segmentID: segments[i].segmentID, .tooLarge(
                field: "segment", bytes: op.record.body.count, limit: SegmentLimits.maxRecordBytes))
        }
        return ops
    }

    /// Writes one segment: `put([segment])`, with the same errors and costs.
    public func put(_ segment: ContextSegment) async throws(StoreError) {
        try await put([segment])
    }

    /// Writes tombstones for the ids that are live in the project; returns what was
    /// deleted and which ids were not live (unknown, or deleted already). Nothing is
    /// written for those, so deleting in a project that does not exist creates nothing.
    ///
    /// - Throws: `.readOnlyAfterFailure`, `.diskFull`, `.io`, `.closed`, `.readOnlyHandle`,
    ///   `.notAcknowledged`.
    ///
    /// Cost: one index lookup per id, then one group commit.
    @discardableResult
    public func delete(project: String, ids: [String]) async throws(StoreError) -> DeleteReport {
        try checkOpen()
        if let reply = try await forwarded(.delete(project: project, ids: ids)) {
            guard case let .deleted(report) = reply else { throw Self.unexpected(reply) }
            return report
        }
        let writer = try localWriter()
        var report = DeleteReport()
        var seen = Set<ByteKey>()
        let pair = try view.loadedIndex(project: project)
        for id in ids where seen.insert(ByteKey(id)).inserted {
            if try pair?.checkedRead({ $0.locate(id) }) != nil { report.deleted.append(id) } else { report.notLive.append(id) }
        }
        _ = try await submit(to: writer, report.deleted.map {
            .init(projectID: project, record: EncodedRecord(.delete(segmentID: $0)), index: .delete($0))
        })
        return report
    }

    /// A barrier: when it returns, everything acknowledged before it is durable, whatever
    /// the durability mode (on a forwarding handle: everything the holder acknowledged).
    ///
    /// - Throws: `.readOnlyAfterFailure` (the sync failed), `.io`, `.closed`, `.readOnlyHandle`,
    ///   `.notAcknowledged`.
    ///
    /// Cost: one `fdatasync` per file written since the last sync (none if all is synced).
    public func sync() async throws(StoreError) {
        try checkOpen()
        guard try await forwarded(.sync) == nil else { return }
        let writer = try localWriter()
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<[RecordLocation], StoreError>, Never>) in
            writer.submit(.sync { c.resume(returning: $0) })
        }
        _ = try result.get()
    }

    func submit(to writer: WriteQueue, _ ops: [WriteOperation]) async throws(StoreError) -> [RecordLocation] {
        if ops.isEmpty { return [] }
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<[RecordLocation], StoreError>, Never>) in
            writer.submit(.append(ops, chain: nil) { c.resume(returning: $0) })
        }
        // The writer read index files to find the ids it supersedes.
        noteMappedReads(ops.count)
        return try result.get()
    }

    /// The live segments of a project (newest version of each id, deletes applied), in the
    /// order of their latest write. Reads the project's log files; the index (which makes
    /// this unnecessary for search and get) comes with the index files.
    ///
    /// Synchronous: it reads memory-mapped files on the calling thread and never waits for
    /// the writer. An unknown project gives `[]`.
    ///
    /// - Throws: `.corruption`, `.io`, `.closed`.
    ///
    /// Cost: reads and decompresses every record of the project's log (superseded ones
    /// included); memory holds the live segments.
    public func scan(project: String) throws(StoreError) -> [ContextSegment] {
        try checkOpen()
        guard let (snap, pin) = try view.loadedSnapshot(project: project) else { return [] }
        defer { pin.release() }
        var live: [ByteKey: (seq: UInt64, segment: ContextSegment)] = [:]
        try forEachRecord(snap) { record in
            let key = ByteKey(record.record.segmentID)
            // Files are in log order, so records come in sequence order.
            switch record.record {
            case let .put(s): live[key] = (record.seq, s)
            case .delete: live[key] = nil
            }
        }
        return live.values.sorted { $0.seq < $1.seq }.map(\.segment)
    }

    /// Every record of a project's log in sequence order (puts and deletes).
    func forEachRecord(_ snap: ProjectSnapshot, _ body: (SequencedRecord) throws(StoreError) -> Void) throws(StoreError) {
        for file in snap.files {
            let path = layout.logFile(project: snap.number, file: file.number)
            let reader: LogFileReader
            do throws(IOError) { reader = try LogFileReader(path: path, size: file.size) } catch { throw StoreError(error) }
            try reader.forEachBatch(projectID: snap.projectID) { _, records throws(StoreError) in
                for r in records { try body(r) }
            }
        }
    }

    /// Rewrites every project's index files and logs into one of each, dropping superseded
    /// and deleted records (after sealing what is in memory). Readers and writers go on
    /// meanwhile; `progress` gets (bytes done, bytes total) of the logs being read.
    ///
    /// The compaction runs on the compaction thread, never on the caller's actor;
    /// `progress` is called on the caller's isolation (`isolation`, by default the caller's
    /// actor), in the order the compaction reported, so it may mutate the actor's state.
    /// Every report has been delivered when `compact` returns (unless the calling task is
    /// cancelled: then the reports still pending are dropped). On a forwarding handle the
    /// holder compacts, and `progress` is not called.
    ///
    /// - Throws: `.closed` (also when the store closes meanwhile), `.diskFull`, `.io`,
    ///   `.corruption`, `.readOnlyHandle`, `.notAcknowledged`.
    ///
    /// Cost: reads every live log byte once and writes the live records once (throttled by
    /// `Configuration.compactionBytesPerSecond`); memory stays flat.
    @discardableResult
    public func compact(isolation: isolated (any Actor)? = #isolation,
                        progress: ((Int64, Int64) -> Void)? = nil) async throws(StoreError) -> CompactionReport {
        try checkOpen()
        if let reply = try await forwarded(.compact) {
            guard case let .compacted(report) = reply else { throw Self.unexpected(reply) }
            return report
        }
        let holder = try localHolder()
        var deliver: ((CompactionProgress) -> Void)? = nil
        if let progress { deliver = { p in progress(p.done, p.total) } }
        let work: @Sendable ((@Sendable (CompactionProgress) -> Void)?) async -> Result<CompactionReport, StoreError> = {
            report in
            do throws(StoreError) {
                var progress: Compactor.Progress? = nil
                if let report { progress = { done, total in report(CompactionProgress(done: done, total: total)) } }
                try await holder.writer.perform { state throws(StoreError) in try state.sealAll() }
                return .success(try await holder.compactor.compactAll(progress: progress))
            } catch {
                return .failure(error)
            }
        }
        let result = await OffCaller.run(progress: deliver, work)
        return try result.get()
    }

    /// Project ids with at least one record, in creation order.
    ///
    /// - Throws: `.closed`. Cost: a copy of the project list under the read view's lock (never waits for the writer).
    public func projectIDs() throws(StoreError) -> [String] {
        try checkOpen()
        return view.projectIDs()
    }

    /// Stops the writer after everything queued is written and synced, and releases the lock
    /// (a holder); closes the connection to the holder (a forwarder). In every role the
    /// handle then lets go of the files it read: no index or log file stays mapped or open
    /// (a read still running keeps what it holds until it returns), whether or not the
    /// handle is still referenced. Later calls fail with `.closed` (the statistics stay
    /// readable). Idempotent.
    ///
    /// Returns nil after a clean close. A holder whose close could not finish cleanly (an
    /// I/O error while syncing or sealing at close, or a store already read-only after an
    /// earlier failure) returns `.readOnlyAfterFailure` with the cause: what was
    /// acknowledged is durable all the same, and the next open recovers the rest, but the
    /// user should hear of it (the CLI prints it and exits with status 1).
    ///
    /// Cost: blocks the calling thread until the writer has synced and the compaction
    /// thread has stopped (a running compaction job is abandoned at its next step).
    @discardableResult
    public func close() -> StoreError? {
        // Forwarded writes already running finish (through this handle's calls, so before
        // it counts as closed) and are answered; then nothing new is taken.
        takeoverLock.withLock {
            if case let .holder(h) = roles.withLock({ $0 }) { h.stopServing() }
        }
        isClosed.store(true, ordering: .releasing)
        let cause = takeoverLock.withLock { () -> String? in
            switch roles.withLock({ $0 }) {
            case let .holder(h): return h.close()
            case let .follower(_, client): client?.close(); return nil
            }
        }
        pins.releaseAll()
        view.release()
        logMaps.removeAll()
        return cause.map { .readOnlyAfterFailure(cause: $0) }
    }

    deinit {
        close()
    }
}
