/// Reads through the index: get, fetch, and the per-project totals (search is in
/// ContextStore+Search.swift).
extension ContextStore {
    /// The live segments with these ids, in the order asked; unknown or deleted ids are
    /// left out. Working segments come from the active tier when it holds them.
    ///
    /// Synchronous, like `search`. - Throws: `.corruption`, `.io`, `.closed`.
    ///
    /// Cost: one index lookup per id, plus one batch decompression per segment not in the
    /// active tier.
    public func get(project: String, ids: [String]) throws(StoreError) -> [ContextSegment] {
        try checkOpen()
        guard let pair = try view.loadedIndex(project: project) else { return [] }
        return try pair.checkedRead { pi throws(StoreError) in
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
        noteMappedReads()
        guard case let .put(s) = r else {
            throw .corruption(file: layout.logFile(project: pi.number, file: loc.fileNumber), offset: loc.batchOffset,
                              reason: "the index points at a delete record (\(loc))")
        }
        return s
    }

    /// Counts reads through the store's maps (a search, a record decoded, a batch exported,
    /// a written record, whose id the writer looked up in the index files), and forgets the
    /// pages every map holds resident once they pass `Configuration.mappedResidentBudgetBytes`
    /// (`MapResidency`). Called inside index reads too: the sweep only advises the kernel,
    /// and reading a project's index again from the same thread never waits.
    func noteMappedReads(_ reads: Int = 1) {
        residency.note(reads) {
            logMaps.dropResidentPages()
            view.dropResidentPages()
        }
    }

    /// Live segments and tokens per tier of a project (nil for a project with no record).
    ///
    /// - Throws: `.closed`; `.corruption`, `.io` (loading a project not loaded yet).
    ///   Cost: constant (the totals are kept as records come and go) for a loaded project;
    ///   a holder loads one it does not hold (`Configuration.maxLoadedProjects`) first.
    public func totals(project: String) throws(StoreError) -> ProjectTotals? {
        try checkOpen()
        return try view.loadedIndex(project: project)?.read { $0.totals }
    }

    /// Every project with its totals, in creation order.
    ///
    /// - Throws: `.closed`; `.corruption`, `.io` (loading a project not loaded yet).
    ///   Cost: constant per loaded project; a holder loads the others one at a time.
    public func allTotals() throws(StoreError) -> [ProjectTotalsEntry] {
        try checkOpen()
        var out: [ProjectTotalsEntry] = []
        try view.forEachIndex { pair in out.append(ProjectTotalsEntry(project: pair.projectID, totals: pair.read { $0.totals })) }
        return out
    }
}
