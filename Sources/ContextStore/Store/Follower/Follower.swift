/// A read-only view of a store that another process may be writing (SPEC.md, "Readers in
/// other processes"): each project's index files as the MANIFEST names them, plus a
/// memtable of the log from `indexedThrough` to the last whole batch of the active file.
/// It changes nothing on disk (no lock, no cut tail, no removed orphan).
///
/// `refresh` catches up: a project whose MANIFEST entry kept its files and index files only
/// grows, so the batches appended to its active file since are applied to its memtable;
/// any other project (sealed, compacted, rolled, new) is loaded again from its entry.
/// Readers see a project change in one step (`ReadView.publish`): never half a batch, since
/// only whole, checksummed frames are read.
///
/// Files in use are held with shared locks (`ReaderFilePins`) taken before they are mapped;
/// a load that finds a file gone (the holder retired it after our MANIFEST read) reads the
/// MANIFEST again and starts over.
///
/// A view loads projects in MANIFEST order while it has room (`Limits`), and any other on
/// its first read (the `ReadView` loader); beyond the room it drops the least recently
/// loaded, letting go of their files. So a reader of a store of any number of projects
/// holds a bounded number of descriptors and memtables; a store within the bounds is
/// loaded whole at open, as before.
///
/// Thread model: `refresh` and loads are serialized by `lock` (they do I/O under it;
/// readers of loaded projects never take it: they read `view`).
final class Follower: @unchecked Sendable {
    // Sendable: every `var` is touched only under `lock`.
    let layout: StoreLayout
    let view: ReadView
    let pins: ReaderFilePins
    let limits: Limits
    private let lock = ConditionLock()
    private var tracked: [UInt64: Tracked] = [:]
    private var publishNumber: UInt64 = 0
    /// How many of the MANIFEST's projects (a list that only grows, in creation order) the
    /// view's catalog names.
    private var registered = 0
    private var useClock: UInt64 = 0
    /// The MANIFEST last decoded, the identity of its file, and its projects by id: a
    /// publish renames a new file into place, so the same inode means the same MANIFEST,
    /// and refreshes between publishes (most of them) skip decoding it.
    private var lastManifest: (identity: FileSystem.Identity, manifest: Manifest, slots: [ByteKey: Int])?

    /// How much of the store a view keeps loaded.
    struct Limits {
        /// Projects loaded at once (`Configuration.maxLoadedProjects`).
        var maxLoadedProjects: Int
        /// Files held with a shared lock at once, each one descriptor
        /// (`Configuration.maxReaderHeldFiles`, and at most a quarter of `ulimit -n`).
        var maxHeldFiles: Int
        /// Projects loaded at open (`Configuration.projectsLoadedAtOpen`); the rest at first use.
        var loadedAtOpen: Int

        init(maxLoadedProjects: Int, maxHeldFiles: Int, loadedAtOpen: Int = .max) {
            self.maxLoadedProjects = maxLoadedProjects
            self.maxHeldFiles = maxHeldFiles
            self.loadedAtOpen = loadedAtOpen
        }

        init(_ configuration: Configuration) {
            var held = configuration.maxReaderHeldFiles
            if let soft = FileSystem.descriptorLimit() { held = min(held, max(8, soft / 4)) }
            self.init(maxLoadedProjects: configuration.maxLoadedProjects, maxHeldFiles: held,
                      loadedAtOpen: configuration.projectsLoadedAtOpen)
        }
    }

    /// What this view holds of one project.
    private struct Tracked {
        var entry: Manifest.ProjectEntry
        var pair: IndexPair
        /// The active file's end of whole batches applied so far.
        var activeEnd: Int64
        /// When it was last loaded or read through the loader (`useClock`).
        var used: UInt64 = 0
    }

    /// Loads the store's current state (as much of it as `limits` allow) and installs the
    /// view's loader for the rest. Throws `.noStore` where there is no MANIFEST.
    init(layout: StoreLayout, view: ReadView, pins: ReaderFilePins, limits: Limits) throws(StoreError) {
        self.layout = layout
        self.view = view
        self.pins = pins
        self.limits = limits
        try refresh()
        view.installFollowerLoader { [weak self] (id: String) throws(StoreError) -> IndexPair? in
            try self?.loadOnDemand(id)
        }
    }

