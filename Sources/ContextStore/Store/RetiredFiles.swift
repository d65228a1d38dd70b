/// The holder's files that left the MANIFEST (compaction inputs, replaced index and
/// deletion files) and wait to be deleted because a reader process still holds them
/// (SPEC.md, "Readers in other processes"). Each is deleted at the first retry after its
/// last reader lets go: retries run at every MANIFEST change the holder applies and at
/// close; what is still held at close is an orphan the next open removes once free.
///
/// In-process readers are not counted here (`FileLifetimes` and the index pairs cover them):
/// a file reaches `retire` only once no reader of this process can reach it.
final class RetiredFiles: Sendable {
    private let pending = Locked<Set<String>>([])

    /// Deletes each path now, or keeps it for a later retry while a reader holds it. A
    /// failure to delete (other than a reader's hold) is ignored: the file is an orphan
    /// that the next open removes.
    func retire(_ paths: some Sequence<String>) {
        var held: [String] = []
        for p in paths where (try? SharedFileLock.unlinkUnlessShared(p)) == false { held.append(p) }
        if !held.isEmpty { pending.withLock { $0.formUnion(held) } }
    }

    /// Tries the waiting files again.
    func retry() {
        let paths = pending.withLock { s -> Set<String> in defer { s = [] }; return s }
        if !paths.isEmpty { retire(paths) }
    }

    /// Files waiting for readers.
    var count: Int { pending.withLock { $0.count } }
}
