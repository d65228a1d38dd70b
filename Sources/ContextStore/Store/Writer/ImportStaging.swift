/// The writer's side of an import transaction (`ImportTransaction`).
///
/// While an import is open the write queue defers every other request, so the import's
/// records take consecutive sequence numbers. They are written to *staged* log files
/// (numbers reserved, named by no MANIFEST) and indexed into a private staged index, sealed
/// into staged index files as it grows. Commit seals each touched project's memtable (so
/// its active file is empty), syncs the staged files, and produces one `StoreEdit` per
/// project (the staged files inserted before the active one, the staged index files
/// appended, the older versions it supersedes killed); one `apply` publishes them all: the
/// import appears whole. Rollback deletes the staged files. A crash before the publish
/// leaves them as orphans, which open removes: none of the import is ever visible without
/// all of it.
///
/// The writer thread encodes, compresses and writes the staged log; the staged indexes are
/// built behind it by a `StagedIndexer` (a serial queue), so the two overlap.
final class ImportStaging {
    let id: UInt64
    private var projects: [ByteKey: StagedProject] = [:]
    /// In the order the import first touched them.
    private var order: [StagedProject] = []
    /// The project of the last operation appended.
    private var lastProject: StagedProject?
    private var nextProjectNumber: UInt64
    private(set) var segments = 0
    /// One for all projects: one thread indexing beside the writer balances the two
    /// cores best (one per project measured slower: more threads, more allocator arenas).
    private let indexer = StagedIndexer()

    init(id: UInt64, nextProjectNumber: UInt64) {
        self.id = id
        self.nextProjectNumber = nextProjectNumber
    }

    // MARK: Staging

    /// Appends encoded operations of the import to its staged files and index.
    func append(_ ops: [WriteOperation], _ state: StoreState) throws(StoreError) {
        for op in ops {
            let s = try stagedProject(op.projectID, state)
            if let last = lastProject, last !== s { try projectSwitched(from: last, state) }
            lastProject = s
            s.pending.append((op.index, s.log.recordsInBatch))
            s.log.append(seq: state.nextSeq, record: op.record)
            state.nextSeq += 1
            if s.log.batchBytes >= state.configuration.batchTargetBytes { try closeStagedBatch(s, state) }
        }
        segments += ops.count
    }

    private func stagedProject(_ projectID: String, _ state: StoreState) throws(StoreError) -> StagedProject {
        let key = ByteKey(projectID)
        if let s = projects[key] { return s }
        let s: StagedProject
        let layout = state.layout
        if let p = state.slot(of: projectID) {
            // Recovered first: its log's sequence numbers must stay below the import's.
            try state.ensureLoaded(p)
            let e = state.manifest.projects[p]
            s = StagedProject(projectID: projectID, number: e.number, isNew: false,
                              nextFile: e.nextFileNumber, nextIndex: e.nextIndexNumber, indexer: indexer)
        } else {
            let number = max(nextProjectNumber, state.manifest.nextProjectNumber)
            nextProjectNumber = number + 1
            s = StagedProject(projectID: projectID, number: number, isNew: true, nextFile: 1, nextIndex: 1, indexer: indexer)
        }
        if s.isNew { try state.makeProjectDirectories(s.number) }
        do throws(IOError) { try FileSystem.makeDirectory(layout.indexDirectory(s.number)) } catch { throw StoreError(error) }
        s.log = SealedLogWriter(directory: layout.logFiles(s.number), projectNumber: s.number, storeUUID: state.manifest.storeUUID,
                                logFileSize: state.configuration.logFileSize, deferSync: true,
                                compression: state.configuration.logCompression) { [unowned state, unowned s] in
            Self.nextNumber(s, \.nextFileNumber, \.nextFile, state)
        }
        projects[key] = s
        order.append(s)
        return s
    }

    /// The import moved on from project `s` (inputs are mostly grouped by project: one
    /// per exported file). Sealing it now, if it holds a fair share of a seal, indexes it
    /// while the next one is read, instead of every project at commit on one thread; the
    /// share keeps interleaved projects from making many small index files.
    private func projectSwitched(from s: StagedProject, _ state: StoreState) throws(StoreError) {
        guard s.textBytesSinceSeal >= state.configuration.indexSealBytes / 4 else { return }
        try closeStagedBatch(s, state)
        try sealStaged(s, state)
    }

