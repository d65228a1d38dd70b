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
/// Thread model: `refresh` calls are serialized by `lock` (they do I/O under it; readers
/// never take it: they read `view`).
final class Follower: @unchecked Sendable {
    // Sendable: `tracked` and `publishNumber` are touched only under `lock`.
    let layout: StoreLayout
    let view: ReadView
    let pins: ReaderFilePins
    private let lock = ConditionLock()
    private var tracked: [UInt64: Tracked] = [:]
    private var publishNumber: UInt64 = 0
    /// The MANIFEST last decoded, and the identity of its file: a publish renames a new
    /// file into place, so the same inode means the same MANIFEST, and refreshes between
    /// publishes (most of them) skip decoding it.
    private var lastManifest: (identity: FileSystem.Identity, manifest: Manifest)?

    /// What this view holds of one project.
    private struct Tracked {
        var entry: Manifest.ProjectEntry
        var pair: IndexPair
        /// The active file's end of whole batches applied so far.
        var activeEnd: Int64
    }

    /// Loads the store's current state. Throws `.noStore` where there is no MANIFEST.
    init(layout: StoreLayout, view: ReadView, pins: ReaderFilePins) throws(StoreError) {
        self.layout = layout
        self.view = view
        self.pins = pins
        try refresh()
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
        try lock.withLockTyped { () throws(StoreError) in
            var attempt = 0
            while true {
                let manifest = try currentManifest()
                do throws(StoreError) {
                    try catchUp(manifest)
                    return
                } catch {
                    attempt += 1
                    // A file named by our MANIFEST vanished, or a deletion file was replaced:
                    // the holder moved on. Anything else, with the MANIFEST unchanged, is real.
                    let now = try? Recovery.readManifest(layout.manifest)
                    if attempt < Self.attempts, now?.publishNumber != manifest.publishNumber { continue }
                    throw error
                }
            }
        }
    }

    /// The MANIFEST as it is now (decoded again only if its file changed).
    private func currentManifest() throws(StoreError) -> Manifest {
        guard let identity = FileSystem.identity(layout.manifest) else { throw .noStore(path: layout.root) }
        if let last = lastManifest, last.identity == identity { return last.manifest }
        let manifest = try Recovery.readManifest(layout.manifest)
        lastManifest = (identity, manifest)
        return manifest
    }

    private func catchUp(_ manifest: Manifest) throws(StoreError) {
        for project in manifest.projects {
            if var t = tracked[project.number], Self.onlyGrew(t.entry, project) {
                try appendTail(&t)
                tracked[project.number] = t
            } else {
                let old = tracked[project.number]
                let t = try load(project)
                tracked[project.number] = t
                if let old { letGo(old.entry, keeping: project) }
            }
            view.publish(snapshot(tracked[project.number]!), index: tracked[project.number]!.pair)
        }
        publishNumber = manifest.publishNumber
    }

    /// True when `new` names the same files and index files as `old` (so only the active
    /// file's tail can have grown).
    private static func onlyGrew(_ old: Manifest.ProjectEntry, _ new: Manifest.ProjectEntry) -> Bool {
        old.indexes == new.indexes && old.indexedThrough == new.indexedThrough
            && old.files.map(\.number) == new.files.map(\.number) && old.files.map(\.sealed) == new.files.map(\.sealed)
    }

    /// Loads a project from its MANIFEST entry: holds its files, maps its index files, reads
    /// its deletion files, and replays its log from `indexedThrough` to the last whole batch.
    private func load(_ project: Manifest.ProjectEntry) throws(StoreError) -> Tracked {
        guard let active = project.files.last, !active.sealed else {
            throw .corruption(file: layout.manifest, offset: 0, reason: "project \(project.number) has no active log file")
        }
        let paths = project.indexes.map { layout.indexFile(project: project.number, index: $0.number) }
            + project.files.map { layout.logFile(project: project.number, file: $0.number) }
        do throws(IOError) { for p in paths { try pins.hold(p) } } catch { throw StoreError(error) }
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

    /// Files the view no longer uses (named by `old`, not by `new`): index files are let go
    /// at once (the pairs that mapped them are replaced, and a mapping outlives the file's
    /// name); log files once no reader of this process pins them (`FileLifetimes`, whose
    /// delete releases the hold).
    private func letGo(_ old: Manifest.ProjectEntry, keeping new: Manifest.ProjectEntry) {
        let indexes = Set(old.indexes.map(\.number)).subtracting(new.indexes.map(\.number))
        for x in indexes { pins.release(layout.indexFile(project: old.number, index: x)) }
        let logs = Set(old.files.map(\.number)).subtracting(new.files.map(\.number))
        if !logs.isEmpty { view.lifetimes.retire(logs.map { FileLifetimes.Key(project: old.number, file: $0) }) }
    }

    /// The MANIFEST publish this view reflects.
    var publishedNumber: UInt64 { lock.withLock { publishNumber } }
}