    /// How many times the MANIFEST may change under one refresh before it gives up.
    private static let attempts = 50

    /// Catches up with everything the holder has acknowledged since the last refresh.
    ///
    /// - Throws: `.corruption`, `.io`, `.unsupportedVersion` when the store cannot be read
    ///   even from a MANIFEST that stayed the same during the attempt.
    /// Cost: reads the MANIFEST; per project, the new log batches (or, for a project the
    /// holder sealed or compacted, its index file headers, deletion files and memtable tail).
    func refresh() throws(StoreError) {
        try lock.withLockTyped { () throws(StoreError) in try whileTheManifestMovesOn(catchUp) }
    }

    /// Runs `body` on the MANIFEST as it is now; when it fails and the MANIFEST has changed
    /// meanwhile (a file it named vanished, a deletion file was replaced: the holder moved
    /// on), runs it again on the new one, up to `attempts` times. A failure with the
    /// MANIFEST unchanged is real, and thrown. Called under `lock`.
    private func whileTheManifestMovesOn<T>(_ body: (Manifest) throws(StoreError) -> T) throws(StoreError) -> T {
        var attempt = 0
        while true {
            let manifest = try currentManifest()
            do throws(StoreError) { return try body(manifest) } catch {
                attempt += 1
                let now = try? Recovery.readManifest(layout.manifest)
                if attempt < Self.attempts, now?.publishNumber != manifest.publishNumber { continue }
                throw error
            }
        }
    }

    /// The MANIFEST as it is now (decoded again only if its file changed).
    private func currentManifest() throws(StoreError) -> Manifest {
        guard let identity = FileSystem.identity(layout.manifest) else { throw .noStore(path: layout.root) }
        if let last = lastManifest, last.identity == identity { return last.manifest }
        let manifest = try Recovery.readManifest(layout.manifest)
        var slots: [ByteKey: Int] = [:]
        slots.reserveCapacity(manifest.projects.count)
        for (i, p) in manifest.projects.enumerated() { slots[ByteKey(p.projectID)] = i }
        lastManifest = (identity, manifest, slots)
        return manifest
    }

    /// Brings the loaded projects up to `manifest`, names its new projects in the view's
    /// catalog, and loads those while there is room.
    private func catchUp(_ manifest: Manifest) throws(StoreError) {
        let slots = lastManifest!.slots
        for (number, old) in tracked.sorted(by: { $0.key < $1.key }) {
            guard let slot = slots[ByteKey(old.entry.projectID)] else { continue }
            let project = manifest.projects[slot]
            if Self.onlyGrew(old.entry, project) {
                var t = old
                try appendTail(&t)
                tracked[number] = t
            } else {
                var t = try load(project)
                t.used = old.used
                tracked[number] = t
                letGo(old.entry, keeping: project)
            }
            view.publish(snapshot(tracked[number]!), index: tracked[number]!.pair)
        }
        if registered < manifest.projects.count {
            let fresh = manifest.projects[registered...]
            view.register(fresh.map(\.projectID))
            // At open, at most `loadedAtOpen`; a project created later is loaded while there is room.
            var budget = registered == 0 ? limits.loadedAtOpen : .max
            for project in fresh where tracked[project.number] == nil && budget > 0 && hasRoom(for: project) {
                try loadAndPublish(project)
                budget -= 1
            }
            registered = manifest.projects.count
        }
        publishNumber = manifest.publishNumber
    }

    /// Files a project's entry names (what holding it costs in descriptors).
    private static func fileCount(_ project: Manifest.ProjectEntry) -> Int {
        project.indexes.count + project.files.count
    }

    /// True when `project` can be loaded without dropping another.
    private func hasRoom(for project: Manifest.ProjectEntry) -> Bool {
        tracked.count < limits.maxLoadedProjects && pins.count + Self.fileCount(project) <= limits.maxHeldFiles
    }

    private func loadAndPublish(_ project: Manifest.ProjectEntry) throws(StoreError) {
        useClock += 1
        var t = try load(project)
        t.used = useClock
        tracked[project.number] = t
        view.publish(snapshot(t), index: t.pair)
    }