    /// Writes the open batch, hands its operations to the indexer, and seals when the
    /// staged memtable will have reached the seal thresholds.
    private func closeStagedBatch(_ s: StagedProject, _ state: StoreState) throws(StoreError) {
        let placed: (file: UInt32, offset: Int64)?
        do throws(LogError) { placed = try s.log.closeBatch() } catch { throw StoreError(error) }
        guard let (file, offset) = placed else { return }
        let ops = s.pending
        s.pending = []
        for (op, _) in ops {
            if case let .put(seg, _) = op {
                s.docsSinceSeal += 1
                s.textBytesSinceSeal += seg.text.utf8.count
            }
        }
        try s.indexer.submit {
            for (op, i) in ops {
                switch op {
                case let .put(seg, analyzed):
                    s.index.applyPut(seg, analyzed: analyzed, location: RecordLocation(fileNumber: file, batchOffset: offset, index: i))
                case let .delete(id):
                    s.index.applyDelete(id)
                }
            }
        }
        if state.sealDue(docs: s.docsSinceSeal, textBytes: s.textBytesSinceSeal) { try sealStaged(s, state) }
    }

    /// The next staged log file or index number: from the MANIFEST's counter for an
    /// existing project (so the files its commit-time seal creates never collide), else
    /// the staged project's own counter.
    private static func nextNumber(_ s: StagedProject, _ counter: WritableKeyPath<Manifest.ProjectEntry, UInt32>,
                                   _ staged: ReferenceWritableKeyPath<StagedProject, UInt32>, _ state: StoreState) -> UInt32 {
        if !s.isNew, let p = state.slot(of: s.projectID) {
            let n = state.manifest.projects[p][keyPath: counter]
            state.manifest.projects[p][keyPath: counter] = n + 1
            return n
        }
        defer { s[keyPath: staged] += 1 }
        return s[keyPath: staged]
    }

    /// Finishes the open staged log file and has the indexer write the staged memtable as
    /// a staged index file owning the staged files written since the last one (all its
    /// docs are in them: the writer hands batches over in order). Its dead docs stay in
    /// memory until commit.
    private func sealStaged(_ s: StagedProject, _ state: StoreState) throws(StoreError) {
        do throws(LogError) { try s.log.finishFile() } catch { throw StoreError(error) }
        let files = s.log.entries[s.sealedFiles...].map(\.number)
        guard !files.isEmpty else { return }
        s.sealedFiles = s.log.entries.count
        s.docsSinceSeal = 0
        s.textBytesSinceSeal = 0
        let number = Self.nextNumber(s, \.nextIndexNumber, \.nextIndex, state)
        let path = state.layout.indexFile(project: s.number, index: number)
        try s.indexer.submit { () throws(StoreError) in
            try Self.writeStagedIndex(s, number: number, path: path, files: files)
        }
    }

    /// On the indexer: the memtable becomes index file `number`, added to the staged index.
    private static func writeStagedIndex(_ s: StagedProject, number: UInt32, path: String, files: [UInt32]) throws(StoreError) {
        let m = s.index.memtable
        do throws(IOError) {
            let h = try FileHandle.createTruncating(path)
            s.created.append(path)
            try h.write(IndexFileEncoder.encode(m, number: number, project: s.number), at: 0)
            h.startWriteback()  // synced at commit, with the staged log files
        } catch { throw StoreError(error) }
        let reader: IndexFileReader
        do throws(IndexError) { reader = try IndexFileReader(path: path, number: number, project: s.number) } catch { throw StoreError(error) }
        let at = s.index.files.count
        s.index.install(IndexChange(replacing: at..<at,
                                    added: [IndexFileState(reader: reader, dead: m.dead, persisted: Bitmap(count: m.docCount),
                                                           deletionRevision: 0, deadCount: m.deadCount)],
                                    memtableStart: LogPosition(file: 0, offset: Int64(LogFormat.fileHeaderSize))))
        s.entries.append(Manifest.IndexEntry(number: number, docCount: UInt32(m.docCount), deletionRevision: 0, logFiles: files))
    }

    // MARK: Commit and rollback

