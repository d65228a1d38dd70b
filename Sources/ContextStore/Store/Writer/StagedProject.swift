/// One project's part of an open import (`ImportStaging`): its staged log files, the
/// staged index built behind the writer, and the staged index files' entries.
///
/// Shared by the writer and the staging indexer under the hand-over rule of
/// `StagedIndexer`: `index`, `entries` and `created` belong to the indexer until the
/// writer drains it; everything else is the writer's.
final class StagedProject: @unchecked Sendable {
    let projectID: String
    let number: UInt64
    /// The project did not exist when the import began: its slot is created at commit.
    let isNew: Bool
    var nextFile: UInt32
    var nextIndex: UInt32
    /// The staged log files (set right after init: its numbering refers to this object).
    var log: SealedLogWriter!
    /// The staged index files, in order (each owns the staged log files written before it).
    var entries: [Manifest.IndexEntry] = []
    /// Operations of the open batch, with their index in it.
    var pending: [(IndexOperation, Int)] = []
    /// How many of `log.entries` index files own (or will, once the indexer gets to it).
    var sealedFiles = 0
    /// Written since the last seal: the writer's seal decision (the memtable is the
    /// indexer's, behind it), by `StoreState.sealDue`.
    var docsSinceSeal = 0
    var textBytesSinceSeal = 0
    /// Builds `index` behind the writer (shared by the import's projects).
    let indexer: StagedIndexer
    let index: ProjectIndex
    /// Index files created, for rollback (the log knows its own).
    var created: [String] = []

    init(projectID: String, number: UInt64, isNew: Bool, nextFile: UInt32, nextIndex: UInt32, indexer: StagedIndexer) {
        self.indexer = indexer
        self.projectID = projectID
        self.number = number
        self.isNew = isNew
        self.nextFile = nextFile
        self.nextIndex = nextIndex
        index = ProjectIndex(number: number, projectID: projectID, files: [],
                             memtableStart: LogPosition(file: nextFile, offset: Int64(LogFormat.fileHeaderSize)),
                             totals: ProjectTotals())
    }
}
