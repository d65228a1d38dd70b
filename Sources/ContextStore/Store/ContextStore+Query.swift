/// Reads through the index: search, get, and the per-project totals.
extension ContextStore {
    /// Runs a keyword search in one project (FORMAT.md section 3 semantics): returns how many
    /// live segments match and the best `limit` of them, fetched from the log.
    ///
    /// Terms are ANDed, rarest first, skipping through postings blocks; filters intersect
    /// their metadata postings; nothing scans every document (an empty unfiltered query walks
    /// each index file's recency order and stops after `limit`).
    public func search(_ q: SearchQuery) throws(StoreError) -> SearchResult {
        guard let pi = writer.index(project: q.project) else { return SearchResult(totalMatches: 0, segments: []) }
        var seen = Set<[UInt8]>()
        var terms: [[UInt8]] = []
        KeywordAnalyzer.forEachWord(in: q.query) { w in
            let t = Array(w)
            if seen.insert(t).inserted { terms.append(t) }
        }
        let (total, locations) = pi.lock.read {
            let r = pi.search(terms: terms, filters: q.filters, limit: max(0, q.limit), order: q.order)
            return (r.total, r.hits.map { pi.docInfo(source: $0.source, doc: $0.doc).location })
        }
        var segments: [ContextSegment] = []
        segments.reserveCapacity(locations.count)
        for loc in locations { segments.append(try fetch(pi, loc)) }
        return SearchResult(totalMatches: total, segments: segments)
    }

    /// The live segments with these ids, in the order asked; unknown or deleted ids are
    /// left out.
    public func get(project: String, ids: [String]) throws(StoreError) -> [ContextSegment] {
        guard let pi = writer.index(project: project) else { return [] }
        let locations = pi.lock.read { ids.compactMap { pi.locate($0)?.location } }
        var out: [ContextSegment] = []
        for loc in locations { out.append(try fetch(pi, loc)) }
        return out
    }

    private func fetch(_ pi: ProjectIndex, _ loc: RecordLocation) throws(StoreError) -> ContextSegment {
        let r = try logMaps.record(project: pi.number, projectID: pi.projectID, at: loc)
        guard case let .put(s) = r else {
            throw .corruption(file: layout.logFile(project: pi.number, file: loc.fileNumber), offset: loc.batchOffset,
                              reason: "the index points at a delete record (\(loc))")
        }
        return s
    }

    /// Live segments and tokens per tier of a project, in constant time.
    public func totals(project: String) -> ProjectTotals? {
        guard let pi = writer.index(project: project) else { return nil }
        return pi.lock.read { pi.totals }
    }

    /// Every project with its totals, in creation order.
    public func allTotals() -> [(project: String, totals: ProjectTotals)] {
        writer.allIndexes().map { pi in (pi.projectID, pi.lock.read { pi.totals }) }
    }
}
