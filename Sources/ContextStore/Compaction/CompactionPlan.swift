/// What a compaction rewrites: a run of adjacent index files of one project (oldest first)
/// with the log files they own, as the writer saw them when it planned the job.
///
/// The dead bitmaps are copies of the *persisted* deaths taken then: docs that die while
/// the job runs, or died by records not yet sealed, are still copied, and the writer moves
/// their deaths to the output when it installs it.
struct CompactionPlan: Sendable {
    struct Input: Sendable {
        var entry: Manifest.IndexEntry
        var reader: IndexFileReader
        var dead: Bitmap
        var files: [Manifest.LogFileEntry]
    }

    var projectNumber: UInt64
    var projectID: String
    var storeUUID: [UInt8]
    /// Position of the first input among the project's index entries.
    var firstInput: Int
    var inputs: [Input]
    /// True when the run starts at the project's oldest file: no older record of any id
    /// exists, so tombstones have nothing left to hide and are dropped.
    var dropTombstones: Bool
    /// Numbers reserved by the writer for the output (log files, then the index file).
    var outputFiles: [UInt32]
    var outputIndex: UInt32
    var logFileSize: Int
    var batchTargetBytes: Int
    /// `Configuration.logCompression` of the output batches.
    var logCompression: LogCompression

    var inputBytes: Int64 { inputs.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.size } } }
}

/// What a compaction wrote (synced, not yet named by any MANIFEST: orphans until installed).
struct CompactionOutput: Sendable {
    var plan: CompactionPlan
    /// Sealed log files, in log order (empty if nothing survived).
    var files: [Manifest.LogFileEntry]
    /// The index file over them (nil if no file was written).
    var index: IndexFileReader?
    /// Per input: old doc -> new doc, `UInt32.max` for docs not copied.
    var remap: [[UInt32]]
    var recordsIn = 0
    var recordsOut = 0
    var bytesOut: Int64 = 0
}
