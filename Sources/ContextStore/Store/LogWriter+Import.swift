/// The writer's side of an import transaction (`ImportTransaction`).
///
/// While an import is open the writer defers every other request, so the import's records
/// take consecutive sequence numbers. They are written to *staged* log files (numbers
/// reserved, named by no MANIFEST) and indexed into a private staged index, sealed into
/// staged index files as it grows. Commit seals each touched project's memtable (so its
/// active file is empty), syncs the staged files, writes deletion files for the older
/// versions the import supersedes, and publishes one MANIFEST that inserts the staged
/// files before the active one and appends the staged index files: the import appears
/// whole. Rollback deletes the staged files. A crash before the publish leaves them as
/// orphans, which open removes: none of the import is ever visible without all of it.
///
/// The writer thread encodes, compresses and writes the staged log; the staged indexes are
/// built behind it by a `StagedIndexer` (a serial queue), so the two overlap.
extension LogWriter {
    /// Shared by the writer and the staging indexer under the hand-over rule of
    /// `StagedIndexer`: `index`, `entries` and `created` belong to the indexer until the
    /// writer drains it; everything else is the writer's.
    final class StagedProject: @unchecked Sendable {
        let projectID: String
        let number: UInt64
        /// The project did not exist when the import began: its slot is created at commit.
        let isNew: Bool
        var nextFile: UInt32
        var nextIndex: UInt32
        /// The staged log files (set right after init: its numbering refers to this object),
        /// and the index entries that own them.
        var log: SealedLogWriter!
        var entries: [Manifest.IndexEntry] = []
        /// Operations of the open batch, with their index in it.
        var pending: [(LogWriter.IndexOperation, Int)] = []
        /// How many of `log.entries` index files own (or will, once the indexer gets to it).
        var sealedFiles = 0
        /// Written since the last seal: the writer's seal decision (the memtable is the
        /// indexer's, behind it), on the same thresholds as `needsSeal`.
        var docsSinceSeal = 0
        var textBytesSinceSeal = 0
        /// Builds `index` behind the writer (shared by the import's projects).
        let indexer: StagedIndexer
        let index: ProjectIndex
        /// Index and deletion files created, for rollback (the log knows its own).
        var created: [String] = []

        init(projectID: String, number: UInt64, isNew: Bool, nextFile: UInt32, nextIndex: UInt32, indexer: StagedIndexer) {
            self.indexer = indexer
            self.projectID = projectID
            self.number = number
            self.isNew = isNew
            self.nextFile = nextFile
            self.nextIndex = nextIndex
            index = ProjectIndex(number: number, projectID: projectID, segments: [],
                                 memtableStart: LogPosition(file: nextFile, offset: Int64(LogFormat.fileHeaderSize)),
                                 totals: ProjectTotals())
        }
    }

    final class ImportStaging {
        let id: UInt64
        var projects: [ByteKey: StagedProject] = [:]
        var order: [ByteKey] = []
        /// The project of the last operation appended.
        var lastProject: StagedProject?
        var nextProjectNumber: UInt64
        var segments = 0
        /// One for all projects: one thread indexing beside the writer balances the two
        /// cores best (one per project measured slower: more threads, more allocator arenas).
        let indexer = StagedIndexer()

        init(id: UInt64, nextProjectNumber: UInt64) {
            self.id = id
            self.nextProjectNumber = nextProjectNumber
        }
    }

    // MARK: Staging

    func stagedProject(_ projectID: String) throws(StoreError) -> StagedProject {
        let staging = importStaging!
        let key = ByteKey(projectID)
        if let s = staging.projects[key] { return s }
        let s: StagedProject
        if let p = projectIndex[key] {
            let e = manifest.projects[p]
            s = StagedProject(projectID: projectID, number: e.number, isNew: false,
                              nextFile: e.nextFileNumber, nextIndex: e.nextIndexNumber, indexer: staging.indexer)
        } else {
            let number = max(staging.nextProjectNumber, manifest.nextProjectNumber)
            staging.nextProjectNumber = number + 1
            s = StagedProject(projectID: projectID, number: number, isNew: true, nextFile: 1, nextIndex: 1, indexer: staging.indexer)
            do throws(IOError) {
                try FileSystem.makeDirectory(layout.projectDirectory(number))
                try FileSystem.makeDirectory(layout.logDirectory(number))
            } catch { throw StoreError(error) }
        }
        try FileSystem.makeDirectoryOrThrow(layout.indexDirectory(s.number))
        s.log = SealedLogWriter(directory: layout.logFiles(s.number), projectNumber: s.number, storeUUID: manifest.storeUUID,
                                logFileSize: configuration.logFileSize, deferSync: true) { [unowned self, unowned s] in
            self.nextStagedNumber(s, \.nextFileNumber, \.nextFile)
        }
        staging.projects[key] = s
        staging.order.append(key)
        return s
    }

