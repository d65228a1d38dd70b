/// The store's root of truth: which projects exist (project id -> internal number) and
/// which log files each has. Published atomically as `MANIFEST` (SPEC.md, "MANIFEST").
/// A log file exists on disk, synced, before any manifest names it.
struct Manifest: Sendable, Equatable {
    var storeUUID: [UInt8]
    /// Increases by one at every publish.
    var generation: UInt64
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
        /// In file-number order; the last one is the active (unsealed) file.
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
        /// 0: no deletion file; else `index/<number>-<generation>.del` holds its dead docs.
        var deleteGeneration: UInt32
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
        Manifest(storeUUID: storeUUID, generation: 0, lastSequence: 0, nextProjectNumber: 1, projects: [])
    }
}
