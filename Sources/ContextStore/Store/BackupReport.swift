/// What `ContextStore.backup(to:)` wrote: a copy of one MANIFEST publish of the store and
/// every file it names.
public struct BackupReport: Sendable, Equatable {
    /// The copy's directory, as given (without a trailing `/`).
    public var directory = ""
    /// The publish number of the MANIFEST the copy holds (SPEC.md section 3): the copy is
    /// the store as of that publish, plus the batches its active log files held when the
    /// backup took its snapshot.
    public var publishNumber: UInt64 = 0
    /// Projects in the copy.
    public var projects = 0
    /// Files that share the store's bytes through a hard link (sealed log files, index and
    /// deletion files, on the same file system).
    public var linkedFiles = 0
    /// Files written as copies, each synced (active log files always; every file when links
    /// were not asked for or the file system refused them).
    public var copiedFiles = 0
    /// Bytes of all the copy's files (linked and copied; the MANIFEST not counted).
    public var bytes: Int64 = 0
    /// Bytes written by copying.
    public var copiedBytes: Int64 = 0

    /// Log, index and deletion files in the copy.
    public var files: Int { linkedFiles + copiedFiles }

    /// An empty report (for an app's own tests and stubs).
    public init() {}
}
