/// A sealed index file as the index holds it: its reader and dead-doc bitmaps. `dead` is
/// what readers skip (persisted deletions plus kills by records not yet sealed),
/// `persisted` what its deletion file (revision `deletionRevision`, 0: none) holds.
///
/// Invariant: `persisted` ⊆ `dead`, and `deadCount == dead.setCount`.
struct IndexFileState {
    let reader: IndexFileReader
    var dead: Bitmap
    var persisted: Bitmap
    var deletionRevision: UInt32
    var deadCount: Int
}
