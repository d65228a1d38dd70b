/// `any`-mode search over one project: a doc matches when it holds at least one weighted
/// list of the query (a word, a part of an identifier, a word of its file_path or tags, a
/// prefix's expansion) and passes the filters. Each source is done in two steps: a count
/// (the union of the lists, as a bitmap, intersected with the filters, the live docs and
/// the time range: `total_matches` is exact), then the top k by MaxScore over block maxima,
/// which skips the docs that only common (low-bound) lists hold and cannot make the cut.
/// `exhaustive` scores every match instead (the reference the tests compare with).
///
/// A doc's score is the sum of its lists' contributions added in the order of `scoredTerms`
/// whichever way it was found, so both ways give bit-identical scores and the same top k.
extension ProjectIndex {

    /// One scorer of a query: `weight` already holds its weight times the idf. A text scorer
    /// reads the word's whole-word list and its part list as one term, with tf = tf(word) +
    /// `Ranking.partWeight` * tf(part), saturated once (BM25F-like): a doc holding `region`
    /// both alone and in `mmap_region` scores once, not twice. A field scorer reads the
    /// word's file_path/tags list, a fixed weight per doc.
    struct ScoredTerm: Equatable {
        var field: Bool
        var key: [UInt8]
        var weight: Double
        /// The query word it stands for (an index of `QueryTerms.terms`, below 64), or -1
        /// (a part of a query identifier): what the coordination factor counts.
        var word: Int
    }

    /// The scorers of a query over this project, with dfs and idfs over every source;
    /// scorers no source holds are left out.
    func scoredTerms(_ q: QueryTerms) -> [ScoredTerm] {
        var out: [ScoredTerm] = []
        var at: [[UInt8]: Int] = [:]  // field flag + key -> index in out
        var word = -1
        func add(_ field: Bool, _ key: [UInt8], _ weight: Double) {
            let k = [field ? 1 : 0] + key
            if let i = at[k] {
                if weight > out[i].weight { out[i].weight = weight; out[i].word = word }
                return
            }
            at[k] = out.count
            out.append(ScoredTerm(field: field, key: key, weight: weight, word: word))
        }
        let mem = MemSource(memtable: memtable)
        func expansions(_ kinds: [TermKind], _ prefix: [UInt8]) -> [[UInt8]] {
            var dfs: [[UInt8]: Int] = [:]
            for kind in kinds {
                for f in files { FileSource(state: f).forEachKey(kind, withPrefix: prefix) { dfs[$0, default: 0] += $1 } }
                mem.forEachKey(kind, withPrefix: prefix) { dfs[$0, default: 0] += $1 }
            }
            let best = dfs.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
            return best.prefix(Ranking.maxPrefixExpansions).map(\.key)
        }
        for (i, t) in q.terms.enumerated() {
            word = i < 64 ? i : -1
            if t.isPrefix {
                for e in expansions([.word, .part], t.bytes) { add(false, e, Ranking.wordWeight) }
                for e in expansions([.field], t.bytes) { add(true, e, Ranking.fieldWeight) }
            } else {
                add(false, t.bytes, Ranking.wordWeight)
                add(true, t.bytes, Ranking.fieldWeight)
            }
        }
        word = -1
        for p in q.parts {
            add(false, p, Ranking.queryPartWeight * Ranking.wordWeight)
            add(true, p, Ranking.queryPartWeight * Ranking.fieldWeight)
        }
        let n = max(allDocs, 1)
        let df = documentFrequency
        // Stop words weigh little, unless the query has nothing else.
        let allStop = q.terms.allSatisfy { !$0.isPrefix && StopWords.english.contains($0.bytes) }
        var kept: [ScoredTerm] = []
        for var t in out {
            if !allStop && StopWords.english.contains(t.key) { t.weight *= Ranking.stopWordWeight }
            let word = df(.word, t.key)
            let own = t.field ? df(.field, t.key) : df(.part, t.key) + word
            guard own > 0 else { continue }
            // A field match counts with the rarity of the word in the text too: a common
            // word that is seldom in paths ("the") must not weigh like a rare one.
            let effective = min(n, t.field ? own + word : own)
            t.weight *= Ranking.idf(df: effective, n: Double(n))
            kept.append(t)
        }
        return kept
    }

    /// Total live matches and the best `limit` (see the type's comment).
    func searchAny(_ q: QueryTerms, filters: SearchFilters, limit: Int, order: SearchOrder,
                   exhaustive: Bool = false) -> (total: Int, hits: [Hit]) {
        let r = searchAnyCounting(q, filters: filters, limit: limit, order: order, exhaustive: exhaustive)
        return (r.total, r.hits)
    }

    /// `searchAny`, also saying how many docs were scored in full (what MaxScore saves).
    func searchAnyCounting(_ q: QueryTerms, filters: SearchFilters, limit: Int, order: SearchOrder,
                           exhaustive: Bool = false) -> (total: Int, hits: [Hit], scored: Int) {
        guard let plan = SearchPlan(filters) else { return (0, [], 0) }
        let terms = scoredTerms(q)
        guard !terms.isEmpty else { return (0, [], 0) }
        // Each query word's mass: the largest idf weight among its text scorers.
        var mass = [Double](repeating: 0, count: 64)
        for t in terms where t.word >= 0 && !t.field { mass[t.word] = max(mass[t.word], t.weight) }
        var run = AnyRun(terms: terms, mass: mass, totalMass: mass.reduce(0, +), plan: plan, avgdl: max(Double(allWords) / Double(max(allDocs, 1)), 1),
                         byRecency: order == .recent, exhaustive: exhaustive, top: TopK(limit: limit))
        for (i, f) in files.enumerated() { run.search(FileSource(state: f), source: i) }
        run.search(MemSource(memtable: memtable), source: files.count)
        return (run.total, run.top.sorted(), run.scored)
    }

    /// Docs of every source holding `key` in the dictionary of `kind` (dead ones included,
    /// as BM25's df counts them).
    func documentFrequency(_ kind: TermKind, _ key: [UInt8]) -> Int {
        key.withUnsafeBytes { k in files.reduce(MemSource(memtable: memtable).df(kind, k)) { $0 + FileSource(state: $1).df(kind, k) } }
    }
}
