/// The store's root of truth: which projects exist (project id -> internal number) and
/// which log files each has. Published atomically as `MANIFEST` (SPEC.md, "MANIFEST").
/// A log file exists on disk, synced, before any manifest names it.
struct Manifest: Sendable, Equatable {
    var storeUUID: [UInt8]
    /// Increases by one at every publish.
    var publishNumber: UInt64
    /// A lower bound for the next sequence number: every record in a sealed file has a
    /// smaller one. Records of active files are found by scanning them at open.
    var lastSequence: UInt64
    var nextProjectNumber: UInt64
    var projects: [ProjectEntry]

    struct ProjectEntry: Sendable, Equatable {
        var number: UInt64
        /// The user's project id, kept as given (compared by UTF-8 bytes).
        var projectID: String
        var nextFileNumber: UInt32
        /// In log order (the order of the sequence numbers they hold; compaction output
        /// takes the place of its inputs, so numbers need not increase); the last one is the
        /// active (unsealed) file. Every sealed file belongs to exactly one index entry, and
        /// the entries' `logFiles`, concatenated, are the sealed files in this order.
        var files: [LogFileEntry]
        /// The index files cover the log up to here; open replays from here on.
        var indexedThrough: LogPosition = LogPosition(file: 1, offset: Int64(LogFormat.fileHeaderSize))
        var nextIndexNumber: UInt32 = 1
        /// Oldest first.
        var indexes: [IndexEntry] = []
        /// Live segments and tokens per tier, as of `indexedThrough`.
        var totals = ProjectTotals()
    }

    struct IndexEntry: Sendable, Equatable {
        var number: UInt32
        var docCount: UInt32
        /// 0: no deletion file; else `index/<number>-<revision>.del` holds its dead docs.
        var deletionRevision: UInt32
        /// The log files whose records it indexes, in log order (a seal rolls the active
        /// file, so an index file always covers whole log files).
        var logFiles: [UInt32]
    }

    struct LogFileEntry: Sendable, Equatable {
        var number: UInt32
        var sealed: Bool
        /// For a sealed file: its final size, record count and sequence range. Zero for the
        /// active file (found by scanning).
        var size: Int64
        var recordCount: UInt64
        var firstSeq: UInt64
        var lastSeq: UInt64
    }

    static func empty(storeUUID: [UInt8]) -> Manifest {
        Manifest(storeUUID: storeUUID, publishNumber: 0, lastSequence: 0, nextProjectNumber: 1, projects: [])
    }
}

extension Manifest.ProjectEntry {
    /// The files from the one holding `position` to the active one, in log order.
    func files(from position: LogPosition) -> ArraySlice<Manifest.LogFileEntry> {
        let start = files.firstIndex { $0.number == position.file } ?? files.endIndex
        return files[start...]
    }

    /// The file entries an index entry owns, in its order.
    func ownedFiles(_ entry: Manifest.IndexEntry) -> [Manifest.LogFileEntry] {
        entry.logFiles.compactMap { n in files.first { $0.number == n } }
    }

    /// Sealed files that no index entry owns yet (rolled since the last seal), in log order.
    var unownedSealedFiles: [UInt32] {
        let owned = Set(indexes.flatMap(\.logFiles))
        return files.filter { $0.sealed && !owned.contains($0.number) }.map(\.number)
    }
}

extension Manifest.LogFileEntry {
    /// The entry naming a file a `SealedLogWriter` finished (compaction output, import
    /// staging): sealed, with its final size, count and sequence range.
    init(_ f: SealedLogFile) {
        self.init(number: f.number, sealed: true, size: f.size, recordCount: f.recordCount, firstSeq: f.firstSeq, lastSeq: f.lastSeq)
    }
}