    /// Appends encoded operations of the open import to its staged files and index.
    func importAppend(_ ops: [Operation]) throws(StoreError) {
        let staging = importStaging!
        for op in ops {
            let s = try stagedProject(op.projectID)
            if let last = staging.lastProject, last !== s { try projectSwitched(from: last) }
            staging.lastProject = s
            s.pending.append((op.index, s.log.recordsInBatch))
            s.log.append(seq: nextSeq, record: op.record)
            nextSeq += 1
            if s.log.batchBytes >= configuration.batchTargetBytes { try closeStagedBatch(s) }
        }
        staging.segments += ops.count
    }

    /// The import moved on from project `s` (inputs are mostly grouped by project: one
    /// per exported file). Sealing it now, if it holds a fair share of a seal, indexes it
    /// while the next one is read, instead of every project at commit on one thread; the
    /// share keeps interleaved projects from making many small index files.
    private func projectSwitched(from s: StagedProject) throws(StoreError) {
        guard s.textBytesSinceSeal >= configuration.indexSealBytes / 4 else { return }
        try closeStagedBatch(s)
        try sealStaged(s)
    }

    /// Writes the open batch, hands its operations to the indexer, and seals when the
    /// staged memtable will have reached the seal thresholds.
    private func closeStagedBatch(_ s: StagedProject) throws(StoreError) {
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
        if s.textBytesSinceSeal >= configuration.indexSealBytes || s.docsSinceSeal >= configuration.indexSealDocs {
            try sealStaged(s)
        }
    }

    /// The next staged log file or index number: from the MANIFEST's counter for an
    /// existing project (so the files its commit-time seal creates never collide), else
    /// the staged project's own counter.
    private func nextStagedNumber(_ s: StagedProject, _ counter: WritableKeyPath<Manifest.ProjectEntry, UInt32>,
                                  _ staged: ReferenceWritableKeyPath<StagedProject, UInt32>) -> UInt32 {
        if !s.isNew, let p = projectIndex[ByteKey(s.projectID)] {
            let n = manifest.projects[p][keyPath: counter]
            manifest.projects[p][keyPath: counter] = n + 1
            return n
        }
        defer { s[keyPath: staged] += 1 }
        return s[keyPath: staged]
    }

    /// Finishes the open staged log file and has the indexer write the staged memtable as
    /// a staged index file owning the staged files written since the last one (all its
    /// docs are in them: the writer hands batches over in order). Its dead docs stay in
    /// memory until commit.
    private func sealStaged(_ s: StagedProject) throws(StoreError) {
        do throws(LogError) { try s.log.finishFile() } catch { throw StoreError(error) }
        let files = s.log.entries[s.sealedFiles...].map(\.number)
        guard !files.isEmpty else { return }
        s.sealedFiles = s.log.entries.count
        s.docsSinceSeal = 0
        s.textBytesSinceSeal = 0
        let number = nextStagedNumber(s, \.nextIndexNumber, \.nextIndex)
        let path = layout.indexFile(project: s.number, index: number)
        try s.indexer.submit { () throws(StoreError) in
            try Self.writeStagedIndex(s, number: number, path: path, files: files)
        }
    }

