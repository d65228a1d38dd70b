/// What readers see of the store, published by the writer thread after each change:
/// each project's log files (how many bytes of each hold whole, acknowledged batches), each
/// project's index pair, the write counters, the active tier, and the pins that keep
/// files on disk while a reader uses them. Readers never touch the writer.
///
/// A holder loads a project's index on its first use (`StoreState.ensureLoaded`) and
/// evicts the least recently used beyond `Configuration.maxLoadedProjects`, so the view
/// holds some projects only; `catalog` names them all, and the `loader` a holder installs
/// brings one in (`loadedIndex`, `loadedSnapshot`). A follower does the same with its own
/// bounds (`Follower.Limits`), installing its loader with `installFollowerLoader`.
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
    /// Readers of a project the view does not hold wait here while a holder starts on this
    /// handle (`beginHolding` to `installLoader` or `abandonHolding`). Guards `starting`.
    private let startGate = ConditionLock()
    private var starting = false
    private struct State {
        var projects: [ByteKey: ProjectSnapshot] = [:]
        var indexes: [ByteKey: IndexPair] = [:]
        var statistics = WriterStatistics()
        /// Every project's id, in creation order, loaded or not.
        var catalog: [String] = []
        var known: Set<ByteKey> = []
        var loader: Loader?
    }

    /// Loads a project into the view (on the holder's writer thread, or under a follower's
    /// lock) and returns its index, nil if there is no such project.
    typealias Loader = @Sendable (String) throws(StoreError) -> IndexPair?

    init(lifetimes: FileLifetimes, activeTier: ActiveTierCache) {
        self.lifetimes = lifetimes
        self.activeTier = activeTier
    }

    // MARK: Readers

    /// A project's published log files, or nil if the view does not hold it now.
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

    /// A project's index if the view holds it now (loaded), else nil.
    func index(project: String) -> IndexPair? {
        lock.withLock { $0.indexes[ByteKey(project)] }
    }

    /// A project's index, loaded first if the view does not hold it; nil if the project
    /// does not exist.
    func loadedIndex(project: String) throws(StoreError) -> IndexPair? {
        if let pair = index(project: project) { return pair }
        // A holder starting on this handle (a takeover) installs its loader shortly.
        startGate.withLock { while starting { startGate.wait() } }
        let (pair, loader) = lock.withLock { s in (s.indexes[ByteKey(project)], s.known.contains(ByteKey(project)) ? s.loader : nil) }
        if let pair { return pair }
        return try loader?(project)
    }

    /// `pinnedSnapshot`, loading the project first if the view does not hold it.
    func loadedSnapshot(project: String) throws(StoreError) -> (ProjectSnapshot, FilePin)? {
        for _ in 0..<8 {
            if let s = pinnedSnapshot(project: project) { return s }
            guard try loadedIndex(project: project) != nil else { return nil }
            // Loaded, and perhaps evicted again before we pinned it: try once more.
        }
        return pinnedSnapshot(project: project)
    }

    /// Every project's id, in creation order (loaded or not). Cost: a copy of the list.
    func projectIDs() -> [String] {
        lock.withLock { s in s.loader == nil ? s.projects.values.sorted { $0.number < $1.number }.map(\.projectID) : s.catalog }
    }

    /// Calls `body` with every project's index, in creation order, loading those the view
    /// does not hold one at a time (so a holder with more projects than it keeps loaded
    /// reads them all, its memory bounded).
    func forEachIndex(_ body: (IndexPair) throws(StoreError) -> Void) throws(StoreError) {
        let loads = lock.withLock { $0.loader != nil }
        if !loads {
            for pair in lock.withLock({ Array($0.indexes.values) }).sorted(by: { $0.number < $1.number }) { try body(pair) }
            return
        }
        for id in projectIDs() {
            if let pair = try loadedIndex(project: id) { try body(pair) }
        }
    }

    /// Forgets the resident pages of the index files of every project the view holds now
    /// (`MapResidency`); readers in flight go on, faulting pages back in as they read.
    func dropResidentPages() {
        for pair in lock.withLock({ Array($0.indexes.values) }) {
            pair.read { pi in for f in pi.files { f.reader.dropResidentPages() } }
        }
    }

    /// The writer's counters as of its last group or control request.
    var statistics: WriterStatistics { lock.withLock { $0.statistics } }

    // MARK: The writer thread

    /// Publishes a project's files and (if it has one yet) its index together.
    func publish(_ snapshot: ProjectSnapshot, index: IndexPair?) {
        lock.withLock {
            let key = ByteKey(snapshot.projectID)
            $0.projects[key] = snapshot
            if let index { $0.indexes[key] = index }
            if $0.known.insert(key).inserted { $0.catalog.append(snapshot.projectID) }
        }
    }

    /// Names projects in the catalog (a follower's, as it finds them in the MANIFEST),
    /// loaded or not; a name already there is skipped.
    func register(_ projectIDs: [String]) {
        lock.withLock { s in
            for id in projectIDs where s.known.insert(ByteKey(id)).inserted { s.catalog.append(id) }
        }
    }

    /// A follower loads the projects it does not hold through `loader` (replaced by a
    /// holder's when this handle takes the store over: `beginHolding`).
    func installFollowerLoader(_ loader: @escaping Loader) {
        lock.withLock { $0.loader = loader }
    }

    /// A holder starts on this handle: it names every project of its MANIFEST and publishes
    /// the projects it loads at open over what a follower held; readers of others wait for
    /// `installLoader`, so none sees a project missing meanwhile.
    func beginHolding(catalog: [String]) {
        startGate.withLock { starting = true }
        lock.withLock {
            $0.catalog = catalog
            $0.known = Set(catalog.map(ByteKey.init))
            $0.loader = nil
        }
    }

    /// The holder has started: what a follower held beyond the projects the holder loaded
    /// (`loaded`) is dropped (the holder loads those itself, through `loader`, from now on).
    func installLoader(_ loader: @escaping Loader, loaded: Set<ByteKey>) {
        lock.withLock {
            for key in Array($0.indexes.keys) where !loaded.contains(key) { $0.indexes[key] = nil }
            for key in Array($0.projects.keys) where !loaded.contains(key) { $0.projects[key] = nil }
            $0.loader = loader
        }
        startGate.withLock { starting = false; startGate.broadcast() }
    }

    /// The holder did not start (its open failed): the view stays as it was.
    func abandonHolding() {
        startGate.withLock { starting = false; startGate.broadcast() }
    }

    /// Drops an evicted project's files and index from the view (readers holding its index
    /// keep it); the next read loads it again.
    func evict(_ projectID: String) {
        lock.withLock {
            $0.projects[ByteKey(projectID)] = nil
            $0.indexes[ByteKey(projectID)] = nil
        }
    }

    /// The handle is closed: lets go of every project's files and index (readers in flight
    /// keep what they hold) and of the loader, whose holder or follower refers back to this
    /// view; without this a closed handle would keep its files mapped for as long as the
    /// process runs. The catalog, the statistics and the active tier (whose counts a closed
    /// handle still reports) stay until the handle is freed.
    func release() {
        lock.withLock {
            $0.projects = [:]
            $0.indexes = [:]
            $0.loader = nil
        }
    }

    func publish(_ statistics: WriterStatistics) {
        lock.withLock { $0.statistics = statistics }
    }
}
