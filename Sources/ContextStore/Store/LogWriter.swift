/// The store's single writer path. Callers enqueue requests; one background thread takes
/// everything queued, encodes it into batches, writes each touched project's log with one
/// `pwrite`, syncs each touched file once, publishes the manifest if files were created or
/// sealed, and only then completes the requests (group commit).
///
/// Thread model: `queue`, `closing`, `failure` and `published` are guarded by `lock`; the
/// writer-owned state (`state`) is touched only by the writer thread (and by `init`, before
/// the thread starts). No I/O happens while `lock` is held.
final class LogWriter: @unchecked Sendable {
    typealias Completion = @Sendable (Result<[RecordLocation], StoreError>) -> Void

    struct Operation: Sendable {
        var projectID: String
        var record: EncodedRecord
        /// What the index applies once the record is written (analyzed on the caller's thread).
        var index: IndexOperation
    }

    enum IndexOperation: Sendable {
        case put(ContextSegment, AnalyzedText)
        case delete(String)
    }

    enum Request {
        case append([Operation], Completion)
        case sync(Completion)
        /// Runs on the writer thread, in queue order with the appends (writer-state work:
        /// planning and installing compactions, sealing, imports). Completes itself.
        /// `importID` names the import transaction it belongs to, if any.
        case control(importID: UInt64?, @Sendable (LogWriter) -> Void)
    }

    /// What readers see of a project: its files and how many bytes of each hold whole,
    /// acknowledged batches.
    struct ProjectSnapshot: Sendable {
        var number: UInt64
        var projectID: String
        var files: [(number: UInt32, size: Int64)]
    }

    /// Counters for tests and benchmarks (group commit is observable).
    struct Statistics: Sendable, Equatable {
        var groups = 0
        var writes = 0
        var syncs = 0
        var records = 0
        var manifestPublishes = 0
        var seals = 0
        var compactions = 0
    }

    let layout: StoreLayout
    let configuration: Configuration
    let lifetimes: FileLifetimes
    /// Working-tier segments, updated here in log order (so it never holds a stale version).
    let activeTier: ActiveTierCache

    private let lock = ConditionLock()
    private var queue: [Request] = []
    private var closing = false
    private var stopped = false
    private var failure: String? = nil
    private var published: [ByteKey: ProjectSnapshot] = [:]
    /// A copy of `stats` for other threads, refreshed after each group or control request.
    private var publishedStats = Statistics()
    private var publishedIndexes: [ByteKey: IndexPair] = [:]
    var stats = Statistics()

    // Writer-thread state: touched only on the writer thread (by `write` and by `.control`
    // requests, which the extensions in LogWriter+*.swift implement).
    struct ActiveFile {
        var handle: FileHandle
        var state: ActiveFileState
        var dirty = false
    }
    var manifest: Manifest
    var projectIndex: [ByteKey: Int] = [:]
    var active: [Int: ActiveFile] = [:]
    var indexes: [Int: IndexPair] = [:]
    var nextSeq: UInt64
    /// The open import transaction, if any: while it is open, requests that are not its
    /// own wait in `deferred`, and run, in order, once it commits or rolls back.
    var importStaging: ImportStaging? = nil
    private var deferred: [Request] = []
    private var nextImportID: UInt64 = 1
    private var lastSyncNanos = monotonicNanoseconds()

