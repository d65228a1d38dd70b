/// Reads through the index: search, get, and the per-project totals.
extension ContextStore {
    /// Runs a keyword search in one project (Docs/FORMAT.md section 3 semantics, with its
    /// two edges: see `SearchQuery`): returns how many live segments match and the best
    /// `limit` of them, fetched from the log.
    ///
    /// Terms are ANDed, rarest first, skipping through postings blocks; filters intersect
    /// their metadata postings; nothing scans every document (an empty unfiltered query walks
    /// each index file's recency order and stops after `limit`).
    public func search(_ q: SearchQuery) async throws(StoreError) -> SearchResult {
        let none = SearchResult(totalMatches: 0, segments: [])
        guard let pair = view.index(project: q.project), !q.hasEmptyFieldFilter else { return none }
        var seen = Set<[UInt8]>()
        var terms: [[UInt8]] = []
        KeywordAnalyzer.forEachWord(in: q.query) { w in
            let t = Array(w)
            if seen.insert(t).inserted { terms.append(t) }
        }
        // Only an empty query lists everything; words that analyze to nothing match nothing.
        if terms.isEmpty && !q.query.isEmpty { return none }
        // Records are fetched inside the read, so the files they sit in outlive it even if
        // a compaction replaces them meanwhile.
        return try pair.read { pi throws(StoreError) in
            let r = pi.search(terms: terms, filters: q.filters, limit: max(0, q.limit), order: q.order)
            var segments: [ContextSegment] = []
            segments.reserveCapacity(r.hits.count)
            for h in r.hits { segments.append(try fetch(pi, pi.docInfo(source: h.source, doc: h.doc).location)) }
            return SearchResult(totalMatches: r.total, segments: segments)
        }
    }

    /// The live segments with these ids, in the order asked; unknown or deleted ids are
    /// left out. Working segments come from the active tier when it holds them.
    public func get(project: String, ids: [String]) async throws(StoreError) -> [ContextSegment] {
        guard let pair = view.index(project: project) else { return [] }
        return try pair.read { pi throws(StoreError) in
            var out: [ContextSegment] = []
            for id in ids {
                if let s = view.activeTier.get(project: project, id: id) {
                    out.append(s)
                } else if let loc = pi.locate(id)?.location {
                    out.append(try fetch(pi, loc))
                }
            }
            return out
        }
    }

    func fetch(_ pi: ProjectIndex, _ loc: RecordLocation) throws(StoreError) -> ContextSegment {
        let r = try logMaps.record(project: pi.number, projectID: pi.projectID, at: loc)
        guard case let .put(s) = r else {
            throw .corruption(file: layout.logFile(project: pi.number, file: loc.fileNumber), offset: loc.batchOffset,
                              reason: "the index points at a delete record (\(loc))")
        }
        return s
    }

    /// Live segments and tokens per tier of a project, in constant time.
    public func totals(project: String) -> ProjectTotals? {
        view.index(project: project)?.read { $0.totals }
    }

    /// Every project with its totals, in creation order.
    public func allTotals() -> [(project: String, totals: ProjectTotals)] {
        view.allIndexes().map { pair in (pair.projectID, pair.read { $0.totals }) }
    }
}