    /// On the indexer: the memtable becomes index file `number`, installed in the staged
    /// index as a sealed segment.
    private static func writeStagedIndex(_ s: StagedProject, number: UInt32, path: String, files: [UInt32]) throws(StoreError) {
        let m = s.index.memtable
        do throws(IOError) {
            let h = try FileHandle.createTruncating(path)
            s.created.append(path)
            try h.write(IndexFileWriter.encode(m, number: number, project: s.number), at: 0)
            h.startWriteback()  // synced at commit, with the staged log files
        } catch { throw StoreError(error) }
        let seg: IndexSegment
        do throws(IndexError) { seg = try IndexSegment(path: path, number: number, project: s.number) } catch { throw StoreError(error) }
        s.index.installSeal(newSegment: SealedSegment(segment: seg, dead: m.dead, persisted: Bitmap(count: m.docCount),
                                                      deleteGeneration: 0, deadCount: m.deadCount),
                            updated: [:], next: LogPosition(file: 0, offset: Int64(LogFormat.fileHeaderSize)))
        s.entries.append(Manifest.IndexEntry(number: number, docCount: UInt32(m.docCount), deleteGeneration: 0, logFiles: files))
    }

    // MARK: Commit and rollback

    /// Publishes the open import (see the type's comment); returns its segment count.
    func importCommit() throws(StoreError) -> Int {
        guard let staging = importStaging else { return 0 }
        // 1. Everything staged is on disk, sealed into index files, synced.
        for key in staging.order {
            let s = staging.projects[key]!
            try closeStagedBatch(s)
            try sealStaged(s)
        }
        try staging.indexer.drain()
        for key in staging.order {
            let s = staging.projects[key]!
            do throws(LogError) { try s.log.syncDeferred() } catch { throw StoreError(error) }
            do throws(IOError) {
                for path in s.created { try FileSystem.syncFile(path) }  // the staged index files
            } catch { throw StoreError(error) }
            for i in s.index.segments.indices where s.index.segments[i].deadCount > 0 {
                let seg = s.index.segments[i]
                do throws(IOError) {
                    try writeDeletions(seg.dead, docCount: seg.segment.docCount, project: s.number, index: seg.segment.number, generation: 1)
                } catch { throw StoreError(error) }
                s.created.append(layout.deletionFile(project: s.number, index: seg.segment.number, generation: 1))
                s.entries[i].deleteGeneration = 1
            }
            do throws(IOError) {
                try FileSystem.syncDirectory(layout.logDirectory(s.number))
                try FileSystem.syncDirectory(layout.indexDirectory(s.number))
            } catch { throw StoreError(error) }
        }
        // 2. Touched projects' memtables sealed: their active files are empty, so the staged
        //    files can go right before them in log order.
        for key in staging.order {
            guard let p = projectIndex[key] else { continue }
            let pi = indexes[p]!.writerView
            if pi.memtable.docCount > 0 || !pi.memtable.kills.isEmpty || active[p]!.state.size > Int64(LogFormat.fileHeaderSize) {
                try seal(p)
            }
        }
        // 3. Older versions the import supersedes die, persisted with the publish.
        var installs: [(Int, ProjectIndex.ImportInstall, oldDeletionFiles: [String])] = []
        for key in staging.order {
            let s = staging.projects[key]!
            let sealed = s.index.segments.enumerated().map { i, seg in
                SealedSegment(segment: seg.segment, dead: seg.dead, persisted: seg.dead,
                              deleteGeneration: s.entries[i].deleteGeneration, deadCount: seg.deadCount)
            }
            if let p = projectIndex[key] {
                let (install, oldDeletionFiles) = try supersede(p, by: s, sealed: sealed)
                manifest.projects[p].files.insert(contentsOf: s.log.entries.map(Manifest.LogFileEntry.init),
                                                  at: manifest.projects[p].files.count - 1)
                manifest.projects[p].indexes += s.entries
                manifest.projects[p].totals = install.totals
                installs.append((p, install, oldDeletionFiles))
            } else {
                manifest.nextProjectNumber = max(manifest.nextProjectNumber, s.number + 1)
                var entry = Manifest.ProjectEntry(number: s.number, projectID: s.projectID, nextFileNumber: s.nextFile,
                                                  files: s.log.entries.map(Manifest.LogFileEntry.init))
                entry.nextIndexNumber = s.nextIndex
                entry.indexes = s.entries
                entry.totals = s.index.totals
                let p = manifest.projects.count
                manifest.projects.append(entry)
                projectIndex[key] = p
                try startNewFile(p)
                let start = LogPosition(file: active[p]!.state.number, offset: Int64(LogFormat.fileHeaderSize))
                manifest.projects[p].indexedThrough = start
                let totals = s.index.totals
                indexes[p] = IndexPair {
                    ProjectIndex(number: s.number, projectID: s.projectID, segments: sealed, memtableStart: start, totals: totals)
                }
            }
        }
        // 4. One publish makes all of it visible (and durable). Imported versions supersede
        //    cached ones: the active tier is emptied first, so no reader sees a stale copy
        //    (readers only read it; the index answers until the switch below).
        activeTier.removeAll()
        try publishManifest()
        for (p, install, oldDeletionFiles) in installs {
            indexes[p]!.write { $0.installImport(install) }
            for f in oldDeletionFiles { try? FileSystem.unlink(f) }
        }
        for key in staging.order {
            let p = projectIndex[key]!
            republish(p)
            publishIndex(p)
        }
        importStaging = nil
        return staging.segments
    }

