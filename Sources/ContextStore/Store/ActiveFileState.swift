/// The state of a project's active (unsealed) log file after the open-time scan.
struct ActiveFileState: Sendable {
    var number: UInt32
    var size: Int64
    var recordCount: UInt64
    var firstSeq: UInt64
    var lastSeq: UInt64
}