    /// The view's loader: loads the project `id` names (dropping the least recently loaded
    /// if there is no room), from the MANIFEST as it is now. Nil if no such project.
    private func loadOnDemand(_ id: String) throws(StoreError) -> IndexPair? {
        try lock.withLockTyped { () throws(StoreError) -> IndexPair? in
            try whileTheManifestMovesOn { (manifest) throws(StoreError) -> IndexPair? in
                guard let slot = lastManifest!.slots[ByteKey(id)] else { return nil }
                let project = manifest.projects[slot]
                if let t = tracked[project.number] {
                    // Loaded by another reader meanwhile (or never dropped).
                    useClock += 1
                    tracked[project.number]!.used = useClock
                    if view.snapshot(project: id) == nil { view.publish(snapshot(t), index: t.pair) }
                    return t.pair
                }
                makeRoom(for: project)
                try loadAndPublish(project)
                return tracked[project.number]!.pair
            }
        }
    }

    /// Drops the least recently loaded projects until `project` fits, down to 7/8 of the
    /// bounds (so the sort runs once per many loads, not per load). A dropped project's
    /// readers in flight keep its index; the next read loads it again.
    private func makeRoom(for project: Manifest.ProjectEntry) {
        guard !hasRoom(for: project) else { return }
        let loadedTarget = max(0, limits.maxLoadedProjects - limits.maxLoadedProjects / 8 - 1)
        let heldTarget = max(0, limits.maxHeldFiles - limits.maxHeldFiles / 8 - Self.fileCount(project))
        for (number, t) in tracked.sorted(by: { $0.value.used < $1.value.used }) {
            if tracked.count <= loadedTarget && pins.count <= heldTarget { break }
            tracked[number] = nil
            view.evict(t.entry.projectID)
            letGo(t.entry, keeping: nil)
        }
    }

    /// True when `new` names the same files and index files as `old` (so only the active
    /// file's tail can have grown).
    private static func onlyGrew(_ old: Manifest.ProjectEntry, _ new: Manifest.ProjectEntry) -> Bool {
        old.indexes == new.indexes && old.indexedThrough == new.indexedThrough
            && old.files.map(\.number) == new.files.map(\.number) && old.files.map(\.sealed) == new.files.map(\.sealed)
    }

    /// Loads a project from its MANIFEST entry: holds its files, maps its index files, reads
    /// its deletion files, and replays its log from `indexedThrough` to the last whole batch.
    /// A load that fails lets go of the files it took hold of (the next attempt, from a
    /// newer MANIFEST, may name others: held ones would never be let go).
    private func load(_ project: Manifest.ProjectEntry) throws(StoreError) -> Tracked {
        let paths = project.indexes.map { layout.indexFile(project: project.number, index: $0.number) }
            + project.files.map { layout.logFile(project: project.number, file: $0.number) }
        // A log file retired when this project was dropped, and still pinned by a reader,
        // is in use again: its last unpin must not let go of the hold taken here.
        let revived = view.lifetimes.revive(project.files.map { FileLifetimes.Key(project: project.number, file: $0.number) })
        var newlyHeld: [String] = []
        do throws(StoreError) {
            return try load(project, holding: paths, newlyHeld: &newlyHeld)
        } catch {
            for p in newlyHeld { pins.release(p) }
            view.lifetimes.retire(revived)
            throw error
        }
    }