    init(layout: StoreLayout, configuration: Configuration, recovered: Recovery.Result,
         indexes loaded: [ByteKey: IndexPair], lifetimes: FileLifetimes) throws(StoreError) {
        self.layout = layout
        self.configuration = configuration
        self.lifetimes = lifetimes
        self.activeTier = ActiveTierCache(maxSegments: configuration.activeTierMaxSegments,
                                          maxBytes: configuration.activeTierMaxBytes)
        self.manifest = recovered.manifest
        self.nextSeq = recovered.maxSequence + 1
        for (i, p) in manifest.projects.enumerated() {
            projectIndex[ByteKey(p.projectID)] = i
            guard let st = recovered.active[p.number] else { continue }
            let path = layout.logFile(project: p.number, file: st.number)
            do throws(IOError) {
                active[i] = ActiveFile(handle: try FileHandle.openReadWrite(path), state: st)
            } catch { throw StoreError(error) }
            published[ByteKey(p.projectID)] = snapshot(of: i)
            if let pi = loaded[ByteKey(p.projectID)] {
                indexes[i] = pi
                publishedIndexes[ByteKey(p.projectID)] = pi
            }
        }
        startThread { [self] in self.run() }
    }

    // MARK: - Caller side

    func submit(_ request: Request) {
        let rejected: (StoreError, Completion)? = lock.withLock {
            if closing { return (.closed, request.completion) }
            if let f = failure { return (.readOnlyAfterFailure(cause: f), request.completion) }
            queue.append(request)
            lock.broadcast()
            return nil
        }
        if let (error, completion) = rejected { completion(.failure(error)) }
    }

    func snapshot(project: String) -> ProjectSnapshot? {
        lock.withLock { published[ByteKey(project)] }
    }

    /// A project's files with a pin that keeps them on disk until released (taken under
    /// the lock that publishes snapshots, so a compaction cannot retire them in between).
    func pinnedSnapshot(project: String) -> (ProjectSnapshot, FilePin)? {
        lock.withLock {
            guard let s = published[ByteKey(project)] else { return nil }
            return (s, lifetimes.pin(s.files.map { FileLifetimes.Key(project: s.number, file: $0.number) }))
        }
    }

    /// Replaces a project's published snapshot (writer thread).
    func republish(_ p: Int) {
        let s = snapshot(of: p)
        lock.withLock { published[ByteKey(s.projectID)] = s }
    }

    /// Publishes a project's index pair for readers (writer thread).
    func publishIndex(_ p: Int) {
        let pair = indexes[p]!
        lock.withLock { publishedIndexes[ByteKey(pair.projectID)] = pair }
    }

