/// The writer thread's state of the store: the MANIFEST as last published (plus counters
/// reserved since), each project's slot, its active log file and its index pair, the next
/// sequence number, and the open import, if any. Seal (`Seal.swift`), compaction
/// (`CompactionEdits`) and import commit (`ImportStaging`) produce `StoreEdit`s from it;
/// `apply(_:)` (`StoreState+Apply.swift`) is the only code that publishes them.
///
/// A project's *slot* is its position in `manifest.projects` (slots never move: projects
/// are only appended).
///
/// Thread model: only the writer thread (`WriteQueue`) touches it, and `init` before that
/// thread starts. What readers may see goes out through `view`.
final class StoreState: @unchecked Sendable {
    // Sendable: confined to the writer thread (it crosses into it once, at start).
    let layout: StoreLayout
    let configuration: Configuration
    let view: ReadView
    /// Files this holder retired that a reader process still holds.
    let retired: RetiredFiles

    /// A project's active log file: how far it holds acknowledged batches. Its descriptor
    /// is in `openFiles` while it is among the most recently written (`handle(_:)`).
    struct ActiveFile {
        var state: ActiveFileState
        /// Written since its last sync.
        var dirty = false
    }

    var manifest: Manifest
    private(set) var slotByProjectID: [ByteKey: Int] = [:]
    var active: [Int: ActiveFile] = [:]
    /// When each loaded project (a key of `indexes`) was last used (`loadClock`), to evict
    /// the least recently used beyond `configuration.maxLoadedProjects`.
    private var lastUse: [Int: UInt64] = [:]
    private var loadClock: UInt64 = 0
    /// What loading projects after open found and repaired (rebuilt index files, orphans),
    /// added to the open's report (`StoreHolder.recoveryReport`).
    let lateRecovery: Locked<RecoveryReport>
    /// Descriptors of active files by slot, at most `configuration.maxOpenLogFiles`, with
    /// when each was last used (`useClock`), to close the least recently used.
    private var openFiles: [Int: (handle: FileHandle, used: UInt64)] = [:]
    private var useClock: UInt64 = 0
    var indexes: [Int: IndexPair] = [:]
    var nextSeq: UInt64
    var stats = WriterStatistics()
    var lastSyncNanos = monotonicNanoseconds()
    /// The open import transaction (see `ImportStaging`): while it is set, the write queue
    /// runs only that import's requests.
    var importStaging: ImportStaging? = nil
    /// An install (`apply`) failed after it began changing `manifest` in memory: the
    /// in-memory MANIFEST no longer matches any file, so nothing may be published from it.
    /// The write queue goes read-only (`WriteQueue.fail`); the next open reads the disk.
    var installFailed = false
    /// A MANIFEST was renamed into place but the directory sync after it failed: the new
    /// MANIFEST may be the durable one, so nothing it names may be deleted (a compaction's
    /// or an import's new files stay; the next open keeps or removes them as orphans).
    var manifestInDoubt = false
    var nextImportID: UInt64 = 1
    /// A sync of a log file's data failed: its dirty pages' fate is unknown (the kernel may
    /// have dropped them), so the writer goes read-only whatever else is undone.
    var dataSyncFailed = false

    init(layout: StoreLayout, configuration: Configuration, recovered: Recovery.Result,
         view: ReadView, retired: RetiredFiles, lateRecovery: Locked<RecoveryReport>) throws(StoreError) {
        self.lateRecovery = lateRecovery
        self.layout = layout
        self.configuration = configuration
        self.view = view
        self.retired = retired
        self.manifest = recovered.manifest
        self.nextSeq = recovered.maxSequence + 1
        for (i, p) in manifest.projects.enumerated() {
            slotByProjectID[ByteKey(p.projectID)] = i
            guard let st = recovered.active[p.number] else { continue }
            active[i] = ActiveFile(state: st)
        }
    }

    // MARK: Loading projects

