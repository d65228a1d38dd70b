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

    private var configuration: Configuration {
        var c = Configuration(durability: durability)
        c.autoCompaction = false
        c.compactionBytesPerSecond = compactionBytesPerSecond
        return c
    }

    func run() async throws -> StressSection {
        // 1. A clean baseline, and the pick.
        let first = try ContextStore.open(directory: directory, configuration: configuration)
        let baseBar = ByteProgressBar("baseline compaction (bytes)")
        let baseline = try await first.compact { baseBar.update(done: $0, total: $1) }
        baseBar.finish()
        let pick = try await choose(first)
        first.close()
        let s0 = storeSize(directory)

        // 2. The churn.
        let second = try ContextStore.open(directory: directory, configuration: configuration)
        let churnSeconds = try await apply(pick, to: second)
        second.close()
        let s1 = storeSize(directory)
        let churnedProjects = projectDirectories(directory)

        // 3. Searches and a writer: quiet, idle, then while compacting.
        let store = try ContextStore.open(directory: directory, configuration: configuration)
        let writerProject = "stress-writer-\(Int(Date().timeIntervalSince1970))-\(getpid())"
        _ = try await Self.timeSearches(store, workload) { n, _ in n < workload.count }  // warm-up
        let quiet = try await Self.timeSearches(store, workload) { n, elapsed in
            n < workload.count || Double(elapsed) / 1e9 < Self.minWindowSeconds
        }

        let stopIdle = StopFlag()
        let source = writerSource
        let rate = writerRate
        let idleWriter = Task { try await Self.write(store, source, project: writerProject, first: 0, rate: rate, until: stopIdle) }
        let idleStart = nowNanoseconds()
        let idleResult = await Result {
            try await Self.timeSearches(store, workload) { n, elapsed in
                n < workload.count || Double(elapsed) / 1e9 < Self.minWindowSeconds
            }
        }
        let idleEnd = nowNanoseconds()
        stopIdle.set()
        let idlePuts = try await idleWriter.value
        let idleSearches = try idleResult.get()

        let compacted = StopFlag()
        let compactWriter = Task {
            try await Self.write(store, source, project: writerProject, first: idlePuts.count * Self.writerBatch, rate: rate, until: compacted)
        }
        let bar = ByteProgressBar("compaction (bytes)")
        let compaction = Task { () async throws -> (report: CompactionReport, start: UInt64, end: UInt64) in
            defer { compacted.set() }  // after the end time below is taken
            let start = nowNanoseconds()
            let report = try await store.compact { bar.update(done: $0, total: $1) }
            return (report, start, nowNanoseconds())
        }
        let searchResult = await Result { try await Self.timeSearches(store, workload) { _, _ in !compacted.isSet } }
        let compactionResult = await compaction.result
        bar.finish()
        let writerResult = await compactWriter.result
        let (report, cStart, cEnd) = try compactionResult.get()
        let compactingSearches = try searchResult.get().within(cStart, cEnd)
        let compactingPuts = try writerResult.get()

        let totals = try store.allTotals()
        let liveAfter = totals.filter { $0.project != writerProject }.reduce(0) { $0 + $1.totals.segments }
        let writerLive = try store.totals(project: writerProject)?.segments ?? 0
        let lastError = store.compactionStatistics.lastError

        // 4. The fresh store.
        let scratch = try makeScratchDirectory(parent: scratchParent, store: directory)
        defer { if !keep { try? FileManager.default.removeItem(atPath: scratch) } }
        let fresh = try await buildFresh(from: store, excluding: writerProject, at: scratch + "/fresh-store", segments: liveAfter)
        store.close()
        let s2 = storeSize(directory, onlyProjects: churnedProjects)

        // Figures.
        var r = StressSection(key: "churn", title: "churn and compaction (auto compaction off; fraction \(fraction), seed \(seed))")
        r.add("live segments before", "live_segments_before", pick.liveSegments)
        r.add("live text MB before", "live_text_mb_before", Double(pick.liveTextBytes) / 1e6)
        r.add("updated / deleted", "\(pick.updates.count) / \(pick.deleted)",
              [("updated", pick.updates.count), ("deleted", pick.deleted)])
        r.add("churn s, ops/s", "\(fmt(churnSeconds)) s, \(showFigure(Double(pick.updates.count + pick.deleted) / churnSeconds, 0))/s",
              [("churn_seconds", churnSeconds), ("churn_ops_per_s", jsonNumber(Double(pick.updates.count + pick.deleted) / churnSeconds))])
        r.add("baseline compaction", "\(fmt(baseline.seconds)) s, \(baseline.recordsIn - baseline.recordsOut) dead records dropped",
              [("baseline_compaction_seconds", baseline.seconds),
               ("baseline_records_dropped", baseline.recordsIn - baseline.recordsOut)])

        let dead = Double(s1 - fresh.bytes)
        let reclaimed = Double(s1 - s2)
        r.add("store MB: before churn (S0)", "store_mb_before_churn", Double(s0) / 1e6, digits: 3)
        r.add("store MB: after churn (S1)", "store_mb_after_churn", Double(s1) / 1e6, digits: 3)
        r.add("store MB: after compaction (S2)", "store_mb_after_compaction", Double(s2) / 1e6, digits: 3)
        r.add("store MB: fresh, live data only (F)", "store_mb_fresh", Double(fresh.bytes) / 1e6, digits: 3)
        r.add("fresh store: segments, build s, dropped", "\(fresh.segments), \(fmt(fresh.seconds)), \(fresh.dropped)",
              [("fresh_segments", fresh.segments), ("fresh_build_seconds", fresh.seconds), ("fresh_records_dropped", fresh.dropped)])
        r.add("dead MB (S1 - F)", "dead_mb", dead / 1e6, digits: 3)
        r.add("reclaimed MB (S1 - S2)", "reclaimed_mb", reclaimed / 1e6, digits: 3)
        r.add("reclaimed % of dead", "reclaimed_pct", reclaimed / dead * 100, digits: 2)
        r.add("left over MB (S2 - F)", "left_over_mb", Double(s2 - fresh.bytes) / 1e6, digits: 3)

        let deadRecords = pick.updates.count + 2 * pick.deleted
        let dropped = report.recordsIn - report.recordsOut
        r.add("dead records (expected)", "dead_records", deadRecords)
        r.add("records in / out / dropped", "\(report.recordsIn) / \(report.recordsOut) / \(dropped)",
              [("records_in", report.recordsIn), ("records_out", report.recordsOut), ("records_dropped", dropped)])
        r.add("dead records reclaimed %", "dead_records_reclaimed_pct", Double(dropped) / Double(deadRecords) * 100, digits: 2)
        r.add("records dropped == dead", "records_dropped_equal_dead", dropped == deadRecords)
        r.add("writer records compacted", "writer_records_compacted", report.recordsIn - pick.recordsToCompact)
        r.add("live segments after (expected)", "\(liveAfter) (\(pick.liveSegments - pick.deleted))",
              [("live_segments_after", liveAfter), ("live_segments_after_expected", pick.liveSegments - pick.deleted)])
        r.add("live segments as expected", "live_segments_ok", liveAfter == pick.liveSegments - pick.deleted)

        let wall = Double(cEnd - cStart) / 1e9
        r.add("compaction jobs, s (wall s)", "\(report.jobs), \(fmt(report.seconds)) (\(fmt(wall)))",
              [("compaction_jobs", report.jobs), ("compaction_seconds", report.seconds), ("compaction_wall_seconds", wall)])
        r.add("compaction MB in / out", "\(fmt(Double(report.bytesIn) / 1e6)) / \(fmt(Double(report.bytesOut) / 1e6))",
              [("compaction_mb_in", Double(report.bytesIn) / 1e6), ("compaction_mb_out", Double(report.bytesOut) / 1e6)])
        r.add("compaction MB/s in, records/s", "\(showFigure(Double(report.bytesIn) / 1e6 / report.seconds)), \(showFigure(Double(report.recordsIn) / report.seconds, 0))",
              [("compaction_mb_in_per_s", jsonNumber(Double(report.bytesIn) / 1e6 / report.seconds)),
               ("compaction_records_per_s", jsonNumber(Double(report.recordsIn) / report.seconds))])
        r.add("compaction error", lastError.map { "\($0)" } ?? "none", [("compaction_last_error", lastError.map { "\($0)" } ?? NSNull())])

        func searchRow(_ name: String, _ key: String, _ ops: [TimedOp]) -> Double {
            let m = ops.sortedMicros
            let (p50, p99) = (percentile(m, 0.5) / 1000, percentile(m, 0.99) / 1000)
            r.add("search \(name): queries, p50 / p99 ms", "\(m.count), \(showFigure(p50, 3)) / \(showFigure(p99, 3))",
                  [("search_\(key)_queries", m.count), ("search_\(key)_p50_ms", jsonNumber(p50)), ("search_\(key)_p99_ms", jsonNumber(p99))])
            return p99
        }
        let quietP99 = searchRow("quiet", "quiet", quiet)
        let idleP99 = searchRow("idle (+ writer)", "idle", idleSearches.within(idleStart, idleEnd))
        let compactingP99 = searchRow("compacting (+ writer)", "compacting", compactingSearches)
        r.add("search p99 compacting / idle", "search_p99_ratio", compactingP99 / idleP99)
        r.add("search p99 compacting / quiet", "search_p99_ratio_vs_quiet", compactingP99 / quietP99)

        func putRow(_ name: String, _ key: String, _ ops: [TimedOp], seconds: Double) -> Double {
            let m = ops.sortedMicros
            let rate = Double(m.count) / seconds
            r.add("writer \(name): puts/s, p99 / max ms",
                  "\(showFigure(rate, 1)), \(showFigure(percentile(m, 0.99) / 1000, 3)) / \(showFigure((m.last ?? .nan) / 1000, 3))",
                  [("puts_\(key)_per_s", jsonNumber(rate)), ("put_\(key)_p99_ms", jsonNumber(percentile(m, 0.99) / 1000)),
                   ("put_\(key)_max_ms", jsonNumber((m.last ?? .nan) / 1000))])
            return rate
        }
        r.add("writer: segments per put, puts/s asked", "\(Self.writerBatch), \(writerRate > 0 ? showFigure(writerRate, 0) : "unpaced")",
              [("writer_segments_per_put", Self.writerBatch), ("writer_puts_per_s_asked", writerRate)])
        let idleRate = putRow("idle", "idle", idlePuts.within(idleStart, idleEnd), seconds: Double(idleEnd - idleStart) / 1e9)
        let compactingRate = putRow("compacting", "compacting", compactingPuts.within(cStart, cEnd), seconds: wall)
        r.add("writer puts/s compacting / idle", "put_rate_ratio", compactingRate / idleRate)
        let written = (idlePuts.count + compactingPuts.count) * Self.writerBatch
        r.add("writer segments written (live)", "\(written) (\(writerLive))", [("writer_segments_written", written), ("writer_segments_live", writerLive)])

        r.note("dead_bytes", "dead MB = S1 - F: bytes of all files under the store after the churn beyond those of a "
            + "fresh store holding only the live segments (put anew, then compacted to the same one-index-file form); "
            + "reclaimed % = (S1 - S2) / (S1 - F); the writer's project is left out of S2 and F")
        r.note("dead_records", "dead records = updated + 2 x deleted (a superseded put per update, a put and a tombstone "
            + "per delete; the baseline compaction left none); dropped = records in - records out of the compaction")
        r.note("windows", "quiet: searches alone; idle: searches + a writer putting \(Self.writerBatch) segments a call "
            + (writerRate > 0 ? "(\(showFigure(writerRate, 0)) calls/s asked); " : "(unpaced); ")
            + "compacting: the same plus compact(); only operations inside the compaction count")
        return r
    }

    // MARK: - Steps

    /// The live set before the churn and what the churn does to it.
    struct Pick {
        var liveSegments = 0
        var liveTextBytes = 0
        /// New versions (same project and id).
        var updates: [ContextSegment] = []
        /// Ids to delete, per project in creation order.
        var deletes: [(project: String, ids: [String])] = []
        var deleted = 0
        /// Records the full compaction after the churn reads: every record of each project
        /// the churn touched (its live puts, the new versions, the tombstones); the others
        /// hold one clean index file each and are skipped.
        var recordsToCompact = 0
    }

    /// One pass over every live segment: counts, and draws each segment's fate.
    private func choose(_ store: ContextStore) async throws -> Pick {
        var pick = Pick()
        let half = fraction / 2
        for project in try store.projectIDs() {
            var ids: [String] = []
            var live = 0
            let updatesBefore = pick.updates.count
            try store.forEachLiveSegment(project: project) { s in
                live += 1
                pick.liveSegments += 1
                pick.liveTextBytes += s.text.utf8.count
                let u = draw(project, s.segmentID)
                if u < half {
                    var n = s
                    n.text += "\nchurn revision \(seed)"
                    n.tokens = nil
                    n.tokensComputedAt = nil
                    n.textHash = nil
                    pick.updates.append(n)
                } else if u < fraction {
                    ids.append(s.segmentID)
                }
            }
            if !ids.isEmpty {
                pick.deletes.append((project, ids))
                pick.deleted += ids.count
            }
            let updated = pick.updates.count - updatesBefore
            if updated + ids.count > 0 { pick.recordsToCompact += live + updated + ids.count }
        }
        return pick
    }

    /// A uniform number in [0, 1) from the seed and the (project, id) bytes: FNV-1a, then
    /// one SplitMix step.
    private func draw(_ project: String, _ id: String) -> Double {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in project.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        h = (h ^ 0xFF) &* 0x100_0000_01B3  // a separator no UTF-8 string contains
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        var m = SplitMix(seed: h ^ seed)
        return Double(m.next() >> 11) / Double(UInt64(1) << 53)
    }

    private enum Operation: Sendable {
        case put([ContextSegment])
        case delete(project: String, ids: [String])
        var count: Int {
            switch self {
            case let .put(s): s.count
            case let .delete(_, ids): ids.count
            }
        }
    }

    /// Puts and deletes interleaved, `--writers` at a time; returns the seconds to a synced end.
    private func apply(_ pick: Pick, to store: ContextStore) async throws -> Double {
        let puts = stride(from: 0, to: pick.updates.count, by: batch).map {
            Operation.put(Array(pick.updates[$0..<min($0 + batch, pick.updates.count)]))
        }
        let deletes = pick.deletes.flatMap { d in
            stride(from: 0, to: d.ids.count, by: batch).map {
                Operation.delete(project: d.project, ids: Array(d.ids[$0..<min($0 + batch, d.ids.count)]))
            }
        }
        var interleaved: [Operation] = []
        for i in 0..<max(puts.count, deletes.count) {
            if i < puts.count { interleaved.append(puts[i]) }
            if i < deletes.count { interleaved.append(deletes[i]) }
        }
        let ops = interleaved
        let progress = ProgressBar("churn", total: pick.updates.count + pick.deleted)
        let writers = self.writers
        let start = nowNanoseconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var i = w
                    while i < ops.count {
                        switch ops[i] {
                        case let .put(segments): try await store.put(segments)
                        case let .delete(project, ids): try await store.delete(project: project, ids: ids)
                        }
                        progress.advance(by: ops[i].count)
                        i += writers
                    }
                }
            }
            try await group.waitForAll()
        }
        try await store.sync()
        progress.finish()
        return Double(nowNanoseconds() - start) / 1e9
    }

    /// Puts every live segment of `store` but `excluding`'s into a new store at `path`,
    /// project by project (1024 segments a call), compacts it (unthrottled), closes it;
    /// returns its size, the time taken, the segments put and the records its compaction
    /// dropped (0: there was nothing dead).
    private func buildFresh(from store: ContextStore, excluding: String, at path: String,
                            segments: Int) async throws -> (bytes: Int64, seconds: Double, segments: Int, dropped: Int) {
        let start = nowNanoseconds()
        var unthrottled = configuration
        unthrottled.compactionBytesPerSecond = 0
        let fresh = try ContextStore.open(directory: path, configuration: unthrottled)
        let bar = ProgressBar("fresh store", total: segments)
        var count = 0
        for project in try store.projectIDs() where project != excluding {
            var live: [ContextSegment] = []
            try store.forEachLiveSegment(project: project) { live.append($0) }
            for i in stride(from: 0, to: live.count, by: 1024) {
                let chunk = Array(live[i..<min(i + 1024, live.count)])
                try await fresh.put(chunk)
                bar.advance(by: chunk.count)
            }
            count += live.count
        }
        let report = try await fresh.compact()
        fresh.close()
        bar.finish()
        return (storeSize(path), Double(nowNanoseconds() - start) / 1e9, count, report.recordsIn - report.recordsOut)
    }

    /// Runs the workload's queries one at a time, in order and round again, while
    /// `keepGoing(queries so far, nanoseconds so far)`.
    static func timeSearches(_ store: ContextStore, _ workload: [SearchQuery],
                             while keepGoing: (Int, UInt64) -> Bool) async throws -> [TimedOp] {
        var out: [TimedOp] = []
        let start = nowNanoseconds()
        if workload.isEmpty {  // no queries: the window still lasts as long as asked
            while keepGoing(0, nowNanoseconds() - start) { try await Task.sleep(nanoseconds: 10_000_000) }
            return []
        }
        var i = 0
        while keepGoing(out.count, nowNanoseconds() - start) {
            let t = nowNanoseconds()
            _ = try store.search(workload[i % workload.count])
            out.append(TimedOp(start: t, end: nowNanoseconds()))
            i += 1
        }
        return out
    }

    /// Puts `writerBatch` segments a call (texts of `source`, ids `writer-<n>` from `first`,
    /// in `project`), one call at a time, `rate` calls a second (0: unpaced), until `stop`;
    /// returns each call's timing.
    static func write(_ store: ContextStore, _ source: [ContextSegment], project: String, first: Int,
                      rate: Double, until stop: StopFlag) async throws -> [TimedOp] {
        guard !source.isEmpty else { return [] }
        var out: [TimedOp] = []
        var n = first
        let interval = rate > 0 ? UInt64(1e9 / rate) : 0
        var due = nowNanoseconds()
        while !stop.isSet {
            // Paced: each call is due `interval` after the previous one was; a call that
            // stalled is followed by calls back to back until the schedule is caught up.
            let now = nowNanoseconds()
            if due > now { try await Task.sleep(nanoseconds: due - now) }
            due += interval
            if stop.isSet { break }
            var segments: [ContextSegment] = []
            for _ in 0..<writerBatch {
                var s = source[n % source.count]
                s.segmentID = "writer-\(n)"
                s.projectID = project
                segments.append(s)
                n += 1
            }
            let t = nowNanoseconds()
            try await store.put(segments)
            out.append(TimedOp(start: t, end: nowNanoseconds()))
        }
        return out
    }
}

extension Result where Failure == any Error {
    /// The result of an async throwing body.
    init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
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
