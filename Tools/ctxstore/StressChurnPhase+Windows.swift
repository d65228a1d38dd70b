import ContextStore
import Foundation

// Step 3 of the churn phase (StressChurnPhase.swift): the search workload and a concurrent
// writer timed in three windows (quiet, idle, compacting), and the two loops they run.

extension ChurnPhase {
    /// What step 3 measured. Operation times are absolute (`nowNanoseconds`); each window
    /// keeps only what started and finished inside it when its figures are made.
    struct Windows {
        /// The concurrent writer's own project (left out of the churn's figures).
        var writerProject: String
        var quiet: [TimedOp]
        var idleSearches: [TimedOp]
        var idlePuts: [TimedOp]
        var idleStart: UInt64
        var idleEnd: UInt64
        var compaction: CompactionReport
        var compactionStart: UInt64
        var compactionEnd: UInt64
        /// The searches that started and finished inside the compaction.
        var compactingSearches: [TimedOp]
        var compactingPuts: [TimedOp]

        /// The compaction's wall-clock seconds.
        var compactionWallSeconds: Double { Double(compactionEnd - compactionStart) / 1e9 }
    }

    /// Step 3 on the open `store`: a warm-up pass, then the quiet, idle and compacting
    /// windows, in that order.
    func measureWindows(_ store: ContextStore) async throws -> Windows {
        let writerProject = "stress-writer-\(Int(Date().timeIntervalSince1970))-\(getpid())"
        let quiet = try await quietWindow(store)
        let idle = try await idleWindow(store, writerProject: writerProject)
        let compacting = try await compactingWindow(store, writerProject: writerProject,
                                                    firstWriterID: idle.puts.count * Self.writerBatch)
        return Windows(
            writerProject: writerProject, quiet: quiet, idleSearches: idle.searches, idlePuts: idle.puts,
            idleStart: idle.start, idleEnd: idle.end, compaction: compacting.report,
            compactionStart: compacting.start, compactionEnd: compacting.end,
            compactingSearches: compacting.searches, compactingPuts: compacting.puts)
    }

    /// A warm-up pass over the workload, then the workload alone (at least once, at least
    /// `minWindowSeconds`).
    func quietWindow(_ store: ContextStore) async throws -> [TimedOp] {
        _ = try await Self.timeSearches(store, workload) { n, _ in n < workload.count }  // warm-up
        return try await Self.timeSearches(store, workload) { n, elapsed in
            n < workload.count || Double(elapsed) / 1e9 < Self.minWindowSeconds
        }
    }

    /// The workload (at least once, at least `minWindowSeconds`) while the writer puts into
    /// `writerProject` from id 0; stops the writer when the searches end.
    func idleWindow(_ store: ContextStore, writerProject: String) async throws
        -> (searches: [TimedOp], puts: [TimedOp], start: UInt64, end: UInt64) {
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
        return (idleSearches, idlePuts, idleStart, idleEnd)
    }

    /// `compact()` in a background task, with the workload looping and the writer putting
    /// (ids from `firstWriterID`) until it returns; the searches are cut to the compaction.
    func compactingWindow(_ store: ContextStore, writerProject: String, firstWriterID: Int) async throws
        -> (report: CompactionReport, start: UInt64, end: UInt64, searches: [TimedOp], puts: [TimedOp]) {
        let source = writerSource
        let rate = writerRate
        let compacted = StopFlag()
        let compactWriter = Task {
            try await Self.write(store, source, project: writerProject, first: firstWriterID, rate: rate, until: compacted)
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
        return (report, cStart, cEnd, compactingSearches, compactingPuts)
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
