/// The state of a project's active (unsealed) log file after the open-time scan.
struct ActiveFileState: Sendable {
    var number: UInt32
    var size: Int64
    var recordCount: UInt64
    var firstSeq: UInt64
    var lastSeq: UInt64
    /// The file's header version (`LogFileHeader.version`): which codecs and segment body
    /// versions it may hold. The writer rolls an active file older than what it writes
    /// before appending to it (SPEC.md section 4.1).
    var version: UInt16 = LogFormat.fileVersion

    /// The MANIFEST entry recording this state: `sealed` when the file is rolled, not
    /// sealed when a clean close records how far the active file is verified.
    func manifestEntry(sealed: Bool) -> Manifest.LogFileEntry {
        Manifest.LogFileEntry(number: number, sealed: sealed, size: size, recordCount: recordCount,
                              firstSeq: firstSeq, lastSeq: lastSeq)
    }
}
