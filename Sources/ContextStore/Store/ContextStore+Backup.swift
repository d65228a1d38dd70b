#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ContextStore {
    /// Writes a consistent copy of the store into `directory`, while the store stays in use:
    /// the copy is a store of its own, which `open` opens and `verify` finds sound.
    ///
    /// The copy is one MANIFEST publish of the store and the files it names, held a chunk
    /// at a time while the chunk is copied so that no compaction deletes them meanwhile
    /// (the shared locks a reader takes, SPEC.md section 12.2; at most
    /// `Configuration.maxReaderHeldFiles` descriptors at once), with each project's active
    /// log file cut at the last whole batch it held when its chunk was held. A file the
    /// store retired before its chunk was held starts the copy over from the new MANIFEST
    /// (up to 50 times). So it holds every write acknowledged
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
        let chunk = Follower.Limits(configuration).maxHeldFiles
        var attempt = 0
        while true {
            var snapshot: BackupSnapshot? = nil
            do throws(StoreError) {
                let s = try BackupSnapshot.take(layout)
                snapshot = s
                return try write(s, into: target, chunk: chunk, progress: progress)
            } catch {
                attempt += 1
                // A file gone before its chunk was held: the holder published and retired
                // it meanwhile. Start over from the MANIFEST in place now.
                if case let .io(_, _, errno) = error, errno == ENOENT, let s = snapshot, s.manifestChanged(),
                   attempt < BackupSnapshot.attempts {
                    target.reset()
                    continue
                }
                target.discard()
                if case let .io(_, path, errno) = error, errno == ENOENT {
                    throw .corruption(file: path, offset: 0, reason: "a file the MANIFEST names is missing")
                }
                throw error
            }
        }
    }

    /// Writes the copy: directories, then every file, then the directories synced, then the
    /// MANIFEST (the commit point).
    /// Files are held `chunk` at a time, each chunk while it is placed.
    private func write(_ snapshot: BackupSnapshot, into target: BackupTarget, chunk: Int,
                       progress: ((Int64, Int64) -> Void)?) throws(StoreError) -> BackupReport {
        defer { snapshot.release() }
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
        for start in stride(from: 0, to: snapshot.files.count, by: chunk) {
            let held = try snapshot.hold(start..<min(start + chunk, snapshot.files.count))
            for file in held {
                let linked = try target.place(file, from: layout) { n in
                    done += n
                    progress?(done, max(done, total))
                }
                if linked {
                    report.linkedFiles += 1
                    done += file.length
                    progress?(done, max(done, total))
                } else {
                    report.copiedFiles += 1
                    report.copiedBytes += file.length
                }
                report.bytes += file.length
            }
            snapshot.release()
        }
        try target.syncDirectories()
        try target.publish(snapshot.manifestBytes)
        return report
    }
}
