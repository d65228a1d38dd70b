

/// The active tier (ARCHITECTURE.md): working segments are written like any other (durably) and
/// kept in an LRU cache bounded by count and bytes (`Configuration.activeTierMax*`). The
/// writer updates the cache in log order as it applies writes, so a cached segment is
/// always the live version; readers only look in it, and read what it lacks (never cached,
/// or evicted) from the log through the index. Eviction therefore never loses anything.
extension ContextStore {
    /// Writes `segment` as a working segment (its tier is set to `working`) and keeps it
    /// in the active tier. Returns when it is durable, as `put` does.
    ///
    /// - Throws: as `put`. Cost: as `put`, plus an insertion into the active tier.
    public func store(_ segment: ContextSegment) async throws(StoreError) {
        var s = segment
        s.tier = .working
        try await put(s)
    }

    /// The project's working and stashed segments (not archived ones): the working ones,
    /// newest first (from the active tier where cached), then the stashed ones, newest
    /// first (from the log).
    ///
    /// Synchronous, like `search`. - Throws: `.corruption`, `.io`, `.closed`.
    ///
    /// Cost: a walk of the tier postings, plus one batch decompression per segment not in
    /// the active tier.
    public func loadSegments(project: String) throws(StoreError) -> [ContextSegment] {
        try checkOpen()
        guard let pair = try view.loadedIndex(project: project) else { return [] }
        return try pair.checkedRead { pi throws(StoreError) in
            var out: [ContextSegment] = []
            for tier in [SegmentTier.working, .stashed] {
                var filters = SearchFilters()
                filters.tier = tier
                let r = pi.search(terms: [], filters: filters, limit: pi.totals[tier].segments, order: .recent)
                for h in r.hits {
                    if tier == .working, let s = view.activeTier.get(project: project, id: pi.segmentID(source: h.source, doc: h.doc)) {
                        out.append(s)
                    } else {
                        out.append(try fetch(pi, pi.docInfo(source: h.source, doc: h.doc).location))
                    }
                }
            }
            return out
        }
    }

    /// Moves working segments to `stashed` (new versions, token counts kept). Ids that are
    /// unknown or not working are reported, not moved.
    ///
    /// - Throws: as `put` (nothing moved then). Cost: a `get` of the ids, then one `put`.
    @discardableResult
    public func stash(project: String, ids: [String]) async throws(StoreError) -> TierChangeReport {
        try await changeTier(project: project, ids: ids, from: .working, to: .stashed)
    }

    /// Moves stashed segments back to `working` (and into the active tier).
    ///
    /// - Throws: as `put` (nothing moved then). Cost: a `get` of the ids, then one `put`.
    @discardableResult
    public func unstash(project: String, ids: [String]) async throws(StoreError) -> TierChangeReport {
        try await changeTier(project: project, ids: ids, from: .stashed, to: .working)
    }

    /// Reads each live version, then writes it with the new tier. A write to the same id
    /// between the two is overwritten (last writer wins, as for any put).
    private func changeTier(project: String, ids: [String], from: SegmentTier, to: SegmentTier) async throws(StoreError) -> TierChangeReport {
        var report = TierChangeReport()
        var seen = Set<ByteKey>()
        var changed: [ContextSegment] = []
        // A follower reads what the holder has now, not what it had at the last refresh.
        try refresh()
        let live = try get(project: project, ids: ids)
        var byID: [ByteKey: ContextSegment] = [:]
        for s in live { byID[ByteKey(s.segmentID)] = s }
        for id in ids where seen.insert(ByteKey(id)).inserted {
            guard var s = byID[ByteKey(id)] else { report.errors.append(.init(id: id, error: .unknownID)); continue }
            guard s.tier == from else { report.errors.append(.init(id: id, error: .wrongTier(s.tier))); continue }
            s.tier = to
            changed.append(s)
            report.moved.append(id)
            report.tokens += s.tokens ?? 0
        }
        try await put(changed)
        return report
    }
}
