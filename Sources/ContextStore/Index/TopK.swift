/// A hit: its ranking key and where it is.
struct Hit: Sendable {
    var score: Double
    var createdAt: Int64
    /// Sources are numbered oldest first (the memtable is the newest): among equal scores
    /// and times, the later write ranks first.
    var source: Int
    var doc: UInt32
    /// `any` mode: the query words (bits of `ScoredTerm.word`) the doc matched, known
    /// from scoring; nil where the engine did not score (`all` mode matches them all,
    /// recency order scores nothing).
    var words: UInt64? = nil

    @inline(__always) func outranks(_ o: Hit) -> Bool {
        if score != o.score { return score > o.score }
        if createdAt != o.createdAt { return createdAt > o.createdAt }
        if source != o.source { return source > o.source }
        return doc > o.doc
    }
}

/// The best `limit` hits seen so far: a binary min-heap whose root is the weakest kept hit,
/// so a new hit costs one comparison when it does not make the cut.
struct TopK {
    let limit: Int
    private(set) var heap: [Hit] = []

    init(limit: Int) {
        self.limit = max(0, limit)
        heap.reserveCapacity(min(self.limit, 1024))
    }

    var isFull: Bool { heap.count >= limit }
    var weakest: Hit? { heap.first }

    mutating func offer(_ h: Hit) {
        guard limit > 0 else { return }
        if heap.count < limit {
            heap.append(h)
            var i = heap.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if heap[p].outranks(heap[i]) { heap.swapAt(p, i); i = p } else { break }
            }
        } else if h.outranks(heap[0]) {
            heap[0] = h
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && heap[m].outranks(heap[l]) { m = l }
                if r < heap.count && heap[m].outranks(heap[r]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
    }

    /// Best first.
    func sorted() -> [Hit] { heap.sorted { $0.outranks($1) } }
}
