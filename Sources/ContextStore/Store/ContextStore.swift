import Dispatch
import Synchronization

/// One compaction progress report on its way from the compaction thread to the caller.
private struct CompactionProgress: Sendable {
    var done: Int64
    var total: Int64
}

/// An open store: one directory, many projects, one writing handle at a time.
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
    /// What open found and repaired (torn tails cut, orphans removed).
    public let recoveryReport: RecoveryReport

    let layout: StoreLayout
    let writer: WriteQueue
    let view: ReadView
    let compactor: Compactor
    let logMaps: LogMapCache
    let tokens: TokenAccounting
    private let directoryLock: DirectoryLock
    /// Set once by `close()`; every public method checks it first (`checkOpen`).
    private let isClosed = Atomic<Bool>(false)

    private init(directory: String, configuration: Configuration, lock: DirectoryLock,
                 layout: StoreLayout, writer: WriteQueue, view: ReadView, logMaps: LogMapCache, report: RecoveryReport) {
        self.directory = directory
        self.configuration = configuration
        self.layout = layout
        self.directoryLock = lock
        self.writer = writer
        self.view = view
        self.recoveryReport = report
        self.logMaps = logMaps
        self.compactor = Compactor(writer: writer, view: view, layout: layout, configuration: configuration)
        self.tokens = TokenAccounting(encoding: configuration.tokenEncoding, vocabularyDirectory: configuration.vocabularyDirectory)
    }

    /// Opens the store in `directory` (creating it if needed, unless
    /// `configuration.createIfMissing` is false), recovering from any crash.
    ///
    /// - Throws: `.locked` (naming the holder's process) if another handle has it open;
    ///   `.noStore` if there is none and none may be created (nothing is created);
    ///   `.corruption` (with file and offset) if data is damaged, in which case nothing on
    ///   disk was changed; `.invalidConfiguration` (naming the field and its allowed range)
    ///   before anything is touched; `.unsupportedVersion`, `.notAStore`, `.io`.
    ///
    /// Cost: reads the manifest, scans each project's unsealed log tail and loads the index
    /// files (memory-mapped); proportional to the unsealed data, not the store's size.
    /// Starts the writer and compaction threads.
    public static func open(directory: String, configuration: Configuration = Configuration()) throws(StoreError) -> ContextStore {
        try configuration.validate()
        let layout = StoreLayout(root: directory)
        // Checked before anything is created: not even a LOCK file for a mistyped path.
        if !configuration.createIfMissing { try Recovery.requireExisting(layout) }
        do throws(IOError) { try FileSystem.makeDirectories(directory) } catch { throw StoreError(error) }
        let lock: DirectoryLock
        do throws(DirectoryLock.Failure) {
            lock = try DirectoryLock(path: layout.lock)
        } catch {
            switch error {
            case let .held(holder): throw .locked(path: directory, holderPID: holder)
            case let .io(e): throw StoreError(e)
            }
        }
        var recovered = try Recovery.run(layout)
        let indexes = try IndexRecovery.load(layout, manifest: recovered.manifest, active: recovered.active,
                                             report: &recovered.report)
        let logMaps = LogMapCache(layout: layout, minimumLength: configuration.logFileSize)
        // Log files a compaction replaced go once no reader pins them.
        let lifetimes = FileLifetimes { key in
            logMaps.forget(project: key.project, file: key.file)
            try? FileSystem.unlink(layout.logFile(project: key.project, file: key.file))
        }
        let view = ReadView(lifetimes: lifetimes, activeTier: ActiveTierCache(maxSegments: configuration.activeTierMaxSegments,
                                                                             maxBytes: configuration.activeTierMaxBytes))
        let state = try StoreState(layout: layout, configuration: configuration, recovered: recovered,
                                   indexes: indexes, view: view)
        lock.recordHolder()
        return ContextStore(directory: directory, configuration: configuration, lock: lock, layout: layout,
                            writer: WriteQueue(state: state), view: view, logMaps: logMaps, report: recovered.report)
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
    /// - Throws: `.invalidSegment` (nothing written), `.tokenizerUnavailable`,
    ///   `.readOnlyAfterFailure`, `.diskFull`, `.io`, `.closed`.
    ///
    /// Cost: validation, token counting, encoding and text analysis on the caller's task
    /// (spread over the cores for large inputs), then one group commit shared with
    /// concurrent writers.
    public func put(_ segments: [ContextSegment]) async throws(StoreError) {
        try checkOpen()
        _ = try await submit(try prepare(segments))
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
        let ops = [WriteOperation](unsafeUninitializedCapacity: n) { buffer, count in
            nonisolated(unsafe) let base = buffer.baseAddress!
            segments.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let input = input
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for i in c * n / chunks ..< (c + 1) * n / chunks {
                        let s = input[i]
                        (base + i).initialize(to: .init(projectID: s.projectID, record: EncodedRecord(.put(s)),
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
    /// - Throws: `.readOnlyAfterFailure`, `.diskFull`, `.io`, `.closed`.
    ///
    /// Cost: one index lookup per id, then one group commit.
    @discardableResult
    public func delete(project: String, ids: [String]) async throws(StoreError) -> DeleteReport {
        try checkOpen()
        var report = DeleteReport()
        var seen = Set<ByteKey>()
        let pair = view.index(project: project)
        for id in ids where seen.insert(ByteKey(id)).inserted {
            if pair?.read({ $0.locate(id) }) != nil { report.deleted.append(id) } else { report.notLive.append(id) }
        }
        _ = try await submit(report.deleted.map {
            .init(projectID: project, record: EncodedRecord(.delete(segmentID: $0)), index: .delete($0))
        })
        return report
    }

    /// A barrier: when it returns, everything acknowledged before it is durable, whatever
    /// the durability mode.
    ///
    /// - Throws: `.readOnlyAfterFailure` (the sync failed), `.io`, `.closed`.
    ///
    /// Cost: one `fdatasync` per file written since the last sync (none if all is synced).
    public func sync() async throws(StoreError) {
        try checkOpen()
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<[RecordLocation], StoreError>, Never>) in
            writer.submit(.sync { c.resume(returning: $0) })
        }
        _ = try result.get()
    }

    private func submit(_ ops: [WriteOperation]) async throws(StoreError) -> [RecordLocation] {
        if ops.isEmpty { return [] }
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<[RecordLocation], StoreError>, Never>) in
            writer.submit(.append(ops) { c.resume(returning: $0) })
        }
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
        guard let (snap, pin) = view.pinnedSnapshot(project: project) else { return [] }
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
    /// cancelled: then the reports still pending are dropped).
    ///
    /// - Throws: `.closed` (also when the store closes meanwhile), `.diskFull`, `.io`,
    ///   `.corruption`.
    ///
    /// Cost: reads every live log byte once and writes the live records once (throttled by
    /// `Configuration.compactionBytesPerSecond`); memory stays flat.
    @discardableResult
    public func compact(isolation: isolated (any Actor)? = #isolation,
                        progress: ((Int64, Int64) -> Void)? = nil) async throws(StoreError) -> CompactionReport {
        try checkOpen()
        var deliver: ((CompactionProgress) -> Void)? = nil
        if let progress { deliver = { p in progress(p.done, p.total) } }
        let work: @Sendable ((@Sendable (CompactionProgress) -> Void)?) async -> Result<CompactionReport, StoreError> = {
            [self] report in
            do throws(StoreError) {
                var progress: Compactor.Progress? = nil
                if let report { progress = { done, total in report(CompactionProgress(done: done, total: total)) } }
                try await writer.perform { state throws(StoreError) in try state.sealAll() }
                return .success(try await compactor.compactAll(progress: progress))
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
        return view.allProjects().map(\.projectID)
    }

    /// Stops the writer after everything queued is written and synced, and releases the lock.
    /// Later calls fail with `.closed` (the statistics stay readable). Idempotent.
    ///
    /// Cost: blocks the calling thread until the writer has synced and the compaction
    /// thread has stopped (a running compaction job is abandoned at its next step).
    public func close() {
        isClosed.store(true, ordering: .releasing)
        compactor.stop()
        writer.close()
        directoryLock.release()
    }

    deinit {
        close()
    }
}
