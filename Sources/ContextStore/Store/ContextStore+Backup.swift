extension ContextStore {
    /// Writes a consistent copy of the store into `directory`, while the store stays in use:
    /// the copy is a store of its own, which `open` opens and `verify` finds sound.
    ///
    /// The copy is one MANIFEST publish of the store and the files it names, held for the
    /// call so that no compaction deletes them meanwhile (the shared locks a reader takes,
    /// SPEC.md section 12.2), with each project's active log file cut at the last whole
    /// batch it held when the snapshot was taken. So it holds every write acknowledged
    /// before the call began (and perhaps some that were in flight), in every project the
    /// store had then; whatever the store does meanwhile (writes, rolls, seals, compactions,
    /// new projects) changes nothing in the copy and is not held up by it. The store itself
    /// is only read. Works on any handle: the holder, a forwarding or a `.readOnly` handle,
    /// in this process or another, beside a holder that keeps writing.
    ///
    /// `directory` must not exist (it is created, with missing parents) or be empty, and
    /// must lie outside the store. Sealed log files, index files and deletion files (never
    /// written again once named) are hard-linked into the copy when `hardLinks` is true and
    /// the directory is on the same file system, else copied; active log files are always
    /// copied. Every copied file and every directory is synced, and the copy's MANIFEST is
    /// written last, atomically: a copy interrupted before it (a crash) has no MANIFEST and
    /// is never taken for a store. A hard-linked file shares its bytes with the store: a
    /// copy meant to survive damage to the store's disk wants `hardLinks: false` (or another
    /// file system).
    ///
    /// `progress` is called on the calling thread with the bytes done and the total (linked
    /// files count whole at once), after each file and each megabyte copied.
    ///
    /// - Throws: `.invalidBackupTarget` (the directory exists and is not an empty
    ///   directory, or is inside the store; nothing was changed); `.diskFull`, `.io` (the
    ///   directory is left as it was found: everything the backup wrote is removed, the
    ///   MANIFEST first); `.corruption` (a file the MANIFEST names is missing or of the wrong
    ///   size); `.unsupportedVersion`, `.closed`.
    ///
    /// Cost: blocks the calling thread for the copy. Reads the MANIFEST, scans each active
    /// log file's batches after its verified part, then links (one system call a file) or
    /// copies (every byte, in 1 MiB chunks) and syncs; memory stays flat.
    public func backup(to directory: String, hardLinks: Bool = true,
                       progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil) throws(StoreError) -> BackupReport {
        try checkOpen()
        // The target is checked (and created) before anything is held or read.
        let target = try BackupTarget(directory, source: layout, hardLinks: hardLinks)
        do throws(StoreError) {
            let snapshot = try BackupSnapshot.take(layout)
            defer { snapshot.release() }
            return try write(snapshot, into: target, progress: progress)
        } catch {
            target.discard()
            throw error
        }
    }

    /// Writes the copy: directories, then every file, then the directories synced, then the
    /// MANIFEST (the commit point).
    private func write(_ snapshot: BackupSnapshot, into target: BackupTarget,
                       progress: ((Int64, Int64) -> Void)?) throws(StoreError) -> BackupReport {
        var report = BackupReport()
        report.directory = target.path
        report.publishNumber = snapshot.manifest.publishNumber
        report.projects = snapshot.manifest.projects.count
        let total = snapshot.files.reduce(0) { $0 + $1.length }
        var done: Int64 = 0
        progress?(0, total)

        let copy = target.layout
        try target.makeDirectory(copy.projects)
        for p in snapshot.manifest.projects {
            try target.makeDirectory(copy.projectDirectory(p.number))
            try target.makeDirectory(copy.logDirectory(p.number))
            if !p.indexes.isEmpty { try target.makeDirectory(copy.indexDirectory(p.number)) }
        }
        for file in snapshot.files {
            let linked = try target.place(file, from: layout) { n in
                done += n
                progress?(done, total)
            }
            if linked {
                report.linkedFiles += 1
                done += file.length
                progress?(done, total)
            } else {
                report.copiedFiles += 1
                report.copiedBytes += file.length
            }
            report.bytes += file.length
        }
        try target.syncDirectories()
        try target.publish(snapshot.manifestBytes)
        return report
    }
}