    /// Slot `p`'s index, loaded if it is not (`IndexRecovery.loadProject`: its index files
    /// mapped, its log replayed from `indexedThrough`, published to readers), and marked
    /// used. Every writer path that reads or changes a project's index calls this first.
    /// A project whose index files had to be rebuilt gets a MANIFEST naming none (unless
    /// the writer is read-only: then the next open rebuilds again).
    @discardableResult
    func ensureLoaded(_ p: Int, writable: Bool = true) throws(StoreError) -> IndexPair {
        loadClock += 1
        lastUse[p] = loadClock
        if let pair = indexes[p] { return pair }
        var report = RecoveryReport()
        var rebuilt = false
        let pair: IndexPair
        do throws(StoreError) {
            if active[p] == nil {
                // Not recovered at open (a store of more projects than are kept loaded).
                let state = try Recovery.recoverProject(layout, manifest, manifest.projects[p], writable: writable, report: &report)
                active[p] = ActiveFile(state: state)
                // Its tail may hold sequence numbers past those given out since open.
                nextSeq = max(nextSeq, state.lastSeq + 1)
            }
            pair = try IndexRecovery.loadProject(layout, manifest.projects[p], active: active[p]?.state,
                                                 report: &report, rebuilt: &rebuilt)
        } catch {
            lastUse[p] = nil
            throw error
        }
        indexes[p] = pair
        if rebuilt && writable && !installFailed { try forgetIndexFiles(of: [manifest.projects[p].number]) }
        if !report.rebuiltIndexes.isEmpty || !report.removedOrphans.isEmpty || !report.tornTails.isEmpty {
            lateRecovery.withLock {
                $0.rebuiltIndexes += report.rebuiltIndexes
                $0.removedOrphans += report.removedOrphans
                $0.tornTails += report.tornTails
            }
        }
        republish(p)
        return pair
    }

    /// Evicts the least recently used loaded projects beyond `maxLoadedProjects` (their
    /// memtables are rebuilt from the log when used again; readers holding their index
    /// keep it). Run by the writer between requests, never inside one.
    func evictColdProjects() {
        let bound = configuration.maxLoadedProjects
        guard indexes.count > bound else { return }
        // Down to 7/8 of the bound, so that the sort runs once per many loads, not per load.
        let over = indexes.count - max(1, bound - bound / 8)
        for (p, _) in lastUse.sorted(by: { $0.value < $1.value }).prefix(over) {
            guard indexes.removeValue(forKey: p) != nil else { continue }
            lastUse[p] = nil
            view.evict(manifest.projects[p].projectID)
        }
    }

    /// Slots whose index is loaded (what background compaction looks at: a project not
    /// used since open has not changed).
    var loadedSlots: [Int] { indexes.keys.sorted() }

    /// The descriptor of slot `p`'s active file, opened again if it was closed. Opening
    /// one past `maxOpenLogFiles` closes the least recently used, after syncing it if it
    /// holds unsynced writes (a sync through a later descriptor would flush the data too,
    /// but a writeback error may be reported only to descriptors open when it happened).
    func handle(_ p: Int) throws(StoreError) -> FileHandle {
        useClock += 1
        if let h = openFiles[p]?.handle {
            openFiles[p]!.used = useClock
            return h
        }
        let project = manifest.projects[p]
        let path = layout.logFile(project: project.number, file: active[p]!.state.number)
        try makeRoomForHandle()
        let h: FileHandle
        do throws(IOError) { h = try FileHandle.openReadWrite(path) } catch { throw StoreError(error) }
        openFiles[p] = (h, useClock)
        return h
    }

    /// Adopts the descriptor of a file just created as slot `p`'s active file.
    private func adoptHandle(_ h: FileHandle, for p: Int) throws(StoreError) {
        try makeRoomForHandle()
        useClock += 1
        openFiles[p] = (h, useClock)
    }

    /// Closes the least recently used descriptor while `maxOpenLogFiles` are open, syncing
    /// it first if it holds unsynced writes (while it is still open: a writeback error is
    /// reported to the descriptors open when it happened).
    private func makeRoomForHandle() throws(StoreError) {
        while openFiles.count >= configuration.maxOpenLogFiles,
              let (slot, entry) = openFiles.min(by: { $0.value.used < $1.value.used }) {
            if active[slot]?.dirty == true {
                try syncData(entry.handle)
                active[slot]!.dirty = false
            }
            openFiles[slot] = nil
        }
    }

    /// Syncs a log file's data (counted). A failure sets `dataSyncFailed`: the file's dirty
    /// pages' fate is unknown, so the writer goes read-only whatever else is undone.
    private func syncData(_ h: FileHandle) throws(StoreError) {
        do throws(IOError) { try h.sync() } catch {
            dataSyncFailed = true
            throw StoreError(error)
        }
        stats.syncs += 1
    }

