/// When log files replaced by a compaction may be deleted: only once no reader uses them.
///
/// Two kinds of readers hold log files. Searches and gets read records inside
/// `IndexPair.read`, and the writer retires a compaction's input files only after both copies
/// of the pair have been switched and drained, so those readers are covered by the pair.
/// Long readers (export, scan) read outside any pair read: they pin the files their snapshot
/// names (while still inside a pair read, so the pin is in place before any retire can look)
/// and unpin when done. A retired file with pins is deleted by the last unpin.
///
/// Invariant: a file is in `pending` only while its pin count is positive; critical sections
/// are O(files pinned or retired) and do no I/O (deletion runs after the lock is released).
final class FileLifetimes: Sendable {
    struct Key: Hashable, Sendable {
        var project: UInt64
        var file: UInt32
    }

    private struct State {
        var pins: [Key: Int] = [:]
        var pending: Set<Key> = []
    }

    private let state = Locked(State())
    private let delete: @Sendable (Key) -> Void

    /// `delete` removes a retired file (and forgets any map of it); called with no lock held.
    init(delete: @escaping @Sendable (Key) -> Void) {
        self.delete = delete
    }

    /// Keeps `keys` on disk until the returned pin is released.
    func pin(_ keys: some Sequence<Key>) -> FilePin {
        let keys = Array(keys)
        state.withLock { s in for k in keys { s.pins[k, default: 0] += 1 } }
        return FilePin(owner: self, keys: keys)
    }

    fileprivate func unpin(_ keys: [Key]) {
        let free: [Key] = state.withLock { s in
            var out: [Key] = []
            for k in keys {
                let n = s.pins[k, default: 1] - 1
                if n > 0 { s.pins[k] = n; continue }
                s.pins[k] = nil
                if s.pending.remove(k) != nil { out.append(k) }
            }
            return out
        }
        for k in free { delete(k) }
    }

    /// Deletes each of `keys` now if unpinned, else when its last pin goes.
    func retire(_ keys: [Key]) {
        let free: [Key] = state.withLock { s in
            var out: [Key] = []
            for k in keys {
                if s.pins[k] != nil { s.pending.insert(k) } else { out.append(k) }
            }
            return out
        }
        for k in free { delete(k) }
    }

    /// Takes `keys` back out of retirement (a reader view dropped a project and loads it
    /// again while an old pin keeps its files pending): their last unpin deletes nothing.
    /// Returns those that were pending (to retire again if the load fails).
    @discardableResult
    func revive(_ keys: [Key]) -> [Key] {
        state.withLock { s in keys.filter { s.pending.remove($0) != nil } }
    }

    /// Retired files still waiting for readers (for tests and stats).
    var pendingCount: Int { state.withLock { $0.pending.count } }
}

/// A set of pinned log files; released explicitly or when dropped.
final class FilePin: Sendable {
    private let owner: FileLifetimes
    private let keys: Locked<[FileLifetimes.Key]?>

    fileprivate init(owner: FileLifetimes, keys: [FileLifetimes.Key]) {
        self.owner = owner
        self.keys = Locked(keys)
    }

    func release() {
        if let k = keys.withLock({ k -> [FileLifetimes.Key]? in defer { k = nil }; return k }) { owner.unpin(k) }
    }

    deinit { release() }
}