    /// Runs `body` on the writer thread and returns its result (`importID`: as part of
    /// that import transaction; other requests wait while an import is open).
    func perform<T: Sendable>(importID: UInt64? = nil,
                              _ body: @escaping @Sendable (LogWriter) throws(StoreError) -> T) async throws(StoreError) -> T {
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<T, StoreError>, Never>) in
            submitControl(importID: importID, body) { c.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Opens an import transaction (writer thread); returns its id.
    func importBegin() -> UInt64 {
        let id = nextImportID
        nextImportID += 1
        importStaging = ImportStaging(id: id, nextProjectNumber: manifest.nextProjectNumber)
        return id
    }

    /// `perform` for threads that are not in a task (the compactor): blocks until done.
    func performBlocking<T: Sendable>(_ body: @escaping @Sendable (LogWriter) throws(StoreError) -> T) throws(StoreError) -> T {
        let done = ConditionLock()
        nonisolated(unsafe) var result: Result<T, StoreError>? = nil
        submitControl(importID: nil, body) { r in done.withLock { result = r; done.broadcast() } }
        let r = done.withLock { () -> Result<T, StoreError> in
            while result == nil { done.wait() }
            return result!
        }
        return try r.get()
    }

    private func submitControl<T: Sendable>(importID: UInt64? = nil, _ body: @escaping @Sendable (LogWriter) throws(StoreError) -> T,
                                            _ completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        let rejected: StoreError? = lock.withLock {
            if closing { return .closed }
            if let f = failure { return .readOnlyAfterFailure(cause: f) }
            queue.append(.control(importID: importID) { w in
                if let f = w.lock.withLock({ w.failure }) { return completion(.failure(.readOnlyAfterFailure(cause: f))) }
                do throws(StoreError) { completion(.success(try body(w))) } catch {
                    if case .io = error { w.fail(error) }
                    completion(.failure(error))
                }
            })
            lock.broadcast()
            return nil
        }
        if let e = rejected { completion(.failure(e)) }
    }

    /// Makes the store read-only after a write path failed half-way (writer thread).
    func fail(_ error: StoreError) {
        let cause = error.description
        lock.withLock { if failure == nil { failure = cause } }
        if importStaging != nil {
            // The import can no longer commit: discard it, and let the requests it held
            // back run (they fail the same way).
            importRollback()
            let waiting = deferred
            deferred = []
            lock.withLock { queue.insert(contentsOf: waiting, at: 0) }
        }
    }

    func index(project: String) -> IndexPair? {
        lock.withLock { publishedIndexes[ByteKey(project)] }
    }

    func allIndexes() -> [IndexPair] {
        lock.withLock { Array(publishedIndexes.values) }.sorted { $0.number < $1.number }
    }

    func allProjects() -> [ProjectSnapshot] {
        lock.withLock { Array(published.values) }.sorted { $0.number < $1.number }
    }

    var statistics: Statistics { lock.withLock { publishedStats } }

    /// Stops the thread after everything queued is written and synced.
    func close() {
        lock.withLock {
            closing = true
            lock.broadcast()
            while !stopped { lock.wait() }
        }
    }

    // MARK: - Writer thread

    private func run() {
        while true {
            var group: [Request] = []
            var shouldStop = false
            var periodicDue = false
            lock.withLock {
                while queue.isEmpty && !closing {
                    if case let .periodic(ms) = configuration.durability {
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
                if importStaging != nil {  // an import left open at close never happened
                    importRollback()
                    let waiting = deferred
                    deferred = []
                    process(waiting)
                }
                syncForClose()
                let s = stats
                lock.withLock { publishedStats = s; stopped = true; lock.broadcast() }
                return
            }
            if group.isEmpty {
                if periodicDue { periodicSync() }
                continue
            }
            process(group)
        }
    }

    /// Runs a group in order: runs of appends and syncs are written together (group
    /// commit); control requests run between them.
    private func process(_ group: [Request]) {
        var run: [Request] = []
        var pending = group[...]
        while let r = pending.popFirst() {
            if let staging = importStaging {
                // Only the open import's own requests run; the rest wait their turn.
                guard case let .control(id, body) = r, id == staging.id else { deferred.append(r); continue }
                body(self)
                if importStaging == nil {  // committed or rolled back: the waiting go first
                    pending = deferred[...] + pending
                    deferred = []
                }
                continue
            }
            if case let .control(_, body) = r {
                if !run.isEmpty { processAppends(run); run = [] }
                body(self)
            } else {
                run.append(r)
            }
        }
        if !run.isEmpty { processAppends(run) }
        let s = stats
        lock.withLock { publishedStats = s }
    }

    private func processAppends(_ group: [Request]) {
        if let f = lock.withLock({ failure }) {
            for r in group { r.completion(.failure(.readOnlyAfterFailure(cause: f))) }
            return
        }
        var results: [Result<[RecordLocation], StoreError>] = []
        do throws(StoreError) {
            results = try write(group)
        } catch {
            let cause = error.description
            lock.withLock { failure = cause }
            for r in group { r.completion(.failure(error)) }
            return
        }
        for (r, result) in zip(group, results) { r.completion(result) }
    }

    private struct Frame {
        var bytes: [UInt8] = []
        var recordCount = 0
        var firstSeq: UInt64 = 0
        var lastSeq: UInt64 = 0
    }

    /// Writes one group; returns each request's locations. Throws on an I/O failure.
    private func write(_ group: [Request]) throws(StoreError) -> [Result<[RecordLocation], StoreError>] {
        var manifestDirty = false
        var touched: [Int] = []
        var builders: [Int: BatchBuilder] = [:]
        var frames: [Int: [Frame]] = [:]
        var refs: [[(project: Int, frame: Int, index: Int)]] = []
        var wantsSync = false
        var recordCount = 0

        func close(_ p: Int) {
            guard var b = builders[p], !b.isEmpty else { return }
            var f = Frame(recordCount: b.recordCount, firstSeq: b.firstSeq, lastSeq: b.lastSeq)
            b.finish(appendingTo: &f.bytes)
            frames[p, default: []].append(f)
            builders[p] = b
        }

        for request in group {
            switch request {
            case .sync, .control:  // `process` keeps control requests out of append runs
                wantsSync = true
                refs.append([])
            case let .append(ops, _):
                var mine: [(Int, Int, Int)] = []
                mine.reserveCapacity(ops.count)
                for op in ops {
                    let p = try projectSlot(op.projectID, manifestDirty: &manifestDirty)
                    if builders[p] == nil {
                        builders[p] = BatchBuilder()
                        touched.append(p)
                    }
                    builders[p]!.append(seq: nextSeq, record: op.record)
                    nextSeq += 1
                    recordCount += 1
                    mine.append((p, frames[p]?.count ?? 0, builders[p]!.recordCount - 1))
                    if builders[p]!.uncompressedSize >= configuration.batchTargetBytes { close(p) }
                }
                refs.append(mine)
            }
        }
        for p in touched { close(p) }

        // Place frames in files (rolling where a file would pass its size), one pwrite per
        // project and file.
        var frameLocations: [Int: [(file: UInt32, offset: Int64)]] = [:]
        for p in touched {
            var buffer: [UInt8] = []
            var bufferStart = active[p]!.state.size
            func flush() throws(StoreError) {
                guard !buffer.isEmpty else { return }
                do throws(IOError) { try active[p]!.handle.write(buffer, at: bufferStart) } catch { throw StoreError(error) }
                stats.writes += 1
                active[p]!.dirty = true
                buffer.removeAll(keepingCapacity: true)
            }
            for frame in frames[p] ?? [] {
                let used = active[p]!.state.size
                if used + Int64(frame.bytes.count) > Int64(configuration.logFileSize)
                    && used > Int64(LogFormat.fileHeaderSize) {
                    try flush()
                    try roll(p)
                    manifestDirty = true
                    bufferStart = active[p]!.state.size
                }
                frameLocations[p, default: []].append((active[p]!.state.number, active[p]!.state.size))
                buffer.append(contentsOf: frame.bytes)
                var st = active[p]!.state
                if st.recordCount == 0 { st.firstSeq = frame.firstSeq }
                st.lastSeq = frame.lastSeq
                st.recordCount += UInt64(frame.recordCount)
                st.size += Int64(frame.bytes.count)
                active[p]!.state = st
            }
            try flush()
        }

        let syncNow: Bool
        switch configuration.durability {
        case .syncEachBatch: syncNow = true
        case let .periodic(ms): syncNow = wantsSync || monotonicNanoseconds() - lastSyncNanos >= UInt64(ms) * 1_000_000
        case .buffered: syncNow = wantsSync
        }
        if syncNow { try syncDirtyFiles() }
        if manifestDirty { try publishManifest() }

        stats.groups += 1
        stats.records += recordCount
        let locations: [[RecordLocation]] = refs.map { mine in
            mine.map { ref in
                let loc = frameLocations[ref.project]![ref.frame]
                return RecordLocation(fileNumber: loc.file, batchOffset: loc.offset, index: ref.index)
            }
        }
        applyToIndexes(group, refs: refs, locations: locations)
        let snapshots = touched.map { (ByteKey(manifest.projects[$0].projectID), snapshot(of: $0)) }
        let newIndexes = touched.map { (ByteKey(manifest.projects[$0].projectID), indexes[$0]!) }
        lock.withLock {
            for (k, s) in snapshots { published[k] = s }
            for (k, x) in newIndexes { publishedIndexes[k] = x }
        }
        for p in touched where needsSeal(indexes[p]!.writerView.memtable) { try seal(p) }
        return zip(group, locations).map { request, locs in
            if case .sync = request { return .success([]) }
            return .success(locs)
        }
    }

    /// Applies a written group to the projects' memtables (both copies of each pair).
    private func applyToIndexes(_ group: [Request], refs: [[(project: Int, frame: Int, index: Int)]],
                                locations: [[RecordLocation]]) {
        var byProject: [Int: [(IndexOperation, RecordLocation)]] = [:]
        var order: [Int] = []
        for (r, request) in group.enumerated() {
            guard case let .append(ops, _) = request else { continue }
            for (i, op) in ops.enumerated() {
                let p = refs[r][i].project
                if byProject[p] == nil { order.append(p) }
                byProject[p, default: []].append((op.index, locations[r][i]))
            }
        }
        for p in order {
            let ops = byProject[p]!
            indexes[p]!.write { pi in
                for (op, loc) in ops {
                    switch op {
                    case let .put(s, analyzed): pi.applyPut(s, analyzed: analyzed, location: loc)
                    case let .delete(id): pi.applyDelete(id)
                    }
                }
            }
            let projectID = manifest.projects[p].projectID
            for (op, _) in ops {
                switch op {
                case let .put(s, _) where s.tier == .working: activeTier.put(s)
                case let .put(s, _): activeTier.remove(project: projectID, id: s.segmentID)
                case let .delete(id): activeTier.remove(project: projectID, id: id)
                }
            }
        }
    }

    func needsSeal(_ m: MemTable) -> Bool {
        m.textBytes >= configuration.indexSealBytes || m.docCount >= configuration.indexSealDocs
    }

    /// Seals project slot `p`'s memtable: rolls the active log file (so that an index file
    /// always covers whole log files, which compaction rewrites together), writes the
    /// memtable as an index file owning those files (and deletion files for the older index
    /// files its records killed), syncs them, publishes the MANIFEST that names them with
    /// the new `indexedThrough`, then swaps them in. A memtable holding only kills still
    /// gets an (empty) index file, to own its log files.
    func seal(_ p: Int) throws(StoreError) {
        let pi = indexes[p]!.writerView
        let m = pi.memtable
        let project = manifest.projects[p].number
        if active[p]!.state.size > Int64(LogFormat.fileHeaderSize) { try roll(p) }
        let end = LogPosition(file: active[p]!.state.number, offset: Int64(LogFormat.fileHeaderSize))
        let owned = manifest.projects[p].unownedSealedFiles
        let dir = layout.indexDirectory(project)
        var newSealed: SealedSegment? = nil
        var entries = manifest.projects[p].indexes
        var oldDeletionFiles: [String] = []
        var updated: [UInt32: (bitmap: Bitmap, generation: UInt32)] = [:]
        do throws(IOError) {
            try FileSystem.makeDirectory(dir)
            if m.docCount > 0 || !owned.isEmpty {
                let number = manifest.projects[p].nextIndexNumber
                manifest.projects[p].nextIndexNumber += 1
                let path = layout.indexFile(project: project, index: number)
                let h = try FileHandle.createExclusive(path)
                try h.write(IndexFileWriter.encode(m, number: number, project: project), at: 0)
                try h.sync()
                var generation: UInt32 = 0
                if m.deadCount > 0 {
                    generation = 1
                    try writeDeletions(m.dead, docCount: m.docCount, project: project, index: number, generation: 1)
                }
                let seg = try openSegment(path: path, number: number, project: project)
                newSealed = SealedSegment(segment: seg, dead: m.dead, persisted: m.dead,
                                          deleteGeneration: generation, deadCount: m.deadCount)
                entries.append(Manifest.IndexEntry(number: number, docCount: UInt32(m.docCount),
                                                   deleteGeneration: generation, logFiles: owned))
            }
            var kills: [UInt32: [UInt32]] = [:]
            for k in m.kills { kills[k.segment, default: []].append(k.doc) }
            for s in pi.segments {
                guard let docs = kills[s.segment.number] else { continue }
                var bitmap = s.persisted
                for d in docs { bitmap.set(Int(d)) }
                let generation = s.deleteGeneration + 1
                try writeDeletions(bitmap, docCount: s.segment.docCount, project: project, index: s.segment.number, generation: generation)
                if s.deleteGeneration > 0 {
                    oldDeletionFiles.append(layout.deletionFile(project: project, index: s.segment.number, generation: s.deleteGeneration))
                }
                updated[s.segment.number] = (bitmap, generation)
                if let i = entries.firstIndex(where: { $0.number == s.segment.number }) { entries[i].deleteGeneration = generation }
            }
            try FileSystem.syncDirectory(dir)
        } catch { throw StoreError(error) }
        manifest.projects[p].indexes = entries
        manifest.projects[p].indexedThrough = end
        manifest.projects[p].totals = pi.totals
        try publishManifest()
        indexes[p]!.write { $0.installSeal(newSegment: newSealed, updated: updated, next: end) }
        for f in oldDeletionFiles { try? FileSystem.unlink(f) }
        stats.seals += 1
    }

    /// Seals every memtable with content: at a clean close (so the next open replays
    /// nothing), and before a full compaction (so that it covers everything written so far).
    func sealAll() throws(StoreError) {
        for (p, pair) in indexes.sorted(by: { $0.key < $1.key })
            where pair.writerView.memtable.docCount > 0 || !pair.writerView.memtable.kills.isEmpty {
            try seal(p)
        }
    }

    func writeDeletions(_ bitmap: Bitmap, docCount: Int, project: UInt64, index: UInt32, generation: UInt32) throws(IOError) {
        let h = try FileHandle.createTruncating(layout.deletionFile(project: project, index: index, generation: generation))
        try h.write(IndexFileWriter.encodeDeletions(bitmap, docCount: docCount), at: 0)
        try h.sync()
    }

    private func openSegment(path: String, number: UInt32, project: UInt64) throws(IOError) -> IndexSegment {
        do throws(IndexError) {
            return try IndexSegment(path: path, number: number, project: project)
        } catch {
            // We just wrote and synced it: failing to read it back is an I/O problem.
            throw IOError(op: "open index \(StoreError(error))", path: path, errno: EIO)
        }
    }

    /// The slot of a project, creating it (directory, first log file) if new.
    private func projectSlot(_ projectID: String, manifestDirty: inout Bool) throws(StoreError) -> Int {
        let key = ByteKey(projectID)
        if let i = projectIndex[key] { return i }
        let number = manifest.nextProjectNumber
        manifest.nextProjectNumber += 1
        do throws(IOError) {
            try FileSystem.makeDirectory(layout.projectDirectory(number))
            try FileSystem.makeDirectory(layout.logDirectory(number))
        } catch { throw StoreError(error) }
        let i = manifest.projects.count
        manifest.projects.append(Manifest.ProjectEntry(number: number, projectID: projectID, nextFileNumber: 1, files: []))
        projectIndex[key] = i
        try startNewFile(i)
        indexes[i] = IndexPair {
            ProjectIndex(number: number, projectID: projectID, segments: [],
                         memtableStart: LogPosition(file: 1, offset: Int64(LogFormat.fileHeaderSize)),
                         totals: ProjectTotals())
        }
        manifestDirty = true
        return i
    }

    /// Seals the active file of project slot `p` and starts the next one.
    func roll(_ p: Int) throws(StoreError) {
        var current = active[p]!
        do throws(IOError) { try current.handle.sync() } catch { throw StoreError(error) }
        stats.syncs += 1
        let st = current.state
        let entries = manifest.projects[p].files
        manifest.projects[p].files[entries.count - 1] = Manifest.LogFileEntry(
            number: st.number, sealed: true, size: st.size, recordCount: st.recordCount,
            firstSeq: st.firstSeq, lastSeq: st.lastSeq)
        manifest.lastSequence = max(manifest.lastSequence, st.lastSeq)
        current.dirty = false
        active[p] = nil
        try startNewFile(p)
    }

    /// Creates the next log file of slot `p`: header written and synced, directory synced,
    /// before any manifest names it.
    func startNewFile(_ p: Int) throws(StoreError) {
        let project = manifest.projects[p]
        let number = project.nextFileNumber
        let path = layout.logFile(project: project.number, file: number)
        let header = LogFileHeader(fileNumber: number, projectNumber: project.number, storeUUID: manifest.storeUUID)
        let handle: FileHandle
        do throws(IOError) {
            handle = try FileHandle.createExclusive(path)
            try handle.write(header.encode(), at: 0)
            try handle.sync()
            try FileSystem.syncDirectory(layout.logDirectory(project.number))
        } catch { throw StoreError(error) }
        stats.syncs += 1
        manifest.projects[p].nextFileNumber = number + 1
        manifest.projects[p].files.append(Manifest.LogFileEntry(
            number: number, sealed: false, size: 0, recordCount: 0, firstSeq: 0, lastSeq: 0))
        active[p] = ActiveFile(handle: handle, state: ActiveFileState(
            number: number, size: Int64(LogFormat.fileHeaderSize), recordCount: 0, firstSeq: 0, lastSeq: 0))
    }

    func publishManifest() throws(StoreError) {
        manifest.generation += 1
        do throws(IOError) {
            try FileSystem.publishAtomically(ManifestCodec.encode(manifest), to: layout.manifest)
        } catch { throw StoreError(error) }
        stats.manifestPublishes += 1
    }

    private func syncDirtyFiles() throws(StoreError) {
        for (p, f) in active where f.dirty {
            do throws(IOError) { try f.handle.sync() } catch { throw StoreError(error) }
            stats.syncs += 1
            active[p]!.dirty = false
        }
        lastSyncNanos = monotonicNanoseconds()
    }

    private func periodicSync() {
        do throws(StoreError) { try syncDirtyFiles() } catch {
            let cause = error.description
            lock.withLock { failure = cause }
        }
    }

    /// A clean close seals every memtable, so that the next open replays nothing.
    private func syncForClose() {
        if lock.withLock({ failure }) == nil {
            periodicSync()
            do throws(StoreError) {
                try sealAll()
                // Record how far each active file is verified, so the next open scans only
                // what was appended after this clean close.
                var changed = false
                for (p, a) in active {
                    let last = manifest.projects[p].files.count - 1
                    let st = a.state
                    let entry = Manifest.LogFileEntry(number: st.number, sealed: false, size: st.size,
                                                      recordCount: st.recordCount, firstSeq: st.firstSeq, lastSeq: st.lastSeq)
                    if manifest.projects[p].files[last] != entry {
                        manifest.projects[p].files[last] = entry
                        changed = true
                    }
                }
                if changed { try publishManifest() }
            } catch {
                let cause = error.description
                lock.withLock { failure = cause }
            }
        }
        active.removeAll()
    }

    func snapshot(of p: Int) -> ProjectSnapshot {
        let entry = manifest.projects[p]
        var files: [(UInt32, Int64)] = entry.files.filter(\.sealed).map { ($0.number, $0.size) }
        if let a = active[p] { files.append((a.state.number, a.state.size)) }
        return ProjectSnapshot(number: entry.number, projectID: entry.projectID, files: files)
    }
}

extension LogWriter.Request {
    /// The completion of an append or sync (a control request completes itself).
    var completion: LogWriter.Completion {
        switch self {
        case let .append(_, c), let .sync(c): c
        case .control: { _ in }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
