/// The projects a query searches: its own (none if it has no record) or every project,
/// walked one at a time in creation order. Walking, rather than a list of every index,
/// lets a holder with more projects than it keeps loaded search them all with its memory
/// bounded (`ReadView.forEachIndex` loads each in turn); a walk may be repeated (a
/// collapse that needs more hits), loading again what was evicted meanwhile.
struct SearchedProjects {
    private let view: ReadView
    private let single: IndexPair?
    private let all: Bool

    init(_ q: SearchQuery, view: ReadView) throws(StoreError) {
        self.view = view
        if let p = q.project {
            single = try view.loadedIndex(project: p)
            all = false
        } else {
            single = nil
            all = true
        }
    }

    var isEmpty: Bool { all ? view.projectIDs().isEmpty : single == nil }

    /// Calls `body` with each project's position in the walk and its index.
    func forEach(_ body: (Int, IndexPair) throws(StoreError) -> Void) throws(StoreError) {
        if let single { return try body(0, single) }
        guard all else { return }
        var order = 0
        try view.forEachIndex { pair throws(StoreError) in
            try body(order, pair)
            order += 1
        }
    }
}
