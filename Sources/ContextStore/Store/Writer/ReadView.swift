/// What readers see of the store, published by the writer thread after each change:
/// each project's log files (how many bytes of each hold whole, acknowledged batches), each
/// project's index pair, the write counters, the active tier, and the pins that keep
/// files on disk while a reader uses them. Readers never touch the writer.
///
/// Thread model: the maps and counters are guarded by `lock` (held for a dictionary
/// access only); `IndexPair`, `ActiveTierCache` and `FileLifetimes` are safe to share.
final class ReadView: @unchecked Sendable {
    // Sendable: every mutable field is guarded by `lock`.
    let lifetimes: FileLifetimes
    /// Working-tier segments, updated by the writer in log order (so it never holds a
    /// stale version).
    let activeTier: ActiveTierCache

    private let lock = Locked<State>(State())
    private struct State {
        var projects: [ByteKey: ProjectSnapshot] = [:]
        var indexes: [ByteKey: IndexPair] = [:]
        var statistics = WriterStatistics()
    }

    init(lifetimes: FileLifetimes, activeTier: ActiveTierCache) {
        self.lifetimes = lifetimes
        self.activeTier = activeTier
    }

    // MARK: Readers

    /// A project's published log files, or nil if it does not exist.
    func snapshot(project: String) -> ProjectSnapshot? {
        lock.withLock { $0.projects[ByteKey(project)] }
    }

    /// A project's files with a pin that keeps them on disk until released (taken under
    /// the lock that publishes snapshots, so a compaction cannot retire them in between).
    func pinnedSnapshot(project: String) -> (ProjectSnapshot, FilePin)? {
        lock.withLock { state in
            guard let s = state.projects[ByteKey(project)] else { return nil }
            return (s, lifetimes.pin(s.files.map { FileLifetimes.Key(project: s.number, file: $0.number) }))
        }
    }

    /// A project's index, or nil if it does not exist.
    func index(project: String) -> IndexPair? {
        lock.withLock { $0.indexes[ByteKey(project)] }
    }

    /// Every project's index, in creation order.
    func allIndexes() -> [IndexPair] {
        lock.withLock { Array($0.indexes.values) }.sorted { $0.number < $1.number }
    }

    /// Every project's log files, in creation order.
    func allProjects() -> [ProjectSnapshot] {
        lock.withLock { Array($0.projects.values) }.sorted { $0.number < $1.number }
    }

    /// The writer's counters as of its last group or control request.
    var statistics: WriterStatistics { lock.withLock { $0.statistics } }

    // MARK: The writer thread

    /// Publishes a project's files and (if it has one yet) its index together.
    func publish(_ snapshot: ProjectSnapshot, index: IndexPair?) {
        lock.withLock {
            $0.projects[ByteKey(snapshot.projectID)] = snapshot
            if let index { $0.indexes[ByteKey(snapshot.projectID)] = index }
        }
    }

    func publish(_ statistics: WriterStatistics) {
        lock.withLock { $0.statistics = statistics }
    }
}
