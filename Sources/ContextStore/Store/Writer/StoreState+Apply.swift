/// The one function that carries out `StoreEdit`s (LevelDB's `LogAndApply`).
extension StoreState {
    /// Applies `edits` (each to a different project: an edit is built against the state
    /// before any of them is installed), in four steps:
    /// 1. the deletion files they need, each the next revision of its index file's (written
    ///    and synced, with the index directory), named by no MANIFEST yet;
    /// 2. one MANIFEST publish naming all of it: the commit point (a crash before it leaves
    ///    only orphans, which open removes);
    /// 3. both copies of each project's index switched (`ProjectIndex.install`), and the
    ///    project republished to readers;
    /// 4. what the edits retired: replaced deletion files and removed index files deleted
    ///    (no reader of this process can reach them once both copies switched; one a reader
    ///    process holds waits in `retired`), removed log files handed to their lifetimes
    ///    (deleted when the last reader's pin goes, and no reader process holds them).
    ///
    /// A failure at any step sets `installFailed` (the writer then goes read-only: `manifest`
    /// in memory may hold half of the edits); one after the rename also `manifestInDoubt`.
    func apply(_ edits: [StoreEdit]) throws(StoreError) {
        do throws(StoreError) { try applyOrFail(edits) } catch {
            installFailed = true
            throw error
        }
    }

    private func applyOrFail(_ edits: [StoreEdit]) throws(StoreError) {
        var installs: [(slot: Int, change: IndexChange)] = []
        var retiredPaths: [String] = []
        var retiredLogFiles: [FileLifetimes.Key] = []
        precondition(Set(edits.map(\.slot)).count == edits.count, "one edit per project in an apply")
        for edit in edits {
            let (change, paths) = try prepare(edit)
            installs.append((edit.slot, change))
            retiredPaths += paths
            let number = manifest.projects[edit.slot].number
            retiredLogFiles += edit.removedLogFiles.sorted().map { FileLifetimes.Key(project: number, file: $0) }
        }
        try publishManifest()
        for (p, change) in installs {
            indexes[p]!.write { $0.install(change) }
            republish(p)
        }
        // No reader of this process can reach them now; readers in other processes may.
        retired.retry()
        retired.retire(retiredPaths)
        if !retiredLogFiles.isEmpty { view.lifetimes.retire(retiredLogFiles) }
    }

    /// Step 1 for one edit, and its MANIFEST entry changed in memory; returns the index
    /// change to install and the paths to delete after the switch.
    private func prepare(_ edit: StoreEdit) throws(StoreError) -> (IndexChange, retired: [String]) {
        let p = edit.slot
        let number = manifest.projects[p].number
        let current = indexes[p]!.writerView.files
        var change = IndexChange(replacing: edit.replacing, memtableStart: edit.indexedThrough,
                                 remap: edit.remap, totals: edit.totals)
        var project = manifest.projects[p]
        var retired: [String] = []
        var newEntries: [Manifest.IndexEntry] = []
        do throws(IOError) {
            var wrote = !edit.added.isEmpty
            for a in edit.added {
                var revision: UInt32 = 0
                if a.persisted.setCount > 0 {
                    revision = 1
                    try writeDeletions(a.persisted, docCount: a.reader.docCount, project: number, index: a.reader.number, revision: 1)
                }
                change.added.append(IndexFileState(reader: a.reader, dead: a.dead, persisted: a.persisted,
                                                   deletionRevision: revision, deadCount: a.dead.setCount))
                newEntries.append(Manifest.IndexEntry(number: a.reader.number, docCount: UInt32(a.reader.docCount),
                                                      deletionRevision: revision, logFiles: a.logFiles))
            }
            // Kill persistence, the one copy: the next deletion-file revision of each index
            // file holds its persisted deaths plus the new ones.
            for (i, f) in current.enumerated() where !edit.replacing.contains(i) {
                guard let docs = edit.kills[f.reader.number] else { continue }
                precondition(project.indexes[i].number == f.reader.number, "index entries and files out of step")
                var bitmap = f.persisted
                for d in docs { bitmap.set(Int(d)) }
                let revision = f.deletionRevision + 1
                try writeDeletions(bitmap, docCount: f.reader.docCount, project: number, index: f.reader.number, revision: revision)
                if f.deletionRevision > 0 {
                    retired.append(layout.deletionFile(project: number, index: f.reader.number, revision: f.deletionRevision))
                }
                change.kills[f.reader.number] = docs
                change.persisted[f.reader.number] = (bitmap, revision)
                project.indexes[i].deletionRevision = revision
                wrote = true
            }
            if wrote { try FileSystem.syncDirectory(layout.indexDirectory(number)) }
        } catch { throw StoreError(error) }

        for e in project.indexes[edit.replacing] {
            retired.append(layout.indexFile(project: number, index: e.number))
            if e.deletionRevision > 0 { retired.append(layout.deletionFile(project: number, index: e.number, revision: e.deletionRevision)) }
        }
        project.indexes.replaceSubrange(edit.replacing, with: newEntries)
        if !edit.removedLogFiles.isEmpty {
            guard let at = project.files.firstIndex(where: { edit.removedLogFiles.contains($0.number) }) else {
                throw .corruption(file: layout.manifest, offset: 0, reason: "an edit removes log files project \(number) does not have")
            }
            project.files.removeAll { edit.removedLogFiles.contains($0.number) }
            project.files.insert(contentsOf: edit.insertedLogFiles, at: at)
        } else {
            project.files.insert(contentsOf: edit.insertedLogFiles, at: project.files.count - 1)
        }
        if let end = edit.indexedThrough { project.indexedThrough = end }
        if let totals = edit.totals { project.totals = totals }
        manifest.projects[p] = project
        return (change, retired)
    }

    /// Writes and syncs revision `revision` of index file `index`'s deletion file.
    private func writeDeletions(_ bitmap: Bitmap, docCount: Int, project: UInt64, index: UInt32, revision: UInt32) throws(IOError) {
        let h = try FileHandle.createTruncating(layout.deletionFile(project: project, index: index, revision: revision))
        try h.write(IndexFileEncoder.encodeDeletions(bitmap, docCount: docCount), at: 0)
        try h.sync()
    }
}
