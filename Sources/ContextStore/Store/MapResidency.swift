import Synchronization

/// Keeps the pages a handle's read-only maps hold resident within a budget.
///
/// Index and log files are read through shared, read-only maps. Every page a read touches
/// stays in the process's resident set until the map goes: a process that searches a large
/// store for long enough would count every index page it ever read (at ten million
/// segments, 1.1 GB after 3,000 queries, against 25 MB of heap). The page cache keeps those
/// pages either way; what grows is only the process's share of them.
///
/// Readers note their reads (`note`); every `checkInterval` notes the process's resident
/// file-backed bytes are read (`ProcessMemory.residentFileBytes`). Past `floor + budget`
/// the handle forgets the resident pages of all its maps (`MADV_DONTNEED`, through `sweep`),
/// and the floor becomes what is resident after that. The floor is what this handle cannot
/// forget (the binary, other handles' or a compaction's maps) and falls with it: it is the
/// least measured since the last sweep. So the pages this handle holds stay within
/// `budget` plus what `checkInterval` reads touch, whatever the store's size and however
/// long the process runs.
///
/// A forgotten page is read again from the page cache, with the same bytes (a minor fault):
/// nothing a reader sees changes, and a map in use may be swept under it. Where the
/// resident size cannot be read (not Linux), nothing is swept.
final class MapResidency: Sendable {
    let budget: Int
    let checkInterval: Int
    private let measure: @Sendable () -> Int?
    private let notes = Atomic<Int>(0)
    /// The least resident file-backed bytes measured since the handle opened or last swept
    /// (`Int.max` if never measured).
    private let floor = Atomic<Int>(Int.max)
    /// Set while one reader measures or sweeps: others go on reading.
    private let busy = Atomic<Bool>(false)
    private let sweepCount = Atomic<Int>(0)

    /// `measure`: the process's resident file-backed bytes now (tests give a model).
    init(budget: Int, checkInterval: Int, measure: @escaping @Sendable () -> Int? = ProcessMemory.residentFileBytes) {
        self.budget = budget
        self.checkInterval = max(1, checkInterval)
        self.measure = measure
        floor.store(measure() ?? Int.max, ordering: .relaxed)
    }

    /// Sweeps done so far (for statistics and tests).
    var sweeps: Int { sweepCount.load(ordering: .relaxed) }

    /// Counts `reads` reads; on every `checkInterval`-th, measures, and calls `sweep` (which
    /// must forget every map's resident pages) when the handle's maps hold more than the
    /// budget. Returns whether it swept. Cost: an atomic add; a procfs read per interval.
    @discardableResult
    func note(_ reads: Int = 1, sweep: () -> Void) -> Bool {
        let before = notes.add(reads, ordering: .relaxed).oldValue
        guard before / checkInterval != (before + reads) / checkInterval else { return false }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        guard let resident = measure() else { return false }
        let low = min(floor.load(ordering: .relaxed), resident)
        guard resident - low > budget else {
            floor.store(low, ordering: .relaxed)
            return false
        }
        sweep()
        sweepCount.add(1, ordering: .relaxed)
        floor.store(measure() ?? resident, ordering: .relaxed)
        return true
    }
}