    /// Forgets slot `p`'s descriptor (its active file was rolled): closed once unused.
    private func dropHandle(_ p: Int) { openFiles[p] = nil }

    /// Project slots, in creation order.
    var projectSlots: [Int] { Array(manifest.projects.indices) }

    func slot(of projectID: String) -> Int? { slotByProjectID[ByteKey(projectID)] }

    // MARK: Projects and log files

    /// The slot of a project, creating it if new (directories, first log file, empty
    /// index); `created` tells the caller the MANIFEST must be published.
    func slot(for projectID: String, created: inout Bool) throws(StoreError) -> Int {
        if let i = slot(of: projectID) { return i }
        let number = manifest.nextProjectNumber
        try makeProjectDirectories(number)
        created = true
        return try addProject(Manifest.ProjectEntry(number: number, projectID: projectID, nextFileNumber: 1, files: []))
    }

    /// Creates a new project's directory and its log directory (its index directory comes
    /// with its first index file).
    func makeProjectDirectories(_ number: UInt64) throws(StoreError) {
        do throws(IOError) {
            try FileSystem.makeDirectory(layout.projectDirectory(number))
            try FileSystem.makeDirectory(layout.logDirectory(number))
        } catch { throw StoreError(error) }
    }

    /// Appends a project whose directories exist: its entry (not yet published), a first
    /// active file after `entry.files`, and an empty index pair (an import's new project
    /// gets its index files through the edit that follows).
    func addProject(_ entry: Manifest.ProjectEntry) throws(StoreError) -> Int {
        let i = manifest.projects.count
        manifest.nextProjectNumber = max(manifest.nextProjectNumber, entry.number + 1)
        manifest.projects.append(entry)
        slotByProjectID[ByteKey(entry.projectID)] = i
        try startNewFile(i)
        let start = LogPosition(file: active[i]!.state.number, offset: Int64(LogFormat.fileHeaderSize))
        manifest.projects[i].indexedThrough = start
        let totals = entry.totals
        indexes[i] = IndexPair {
            ProjectIndex(number: entry.number, projectID: entry.projectID, files: [], memtableStart: start, totals: totals)
        }
        loadClock += 1
        lastUse[i] = loadClock
        return i
    }

    /// Seals the active file of slot `p` (synced, its final size and range recorded in the
    /// coming MANIFEST) and starts the next one.
    func roll(_ p: Int) throws(StoreError) {
        let current = active[p]!
        try syncData(try handle(p))
        let last = manifest.projects[p].files.count - 1
        manifest.projects[p].files[last] = current.state.manifestEntry(sealed: true)
        manifest.lastSequence = max(manifest.lastSequence, current.state.lastSeq)
        active[p] = nil
        dropHandle(p)
        try startNewFile(p)
    }

    /// Creates the next log file of slot `p`: header written and synced, directory synced,
    /// before any MANIFEST names it.
    func startNewFile(_ p: Int) throws(StoreError) {
        let project = manifest.projects[p]
        let number = project.nextFileNumber
        let path = layout.logFile(project: project.number, file: number)
        let header = LogFileHeader(fileNumber: number, projectNumber: project.number, storeUUID: manifest.storeUUID,
                                   version: configuration.logFileVersion)
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
        active[p] = ActiveFile(state: ActiveFileState(
            number: number, size: Int64(LogFormat.fileHeaderSize), recordCount: 0, firstSeq: 0, lastSeq: 0,
            version: header.version))
        try adoptHandle(handle, for: p)
    }

    /// Writes the MANIFEST atomically: a temporary file, synced, renamed over the MANIFEST,
    /// then the directory synced. A failure before the rename leaves the old MANIFEST in
    /// force (`manifest` in memory is as it was). A failure of the directory sync after it
    /// leaves the new one in force or not, as the disk decides: `manifestInDoubt` is set
    /// and the error is `.io` whatever its errno, so the writer goes read-only (SPEC.md,
    /// section 5.1).
    func publishManifest() throws(StoreError) {
        var next = manifest
        next.publishNumber += 1
        do throws(FileSystem.PublishFailure) {
            try FileSystem.publishAtomically(ManifestCodec.encode(next), to: layout.manifest)
        } catch {
            switch error {
            case let .notPublished(e): throw StoreError(e)
            case let .inDoubt(e):
                manifest = next
                manifestInDoubt = true
                throw .io(operation: e.op, path: e.path, errno: e.errno)
            }
        }
        manifest = next
        stats.manifestPublishes += 1
    }

