/// Reads through the index: search, get, and the per-project totals.
extension ContextStore {
    /// Runs a keyword search in one project (Docs/FORMAT.md section 3 semantics, with its
    /// two edges: see `SearchQuery`): returns how many live segments match and the best
    /// `limit` of them, fetched from the log.
    ///
    /// Terms are ANDed, rarest first, skipping through postings blocks; filters intersect
    /// their metadata postings; nothing scans every document (an empty unfiltered query walks
    /// each index file's recency order and stops after `limit`).
    ///
    /// Synchronous: it reads the index and the memory-mapped logs on the calling thread
    /// under the project's read lock, and never waits for the writer.
    ///
    /// - Throws: `.corruption` (the index points at a record that is not there), `.io`,
    ///   `.closed`.
    ///
    /// Cost: proportional to the postings of the rarest term (skipping through the others)
    /// plus one batch decompression per hit returned.
    public func search(_ q: SearchQuery) throws(StoreError) -> SearchResult {
        try checkOpen()
        let none = SearchResult(totalMatches: 0, segments: [])
        guard let project = q.project, let pair = view.index(project: project), !q.hasEmptyFieldFilter else { return none }
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
    ///
    /// Synchronous, like `search`. - Throws: `.corruption`, `.io`, `.closed`.
    ///
    /// Cost: one index lookup per id, plus one batch decompression per segment not in the
    /// active tier.
    public func get(project: String, ids: [String]) throws(StoreError) -> [ContextSegment] {
        try checkOpen()
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

    /// Live segments and tokens per tier of a project (nil for a project with no record).
    ///
    /// - Throws: `.closed`. Cost: constant (the totals are kept as records come and go).
    public func totals(project: String) throws(StoreError) -> ProjectTotals? {
        try checkOpen()
        return view.index(project: project)?.read { $0.totals }
    }

    /// Every project with its totals, in creation order.
    ///
    /// - Throws: `.closed`. Cost: constant per project.
    public func allTotals() throws(StoreError) -> [ProjectTotalsEntry] {
        try checkOpen()
        return view.allIndexes().map { pair in ProjectTotalsEntry(project: pair.projectID, totals: pair.read { $0.totals }) }
    }
}
