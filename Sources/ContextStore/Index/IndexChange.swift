/// What an applied `StoreEdit` changes in a project's index (`ProjectIndex.install`).
struct IndexChange {
    /// Positions in `files` that `added` replaces (empty range: an insertion there).
    var replacing: Range<Int>
    var added: [IndexFileState] = []
    /// Newly dead docs by index file number.
    var kills: [UInt32: [UInt32]] = [:]
    /// New persisted bitmaps and deletion versions, by index file number.
    var persisted: [UInt32: (bitmap: Bitmap, revision: UInt32)] = [:]
    /// A seal's new memtable start.
    var memtableStart: LogPosition? = nil
    /// A compaction's doc maps, by input file number (see `StoreEdit.remap`).
    var remap: [UInt32: [UInt32]] = [:]
    var totals: ProjectTotals? = nil
}