    /// Finds the live older version of each id the import holds live, and writes the
    /// deletion files that persist their deaths (named by the coming publish); also returns
    /// the deletion files those replace, to delete once the index has switched.
    private func supersede(_ p: Int, by s: StagedProject, sealed: [SealedSegment])
        throws(StoreError) -> (ProjectIndex.ImportInstall, oldDeletionFiles: [String]) {
        let pi = indexes[p]!.writerView
        precondition(pi.memtable.docCount == 0, "commit seals the memtable first")
        var kills: [(Int, Int)] = []
        var totals = pi.totals
        for seg in sealed {
            for d in 0..<seg.segment.docCount where !seg.dead[d] {
                if let old = pi.locate(seg.segment.segmentID(d)) {
                    kills.append((old.source, Int(old.doc)))
                    totals.add(pi.docInfo(source: old.source, doc: old.doc), -1)
                }
            }
        }
        let st = s.index.totals
        for t in SegmentTier.allCases {
            totals[t].segments += st[t].segments
            totals[t].tokens += st[t].tokens
        }
        var updated: [UInt32: (bitmap: Bitmap, generation: UInt32)] = [:]
        var oldFiles: [String] = []
        var bySource: [Int: [Int]] = [:]
        for (src, d) in kills { bySource[src, default: []].append(d) }
        for (src, docs) in bySource {
            let old = pi.segments[src]
            var bitmap = old.persisted
            for d in docs { bitmap.set(d) }
            let generation = old.deleteGeneration + 1
            do throws(IOError) {
                try writeDeletions(bitmap, docCount: old.segment.docCount, project: s.number, index: old.segment.number, generation: generation)
            } catch { throw StoreError(error) }
            if old.deleteGeneration > 0 {
                oldFiles.append(layout.deletionFile(project: s.number, index: old.segment.number, generation: old.deleteGeneration))
            }
            updated[old.segment.number] = (bitmap, generation)
            if let i = manifest.projects[p].indexes.firstIndex(where: { $0.number == old.segment.number }) {
                manifest.projects[p].indexes[i].deleteGeneration = generation
            }
        }
        if !bySource.isEmpty {
            do throws(IOError) { try FileSystem.syncDirectory(layout.indexDirectory(s.number)) } catch { throw StoreError(error) }
        }
        return (ProjectIndex.ImportInstall(kills: kills, updated: updated, staged: sealed, totals: totals), oldFiles)
    }

    /// Deletes everything the open import staged.
    func importRollback() {
        guard let staging = importStaging else { return }
        importStaging = nil
        try? staging.indexer.drain()  // its files are in `created` once it is idle
        for key in staging.order {
            let s = staging.projects[key]!
            for path in s.log.paths + s.created { try? FileSystem.unlink(path) }
            if s.isNew {
                try? FileSystem.removeDirectory(layout.indexDirectory(s.number))
                try? FileSystem.removeDirectory(layout.logDirectory(s.number))
                try? FileSystem.removeDirectory(layout.projectDirectory(s.number))
            }
        }
    }
}

extension FileSystem {
    static func makeDirectoryOrThrow(_ path: String) throws(StoreError) {
        do throws(IOError) { try makeDirectory(path) } catch { throw StoreError(error) }
    }
}
