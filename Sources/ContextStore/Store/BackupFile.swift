/// One file a backup brings into its copy, named by what it is (so the same value gives
/// its path in the store and in the copy), with how many of its bytes the copy holds.
struct BackupFile: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A log file; `sealed` false for a project's active file.
        case log(project: UInt64, file: UInt32, sealed: Bool)
        case index(project: UInt64, number: UInt32)
        case deletions(project: UInt64, index: UInt32, revision: UInt32)
    }

    var kind: Kind
    /// Bytes of the file the copy holds: all of a sealed log, index or deletion file; for
    /// an active log file, its bytes up to the end of the last whole batch the snapshot saw.
    var length: Int64

    /// The file's path under `layout` (the store's, or the copy's).
    func path(in layout: StoreLayout) -> String {
        switch kind {
        case let .log(project, file, _): layout.logFile(project: project, file: file)
        case let .index(project, number): layout.indexFile(project: project, index: number)
        case let .deletions(project, index, revision): layout.deletionFile(project: project, index: index, revision: revision)
        }
    }

    /// Whether the copy may share the store's file (a hard link) instead of copying it.
    /// True for every file no one writes again once a MANIFEST names it: sealed log files
    /// (SPEC.md section 4: never written after the seal), index files and deletion files
    /// (written whole and synced before the publish that names them; a change writes a new
    /// file under a new name, and a named file is only ever unlinked). A published name is
    /// never created again: log file and index numbers come from MANIFEST counters that only
    /// grow, and so does a deletion file's revision.
    /// Not the active log file: the holder keeps appending to it, and an open cuts its torn
    /// tail in place, so the copy takes its bytes as they are now.
    var isImmutable: Bool {
        if case let .log(_, _, sealed) = kind { return sealed }
        return true
    }

    /// The directory that holds the file, under `layout`.
    func directory(in layout: StoreLayout) -> String {
        switch kind {
        case let .log(project, _, _): layout.logDirectory(project)
        case let .index(project, _), let .deletions(project, _, _): layout.indexDirectory(project)
        }
    }
}
