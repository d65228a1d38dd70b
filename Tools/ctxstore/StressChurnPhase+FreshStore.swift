import ContextStore

// Step 4 of the churn phase (StressChurnPhase.swift): the store built from scratch with
// only the live data, the yardstick for the dead bytes.

extension ChurnPhase {
    /// Puts every live segment of `store` but `excluding`'s into a new store at `path`,
    /// project by project (1024 segments a call), compacts it (unthrottled), closes it;
    /// returns its size, the time taken, the segments put and the records its compaction
    /// dropped (0: there was nothing dead).
    func buildFresh(from store: ContextStore, excluding: String, at path: String,
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
}
