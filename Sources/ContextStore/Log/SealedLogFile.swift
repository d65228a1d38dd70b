/// A log file a `SealedLogWriter` wrote: sealed once finished, with its final size, record
/// count and sequence range (what the MANIFEST records for it: `Manifest.LogFileEntry`
/// is made from this, Manifest being above Log).
struct SealedLogFile: Sendable, Equatable {
    var number: UInt32
    var size: Int64
    var recordCount: UInt64
    var firstSeq: UInt64
    var lastSeq: UInt64
}
