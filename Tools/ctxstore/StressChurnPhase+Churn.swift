import ContextStore

// Steps 1 and 2 of the churn phase (StressChurnPhase.swift): the clean baseline with the
// pick of what to update and delete, then the churn itself.

extension ChurnPhase {
    /// Step 1: `compact()` once (so no dead record is left from the ingest), then the pick.
    /// Opens and closes the store.
    func cleanBaseline() async throws -> (baseline: CompactionReport, pick: Pick) {
        let first = try ContextStore.open(directory: directory, configuration: configuration)
        let baseBar = ByteProgressBar("baseline compaction (bytes)")
        let baseline = try await first.compact { baseBar.update(done: $0, total: $1) }
        baseBar.finish()
        let pick = try await choose(first)
        first.close()
        return (baseline, pick)
    }

    /// Step 2: the pick's updates and deletes; returns their seconds. Opens and closes the store.
    func churn(_ pick: Pick) async throws -> Double {
        let second = try ContextStore.open(directory: directory, configuration: configuration)
        let churnSeconds = try await apply(pick, to: second)
        second.close()
        return churnSeconds
    }

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
}
