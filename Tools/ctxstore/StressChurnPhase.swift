import ContextStore
import Foundation

/// `ctxstore stress --churn FRACTION`: makes dead records, then measures what a full
/// compaction gives back and what it costs readers and a writer while it runs.
///
/// Every open of this phase has `autoCompaction = false`, so nothing is compacted except
/// by the explicit `compact()` calls below, and the store is closed between steps (a clean
/// close seals every memtable, so each size is of log files plus their index files):
///
/// 1. Baseline: `compact()` once, so that the store holds no dead record before the churn
///    (ingest may have superseded ids, auto compaction may have run halfway); then one pass
///    over every live segment counts them and their text, and picks the churn: a live
///    segment is updated with probability FRACTION/2 and deleted with probability
///    FRACTION/2, by a seeded hash of (project, id) (so the pick does not depend on the
///    order writes landed in). Size S0.
/// 2. Churn: the updates (same ids, text with a line appended, token cache cleared) and
///    the deletes, by `--writers` concurrent writers, `--batch` a call. Size S1.
/// 3. Windows, each after a warm-up pass over the workload:
///    - quiet: the search workload (at least once, at least 2 s), nothing else running;
///    - idle: the workload (at least once, at least 2 s) while a writer task puts
///      `writerBatch` segments a call, one call at a time, at most `writerRate` calls a
///      second (0: as fast as it can), into a project of its own;
///    - compacting: `compact()` in a background task, with the same searches (looping over
///      the workload) and the same writer until it returns. Only operations that started
///      and finished inside the compaction count.
///    Idle and compacting differ only by the compaction, so their ratio is its cost; quiet
///    is the bar with no writer at all. Then size S2, not counting the writer's project
///    (its records are live data written during the measurement, not part of the churn).
///    `compact()` compacts every project, the writer's too if it holds more than one index
///    file when its turn comes (a fast writer over a long compaction): the records that
///    job read are reported (`writer_records_compacted`, exact, normally 0), since the
///    compaction's time and throughput then include them.
///
/// 4. A fresh store: every live segment (the writer's project left out) put into a new
///    store under the scratch directory, which is then compacted too, so that it has the
///    same form as a compacted store (one index file per project; it has no dead record,
///    so its compaction only merges index files). Size F. Removed unless `--keep`.
///
/// Dead bytes, defined (and printed with the figures): what the churned store holds beyond
/// what a store built from scratch with only its live data takes:
///     dead = S1 - F;  reclaimed = S1 - S2;  reclaimed % = reclaimed / dead
/// (S2 - F is what compaction left over; it can be slightly negative, as batching differs.)
/// A scaled estimate (S0 x live text after / before) was tried and rejected: on a 40k
/// corpus it undershot F by 3% (the term dictionary does not shrink with the docs), which
/// showed 93% reclaimed where the store was within 0.01% of F.
/// Records are counted exactly: after the clean baseline, the dead records are one
/// superseded put per update plus one put and one tombstone per delete, and a full
/// compaction must drop exactly those (records in - records out of its jobs).
struct ChurnPhase {
    var directory: String
    var durability: Durability
    var fraction: Double
    var seed: UInt64
    var writers: Int
    var batch: Int
    var compactionBytesPerSecond: Int
    /// Put calls a second the concurrent writer aims at (0: one after the other, unpaced).
    var writerRate: Double
    var workload: [SearchQuery]
    /// Segments whose texts the concurrent writer puts (cycled, with ids of its own).
    var writerSource: [ContextSegment]
    /// Where the fresh store goes (`--scratch`, default: the store's parent), and whether
    /// it stays.
    var scratchParent: String?
    var keep: Bool

    /// Segments per put call of the concurrent writer.
    static let writerBatch = 4
    /// Shortest quiet and idle windows (seconds): enough queries for a steady p99 on a
    /// noisy machine, enough puts for the writer's idle rate.
    static let minWindowSeconds = 2.0

    /// Every open of this phase: auto compaction off, the phase's durability and throttle.
    var configuration: Configuration {
        var c = Configuration(durability: durability)
        c.autoCompaction = false
        c.compactionBytesPerSecond = compactionBytesPerSecond
        return c
    }

    /// The four steps in order, then the figures. Steps 1 and 2 open and close the store;
    /// the store step 3 opens is closed once step 4 has copied its live segments.
    func run() async throws -> StressSection {
        // 1. A clean baseline, and the pick.
        let (baseline, pick) = try await cleanBaseline()
        let s0 = storeSize(directory)

        // 2. The churn.
        let churnSeconds = try await churn(pick)
        let s1 = storeSize(directory)
        let churnedProjects = projectDirectories(directory)

        // 3. Searches and a writer: quiet, idle, then while compacting.
        let store = try ContextStore.open(directory: directory, configuration: configuration)
        let windows = try await measureWindows(store)
        let totals = try store.allTotals()
        let liveAfter = totals.filter { $0.project != windows.writerProject }.reduce(0) { $0 + $1.totals.segments }
        let writerLive = try store.totals(project: windows.writerProject)?.segments ?? 0
        let lastError = store.compactionStatistics.lastError

        // 4. The fresh store.
        let scratch = try makeScratchDirectory(parent: scratchParent, store: directory)
        defer { if !keep { try? FileManager.default.removeItem(atPath: scratch) } }
        let fresh = try await buildFresh(from: store, excluding: windows.writerProject, at: scratch + "/fresh-store",
                                         segments: liveAfter)
        store.close()
        let s2 = storeSize(directory, onlyProjects: churnedProjects)

        return section(ChurnFigures(
            baseline: baseline, pick: pick, churnSeconds: churnSeconds, s0: s0, s1: s1, s2: s2,
            windows: windows, liveAfter: liveAfter, writerLive: writerLive, lastError: lastError, fresh: fresh))
    }
}

/// Bytes of the regular files under a store directory. With `onlyProjects`, files under
/// `projects/<name>/` count only for those names; files outside `projects/` always count.
func storeSize(_ directory: String, onlyProjects: Set<String>? = nil) -> Int64 {
    StoreFootprint(directory: directory, onlyProjects: onlyProjects).bytes
}

/// The names under `<store>/projects` (one directory per project, by internal number).
func projectDirectories(_ directory: String) -> Set<String> {
    Set((try? FileManager.default.contentsOfDirectory(atPath: directory + "/projects")) ?? [])
}
