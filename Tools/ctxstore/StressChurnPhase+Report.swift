import ContextStore
import Foundation

// The figures of the churn phase (StressChurnPhase.swift): what the four steps measured,
// turned into the section's rows and notes, in the order they are printed.

extension ChurnPhase {
    /// Everything `run` measured, for the figures.
    struct ChurnFigures {
        var baseline: CompactionReport
        var pick: Pick
        var churnSeconds: Double
        /// Store sizes: before the churn, after it, after the compaction (the writer's
        /// project left out).
        var s0: Int64
        var s1: Int64
        var s2: Int64
        var windows: Windows
        /// Live segments after the compaction, the writer's project left out.
        var liveAfter: Int
        /// Live segments of the writer's project.
        var writerLive: Int
        var lastError: StoreError?
        var fresh: (bytes: Int64, seconds: Double, segments: Int, dropped: Int)
    }

    /// The section: churn, sizes, records, compaction, searches, writer, then the notes.
    func section(_ f: ChurnFigures) -> StressSection {
        var r = StressSection(key: "churn", title: "churn and compaction (auto compaction off; fraction \(fraction), seed \(seed))")
        churnRows(f, into: &r)
        sizeRows(f, into: &r)
        recordRows(f, into: &r)
        compactionRows(f, into: &r)
        searchRows(f, into: &r)
        writerRows(f, into: &r)
        notes(into: &r)
        return r
    }

    /// The live set before, the churn, the baseline compaction.
    private func churnRows(_ f: ChurnFigures, into r: inout StressSection) {
        let pick = f.pick, churnSeconds = f.churnSeconds, baseline = f.baseline
        r.add("live segments before", "live_segments_before", pick.liveSegments)
        r.add("live text MB before", "live_text_mb_before", Double(pick.liveTextBytes) / 1e6)
        r.add("updated / deleted", "\(pick.updates.count) / \(pick.deleted)",
              [("updated", pick.updates.count), ("deleted", pick.deleted)])
        r.add("churn s, ops/s", "\(fmt(churnSeconds)) s, \(showFigure(Double(pick.updates.count + pick.deleted) / churnSeconds, 0))/s",
              [("churn_seconds", churnSeconds), ("churn_ops_per_s", jsonNumber(Double(pick.updates.count + pick.deleted) / churnSeconds))])
        r.add("baseline compaction", "\(fmt(baseline.seconds)) s, \(baseline.recordsIn - baseline.recordsOut) dead records dropped",
              [("baseline_compaction_seconds", baseline.seconds),
               ("baseline_records_dropped", baseline.recordsIn - baseline.recordsOut)])
    }

    /// Store sizes, and the dead bytes measured against the fresh store.
    private func sizeRows(_ f: ChurnFigures, into r: inout StressSection) {
        let s0 = f.s0, s1 = f.s1, s2 = f.s2, fresh = f.fresh
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
    }

    /// Records: the dead ones expected, what the compaction dropped, the live ones after.
    private func recordRows(_ f: ChurnFigures, into r: inout StressSection) {
        let pick = f.pick, report = f.windows.compaction, liveAfter = f.liveAfter
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
    }

    /// The compaction: jobs, time, bytes, throughput, its error if any.
    private func compactionRows(_ f: ChurnFigures, into r: inout StressSection) {
        let report = f.windows.compaction, lastError = f.lastError
        let wall = f.windows.compactionWallSeconds
        r.add("compaction jobs, s (wall s)", "\(report.jobs), \(fmt(report.seconds)) (\(fmt(wall)))",
              [("compaction_jobs", report.jobs), ("compaction_seconds", report.seconds), ("compaction_wall_seconds", wall)])
        r.add("compaction MB in / out", "\(fmt(Double(report.bytesIn) / 1e6)) / \(fmt(Double(report.bytesOut) / 1e6))",
              [("compaction_mb_in", Double(report.bytesIn) / 1e6), ("compaction_mb_out", Double(report.bytesOut) / 1e6)])
        r.add("compaction MB/s in, records/s", "\(showFigure(Double(report.bytesIn) / 1e6 / report.seconds)), \(showFigure(Double(report.recordsIn) / report.seconds, 0))",
              [("compaction_mb_in_per_s", jsonNumber(Double(report.bytesIn) / 1e6 / report.seconds)),
               ("compaction_records_per_s", jsonNumber(Double(report.recordsIn) / report.seconds))])
        r.add("compaction error", lastError.map { "\($0)" } ?? "none", [("compaction_last_error", lastError.map { "\($0)" } ?? NSNull())])
    }

    /// Search latency in each window, and the ratios.
    private func searchRows(_ f: ChurnFigures, into r: inout StressSection) {
        let w = f.windows
        let (quiet, idleSearches, compactingSearches) = (w.quiet, w.idleSearches, w.compactingSearches)
        let (idleStart, idleEnd) = (w.idleStart, w.idleEnd)
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
    }

    /// The concurrent writer's rate and latency, idle and compacting.
    private func writerRows(_ f: ChurnFigures, into r: inout StressSection) {
        let w = f.windows, writerLive = f.writerLive
        let (idlePuts, compactingPuts) = (w.idlePuts, w.compactingPuts)
        let (idleStart, idleEnd, cStart, cEnd) = (w.idleStart, w.idleEnd, w.compactionStart, w.compactionEnd)
        let wall = w.compactionWallSeconds
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
    }

    /// What the figures mean.
    private func notes(into r: inout StressSection) {
        r.note("dead_bytes", "dead MB = S1 - F: bytes of all files under the store after the churn beyond those of a "
            + "fresh store holding only the live segments (put anew, then compacted to the same one-index-file form); "
            + "reclaimed % = (S1 - S2) / (S1 - F); the writer's project is left out of S2 and F")
        r.note("dead_records", "dead records = updated + 2 x deleted (a superseded put per update, a put and a tombstone "
            + "per delete; the baseline compaction left none); dropped = records in - records out of the compaction")
        r.note("windows", "quiet: searches alone; idle: searches + a writer putting \(Self.writerBatch) segments a call "
            + (writerRate > 0 ? "(\(showFigure(writerRate, 0)) calls/s asked); " : "(unpaced); ")
            + "compacting: the same plus compact(); only operations inside the compaction count")
    }
}
