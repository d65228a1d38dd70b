import Dispatch

/// What `delete` did: ids in the order asked, each once (compared by UTF-8 bytes).
public struct DeleteReport: Sendable, Equatable {
    /// Ids that were live and are now deleted (durably, when `delete` returns).
    public var deleted: [String] = []
    /// Ids with no live segment in the project: nothing was written for them.
    public var notLive: [String] = []
}

/// An open store: one directory, many projects, one writing handle at a time.
///
/// Writes (`put`, `delete`) are `async`: they return once the records are written and,
/// with the default durability, synced; concurrent callers share one write and one sync.
/// Reads (`scan`) work on a snapshot of acknowledged data and never wait for the writer.
///
/// ```swift
/// let store = try ContextStore.open(directory: "/tmp/ctx")
/// try await store.put([segment])
/// let live = try store.scan(project: "p")
/// store.close()
/// ```
public final class ContextStore: Sendable {
    public let directory: String
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

    private init(directory: String, configuration: Configuration, lock: DirectoryLock,
                 writer: WriteQueue, view: ReadView, logMaps: LogMapCache, report: RecoveryReport) {
        self.directory = directory
        self.configuration = configuration
        self.layout = StoreLayout(root: directory)
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
    ///   disk was changed; `.unsupportedVersion`, `.notAStore`, `.io`.
    public static func open(directory: String, configuration: Configuration = Configuration()) throws(StoreError) -> ContextStore {
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
        return ContextStore(directory: directory, configuration: configuration, lock: lock,
                            writer: WriteQueue(state: state), view: view, logMaps: logMaps, report: recovered.report)
    }

    /// Writes new versions of segments (each supersedes any earlier one with the same
    /// project and id). All segments are validated first: if one is invalid nothing is written.
    /// Token counts are filled in where the cached ones cannot be trusted (Docs/FORMAT.md section 1).
    @discardableResult
    public func put(_ segments: [ContextSegment]) async throws(StoreError) -> [RecordLocation] {
        try await submit(try prepare(segments))
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

    @discardableResult
    public func put(_ segment: ContextSegment) async throws(StoreError) -> RecordLocation {
        try await put([segment])[0]
    }

    /// Writes tombstones for the ids that are live in the project; returns what was
    /// deleted and which ids were not live (unknown, or deleted already). Nothing is
    /// written for those, so deleting in a project that does not exist creates nothing.
    @discardableResult
    public func delete(project: String, ids: [String]) async throws(StoreError) -> DeleteReport {
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
    public func sync() async throws(StoreError) {
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
    public func scan(project: String) async throws(StoreError) -> [ContextSegment] {
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
    @discardableResult
    public func compact(progress: (@Sendable (Int64, Int64) -> Void)? = nil) async throws(StoreError) -> CompactionReport {
        try await writer.perform { state throws(StoreError) in try state.sealAll() }
        return try await compactor.compactAll(progress: progress)
    }

    /// Compaction counters since open, and the last background job's failure if any.
    public var compactionStatistics: (report: CompactionReport, lastError: StoreError?) { compactor.statistics }

    /// Project ids with at least one record, in creation order.
    public func projectIDs() -> [String] {
        view.allProjects().map(\.projectID)
    }

    /// Stops the writer after everything queued is written and synced, and releases the lock.
    /// Later calls fail with `.closed`.
    public func close() {
        compactor.stop()
        writer.close()
        directoryLock.release()
    }

    deinit {
        close()
    }

    /// Writer counters (groups, writes, syncs): group commit is observable.
    public var writeStatistics: (groups: Int, writes: Int, syncs: Int, records: Int) {
        let s = view.statistics
        return (s.groups, s.writes, s.syncs, s.records)
    }
}
