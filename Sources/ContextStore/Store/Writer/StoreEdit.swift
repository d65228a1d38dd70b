/// One change to one project's durable state, as LevelDB's `VersionEdit`: what a seal, a
/// compaction install or an import commit *produces*. `StoreState.apply(_:)` is the only
/// code that carries edits out: it writes the deletion files they need, publishes one
/// MANIFEST for all of them, installs them into both copies of each index, and hands the
/// files they retire to their lifetimes.
///
/// Positions (`replacing`) are positions in the project's index-file list, which is the
/// same list, in the same order, in the MANIFEST (`ProjectEntry.indexes`) and in the index
/// (`ProjectIndex.files`): the producer reads both on the writer thread, and nothing
/// changes them between producing an edit and applying it.
struct StoreEdit {
    /// The project slot the edit changes (see `StoreState`).
    var slot: Int
    /// Index files to remove (adjacent positions; empty: none). `added` takes their place.
    var replacing: Range<Int>
    /// Index files to insert at `replacing.lowerBound`, oldest first.
    var added: [AddedIndexFile] = []
    /// Docs of existing index files (by file number) that are now dead and whose deaths
    /// the next deletion file of that index file persists. Docs already dead in the index
    /// (a seal's kills, marked as the writes were applied) stay dead; docs not yet dead (an
    /// import's superseded versions) die at install. Numbers no longer in the project (a
    /// compaction dropped the file) are skipped.
    var kills: [UInt32: [UInt32]] = [:]
    /// Log files that leave the project (a compaction's inputs), retired once no reader
    /// holds them.
    var removedLogFiles: Set<UInt32> = []
    /// Log files that join the project (sealed), and where: before the first removed file
    /// (`removedLogFiles` non-empty) or else before the active file.
    var insertedLogFiles: [Manifest.LogFileEntry] = []
    /// Where the memtable now starts (a seal), if it changes.
    var indexedThrough: LogPosition? = nil
    /// The project's totals after the edit (as of `indexedThrough`); nil: unchanged.
    var totals: ProjectTotals? = nil
    /// For a compaction: each input file's doc map (old doc → new doc in `added[0]`,
    /// `UInt32.max` if not copied), to move the memtable's pending kills of those docs.
    var remap: [UInt32: [UInt32]] = [:]
}

/// An index file an edit adds: already written and synced, opened, not yet named by any
/// MANIFEST. `persisted` is what its first deletion file (revision 1) must hold; empty
/// means it needs none.
struct AddedIndexFile {
    var reader: IndexFileReader
    /// Dead docs readers must skip (at least `persisted`).
    var dead: Bitmap
    var persisted: Bitmap
    /// The log files it owns, in log order.
    var logFiles: [UInt32]
}
