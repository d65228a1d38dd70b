/// The counters and totals a store reports, as named structs (not tuples) so each field is
/// documented and the set can grow without breaking callers. The engine keeps its own
/// counters (`WriterStatistics`, `ActiveTierCache.Statistics`, `Compactor.statistics`);
/// these are copies taken when read, mapped here so the engine's types stay internal.

/// The writer's counters since open: group commit is observable (`writes` and `syncs`
/// below `groups` mean concurrent callers shared them).
public struct WriteStatistics: Sendable, Equatable {
    /// Groups of requests the writer took from its queue (one per wake-up).
    public var groups = 0
    /// Write system calls to log files.
    public var writes = 0
    /// `fdatasync` calls on log files.
    public var syncs = 0
    /// Records written (puts and deletes).
    public var records = 0
    /// Manifest versions published (file rolls, seals, compactions, imports).
    public var manifestPublishes = 0
    /// Memtables written out as index files.
    public var seals = 0
    /// Of `seals`, those of the largest memtables made because all memtables together held
    /// more than `Configuration.memtableBudgetBytes` of text.
    public var budgetSeals = 0
    /// Compaction jobs installed.
    public var compactions = 0

    /// Zero counters (for an app's own tests and stubs).
    public init() {}

    init(_ s: WriterStatistics) {
        groups = s.groups
        writes = s.writes
        syncs = s.syncs
        records = s.records
        manifestPublishes = s.manifestPublishes
        seals = s.seals
        budgetSeals = s.budgetSeals
        compactions = s.compactions
    }
}

/// The active tier's counters since open, and what it holds now.
public struct ActiveTierStatistics: Sendable, Equatable {
    /// Reads of working segments answered from memory.
    public var hits = 0
    /// Reads of working segments that had to go to the log.
    public var misses = 0
    /// Segments dropped by the bounds (`Configuration.activeTierMax*`), including one too
    /// large to be kept at all. Removals (a segment stashed or deleted) are not evictions.
    public var evictions = 0
    /// Segments held now.
    public var segments = 0
    /// Estimated bytes held now.
    public var bytes = 0

    /// Zero counters (for an app's own tests and stubs).
    public init() {}

    init(_ s: ActiveTierCache.Statistics) {
        hits = s.hits
        misses = s.misses
        evictions = s.evictions
        segments = s.count
        bytes = s.bytes
    }
}

/// Compaction since open: what every job did (background and `compact()`), and the last
/// background failure.
public struct CompactionStatistics: Sendable, Equatable {
    /// The jobs' counters, summed.
    public var report = CompactionReport()
    /// The last background job's failure, if any (a background failure is not thrown to
    /// anyone; this is where it shows).
    public var lastError: StoreError?

    /// Zero counters and no error (for an app's own tests and stubs).
    public init() {}

    init(report: CompactionReport, lastError: StoreError?) {
        self.report = report
        self.lastError = lastError
    }
}

/// One project's totals, as `ContextStore.allTotals()` lists them. (A list, not a
/// dictionary: project ids compare by UTF-8 bytes, and a `[String: _]` would merge an NFC
/// and an NFD spelling.)
public struct ProjectTotalsEntry: Sendable, Equatable {
    /// The project id.
    public var project: String
    /// Its live segments and tokens per tier.
    public var totals: ProjectTotals

    /// An entry (for an app's own tests and stubs).
    public init(project: String, totals: ProjectTotals) {
        self.project = project
        self.totals = totals
    }
}

extension ContextStore {
    /// Writer counters since open (groups, writes, syncs, records, publishes, seals,
    /// compactions). Readable after `close()` (the counters as they were).
    /// Cost: a copy under the read view's lock (never waits for the writer).
    public var writeStatistics: WriteStatistics { WriteStatistics(view.statistics) }

    /// Active tier counters: hits, misses, evictions, and what it holds. Readable after
    /// `close()`. Cost: a copy under the cache's lock.
    public var activeTierStatistics: ActiveTierStatistics { ActiveTierStatistics(view.activeTier.statistics) }

    /// Compaction counters since open (since this handle became the holder), and the last
    /// background job's failure if any; empty for a handle that does not hold the store.
    /// Readable after `close()`. Cost: a copy under the compactor's lock.
    public var compactionStatistics: CompactionStatistics {
        guard case let .holder(h) = roles.withLock({ $0 }) else { return CompactionStatistics(report: CompactionReport(), lastError: nil) }
        let s = h.compactor.statistics
        return CompactionStatistics(report: s.report, lastError: s.lastError)
    }
}