    private func load(_ project: Manifest.ProjectEntry, holding paths: [String],
                      newlyHeld: inout [String]) throws(StoreError) -> Tracked {
        guard let active = project.files.last, !active.sealed else {
            throw .corruption(file: layout.manifest, offset: 0, reason: "project \(project.number) has no active log file")
        }
        do throws(IOError) {
            for p in paths where try pins.hold(p) { newlyHeld.append(p) }
        } catch { throw StoreError(error) }
        var pair: IndexPair
        var start = project.indexedThrough
        do throws(StoreError) {
            pair = try IndexRecovery.open(layout, project)
        } catch {
            // Damaged or missing index files: a reader cannot rebuild them on disk (the
            // holder's next open does), so it indexes the whole log in memory instead.
            guard IndexRecovery.isRebuildable(error) else { throw error }
            (pair, start) = IndexRecovery.emptyPair(project)
        }
        var activeEnd = Int64(LogFormat.fileHeaderSize)
        for f in project.files(from: start) {
            let path = layout.logFile(project: project.number, file: f.number)
            let from = f.number == start.file ? Int(start.offset) : LogFormat.fileHeaderSize
            let end = f.sealed ? f.size : try Self.wholeBatchEnd(path, from: Int64(from))
            if !f.sealed { activeEnd = end }
            guard end > Int64(from) else { continue }
            let reader: LogFileReader
            do throws(IOError) { reader = try LogFileReader(path: path, size: end) } catch { throw StoreError(error) }
            try reader.forEachBatch(from: from, projectID: project.projectID) { o, records throws(StoreError) in
                IndexRecovery.apply(records, file: f.number, batchOffset: o, to: pair)
            }
        }
        if start.file != active.number && !project.files.contains(where: { $0.number == start.file }) {
            // indexedThrough names no file (nothing unindexed): the active file starts fresh.
            activeEnd = try Self.wholeBatchEnd(layout.logFile(project: project.number, file: active.number),
                                               from: Int64(LogFormat.fileHeaderSize))
        }
        return Tracked(entry: project, pair: pair, activeEnd: activeEnd)
    }

    /// Applies the batches appended to the active file since the last refresh.
    private func appendTail(_ t: inout Tracked) throws(StoreError) {
        let active = t.entry.files.last!
        let path = layout.logFile(project: t.entry.number, file: active.number)
        let end = try Self.wholeBatchEnd(path, from: t.activeEnd)
        guard end > t.activeEnd else { return }
        let reader: LogFileReader
        do throws(IOError) { reader = try LogFileReader(path: path, size: end) } catch { throw StoreError(error) }
        let pair = t.pair
        try reader.forEachBatch(from: Int(t.activeEnd), projectID: t.entry.projectID) { o, records throws(StoreError) in
            IndexRecovery.apply(records, file: active.number, batchOffset: o, to: pair)
        }
        t.activeEnd = end
    }

    /// Where the whole, valid batches from `offset` end in the file as it is now. A frame
    /// still being written (or a dead holder's torn tail) ends the range: it is not read.
    /// (A backup cuts its copy of an active file here too.)
    static func wholeBatchEnd(_ path: String, from offset: Int64) throws(StoreError) -> Int64 {
        let size: Int64
        do throws(IOError) { size = try FileSystem.fileSize(path) } catch { throw StoreError(error) }
        guard size > offset else { return offset }
        let reader: LogFileReader
        do throws(IOError) { reader = try LogFileReader(path: path, size: size) } catch { throw StoreError(error) }
        var end = offset
        _ = reader.scanFrames(from: Int(offset)) { o, h in end = Int64(o + h.frameLength) }
        return end
    }

    /// The files readers of this project see: sealed files at their MANIFEST size, the
    /// active file up to its last whole batch.
    private func snapshot(_ t: Tracked) -> ProjectSnapshot {
        var files: [(UInt32, Int64)] = t.entry.files.filter(\.sealed).map { ($0.number, $0.size) }
        files.append((t.entry.files.last!.number, t.activeEnd))
        return ProjectSnapshot(number: t.entry.number, projectID: t.entry.projectID, files: files)
    }

    /// Files the view no longer uses (named by `old`, not by `new`; all of them for a
    /// dropped project): index files are let go at once (the pairs that mapped them are
    /// replaced, and a mapping outlives the file's name); log files once no reader of this
    /// process pins them (`FileLifetimes`, whose delete releases the hold).
    private func letGo(_ old: Manifest.ProjectEntry, keeping new: Manifest.ProjectEntry?) {
        let indexes = Set(old.indexes.map(\.number)).subtracting(new?.indexes.map(\.number) ?? [])
        for x in indexes { pins.release(layout.indexFile(project: old.number, index: x)) }
        let logs = Set(old.files.map(\.number)).subtracting(new?.files.map(\.number) ?? [])
        if !logs.isEmpty { view.lifetimes.retire(logs.map { FileLifetimes.Key(project: old.number, file: $0) }) }
    }

    /// How many projects the view holds loaded now (for tests and statistics).
    var loadedCount: Int { lock.withLock { tracked.count } }

    /// The MANIFEST publish this view reflects.
    var publishedNumber: UInt64 { lock.withLock { publishNumber } }
}