    /// Publishes the import (see the type's comment); returns its segment count.
    func commit(_ state: StoreState) throws(StoreError) -> Int {
        // 1. Everything staged is on disk, sealed into index files, synced.
        for s in order {
            try closeStagedBatch(s, state)
            try sealStaged(s, state)
        }
        try indexer.drain()
        for s in order {
            do throws(LogError) { try s.log.syncDeferred() } catch { throw StoreError(error) }
            do throws(IOError) {
                for path in s.created { try FileSystem.syncFile(path) }  // the staged index files
                try FileSystem.syncDirectory(state.layout.logDirectory(s.number))
                try FileSystem.syncDirectory(state.layout.indexDirectory(s.number))
            } catch { throw StoreError(error) }
        }
        // 2. Touched projects' memtables sealed: their active files are empty, so the staged
        //    files can go right before them in log order.
        for s in order {
            guard let p = state.slot(of: s.projectID) else { continue }
            let m = try state.ensureLoaded(p).writerView.memtable
            if !m.isEmpty || state.active[p]!.state.size > Int64(LogFormat.fileHeaderSize) {
                try state.seal(p)
            }
        }
        // 3. One edit per project.
        var edits: [StoreEdit] = []
        for s in order { edits.append(try edit(for: s, state)) }
        // 4. One publish makes all of it visible (and durable). Imported versions supersede
        //    cached ones: the active tier is emptied first, so no reader sees a stale copy
        //    (readers only read it; the index answers until the switch).
        state.view.activeTier.removeAll()
        try state.apply(edits)
        return segments
    }

    /// Project `s`'s edit: its staged index files (their in-import deaths persisted with
    /// them) appended, its staged log files inserted, and, in an existing project, the live
    /// older version of each id it holds live killed.
    private func edit(for s: StagedProject, _ state: StoreState) throws(StoreError) -> StoreEdit {
        let added = s.index.files.enumerated().map { i, f in
            AddedIndexFile(reader: f.reader, dead: f.dead, persisted: f.dead, logFiles: s.entries[i].logFiles)
        }
        let logFiles = s.log.entries.map(Manifest.LogFileEntry.init)
        guard let p = state.slot(of: s.projectID) else {
            var entry = Manifest.ProjectEntry(number: s.number, projectID: s.projectID, nextFileNumber: s.nextFile, files: [])
            entry.nextIndexNumber = s.nextIndex
            let p = try state.addProject(entry)
            return StoreEdit(slot: p, replacing: 0..<0, added: added, insertedLogFiles: logFiles, totals: s.index.totals)
        }
        let pi = try state.ensureLoaded(p).writerView
        precondition(pi.memtable.docCount == 0, "commit seals the memtable first")
        var edit = StoreEdit(slot: p, replacing: pi.files.count..<pi.files.count, added: added, insertedLogFiles: logFiles)
        var totals = pi.totals
        for f in s.index.files {
            for d in 0..<f.reader.docCount where !f.dead[d] {
                guard let old = pi.locate(f.reader.segmentID(d)) else { continue }
                edit.kills[pi.files[old.source].reader.number, default: []].append(old.doc)
                totals.add(pi.docInfo(source: old.source, doc: old.doc), -1)
            }
        }
        let staged = s.index.totals
        for t in SegmentTier.allCases {
            totals[t].segments += staged[t].segments
            totals[t].tokens += staged[t].tokens
        }
        edit.totals = totals
        return edit
    }

    /// Deletes everything the import staged.
    func rollback(_ state: StoreState) {
        try? indexer.drain()  // its files are in `created` once it is idle
        // A MANIFEST naming them may be durable: the next open keeps them, or removes them
        // as orphans.
        guard !state.manifestInDoubt else { return }
        let layout = state.layout
        for s in order {
            for path in s.log.paths + s.created { try? FileSystem.unlink(path) }
            if s.isNew {
                try? FileSystem.removeDirectory(layout.indexDirectory(s.number))
                try? FileSystem.removeDirectory(layout.logDirectory(s.number))
                try? FileSystem.removeDirectory(layout.projectDirectory(s.number))
            }
        }
    }
}

/// The import steps as the write queue and `ImportTransaction` call them.
extension StoreState {
    /// Opens an import transaction; returns its id (its requests' session).
    func beginImport() -> UInt64 {
        let id = nextImportID
        nextImportID += 1
        importStaging = ImportStaging(id: id, nextProjectNumber: manifest.nextProjectNumber)
        return id
    }

    func importAppend(_ ops: [WriteOperation]) throws(StoreError) {
        try importStaging!.append(ops, self)
    }

    /// Commits the open import (0 if none is open); returns its segment count.
    func importCommit() throws(StoreError) -> Int {
        guard let staging = importStaging else { return 0 }
        let n = try staging.commit(self)
        importStaging = nil
        return n
    }

    /// Deletes what the open import staged, and closes it.
    func importRollback() {
        guard let staging = importStaging else { return }
        importStaging = nil
        staging.rollback(self)
    }
}