    /// Records that the projects `numbers`, whose index files open found damaged or missing
    /// and rebuilt from the log, have no index files: their MANIFEST entries name none, and
    /// the rebuilt memtables start at the first log record. One publish; the old files are
    /// orphans from then on (the next open removes them). Run by a holder at open, before
    /// its writer starts.
    func forgetIndexFiles(of numbers: Set<UInt64>) throws(StoreError) {
        for p in manifest.projects.indices where numbers.contains(manifest.projects[p].number) {
            let rebuilt = indexes[p]!.writerView
            manifest.projects[p].indexes = []
            manifest.projects[p].indexedThrough = rebuilt.memtable.start
            manifest.projects[p].totals = rebuilt.totals
        }
        try publishManifest()
    }

    func syncDirtyFiles() throws(StoreError) {
        for p in active.keys where active[p]!.dirty {
            let h = try handle(p)  // may sync (and clean) another dirty file to make room
            try syncData(h)
            active[p]!.dirty = false
        }
        lastSyncNanos = monotonicNanoseconds()
    }

    // MARK: Undo of a group that failed before its frames were written

    /// What `restore` returns the writer's state to: the MANIFEST in memory, the active
    /// files, and how many projects there were.
    struct Checkpoint {
        let manifest: Manifest
        let active: [Int: ActiveFile]
        let projectCount: Int
    }

    func checkpoint() -> Checkpoint {
        Checkpoint(manifest: manifest, active: active, projectCount: manifest.projects.count)
    }

    /// Forgets the projects created and the files rolled since `c`, none of which a durable
    /// MANIFEST names (the caller restores only after a publish that did not happen). The
    /// numbers they took stay taken, so a later creation never meets their files, which are
    /// orphans the next open removes. A rolled file's old handle is the checkpoint's.
    func restore(_ c: Checkpoint) {
        for slot in c.projectCount..<manifest.projects.count {
            slotByProjectID[ByteKey(manifest.projects[slot].projectID)] = nil
            indexes[slot] = nil
            lastUse[slot] = nil
            active[slot] = nil
        }
        let nextProject = manifest.nextProjectNumber
        let nextFiles = manifest.projects.prefix(c.projectCount).map(\.nextFileNumber)
        manifest = c.manifest
        manifest.nextProjectNumber = nextProject
        for (i, n) in nextFiles.enumerated() { manifest.projects[i].nextFileNumber = n }
        // A descriptor opened on a file made since (a roll's new file, a new project's
        // first) must not take the restored file's writes.
        for slot in Array(openFiles.keys) where c.active[slot]?.state.number != active[slot]?.state.number {
            openFiles[slot] = nil
        }
        active = c.active
    }

    // MARK: Publishing to readers

    /// The files readers may read of slot `p`.
    func snapshot(of p: Int) -> ProjectSnapshot {
        let entry = manifest.projects[p]
        var files: [(UInt32, Int64)] = entry.files.filter(\.sealed).map { ($0.number, $0.size) }
        if let a = active[p] { files.append((a.state.number, a.state.size)) }
        return ProjectSnapshot(number: entry.number, projectID: entry.projectID, files: files)
    }

    /// Publishes slot `p`'s files and index to readers.
    func republish(_ p: Int) {
        view.publish(snapshot(of: p), index: indexes[p])
    }

    func publishStatistics() {
        view.publish(stats)
    }

    // MARK: Close

    /// A clean close: syncs, seals every memtable but small ones (so the next open replays
    /// little: `closeSealMinimumDocs`) and records how far each active file is verified (so
    /// the next open scans only what is appended after it).
    func closeCleanly() throws(StoreError) {
        try syncDirtyFiles()
        try sealAll(minimumDocs: Self.closeSealMinimumDocs)
        var changed = false
        for (p, a) in active {
            let last = manifest.projects[p].files.count - 1
            let entry = a.state.manifestEntry(sealed: false)
            if manifest.projects[p].files[last] != entry {
                manifest.projects[p].files[last] = entry
                changed = true
            }
        }
        if changed { try publishManifest() }
    }

    /// Closes the active files' handles (the last step of a close, clean or not).
    func closeFiles() {
        active.removeAll()
        openFiles.removeAll()
        retired.retry()
    }
}
