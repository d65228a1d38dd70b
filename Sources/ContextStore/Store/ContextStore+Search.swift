/// Search: the query engine over each project searched, then what an assistant needs on
/// top (collapse, snippets, a token budget, an explanation of an empty result).
extension ContextStore {
    /// Runs a search (see `SearchQuery` and `SearchMode`): how many live segments match and
    /// the best `limit` of them, with scores and projects, collapsed, packed into a token
    /// budget and given snippets as asked.
    ///
    /// `.all` mode keeps the old layer's semantics (Docs/FORMAT.md section 3, with its two
    /// edges): terms are ANDed, rarest first, skipping through postings blocks. `.any` mode
    /// counts the union of the query's lists exactly and ranks by BM25 with MaxScore over
    /// block maxima, so common words cost a count, not a score per doc. Without a project,
    /// every project is searched and the hits merged by score (each project's BM25 uses its
    /// own statistics).
    ///
    /// Synchronous: it reads the index and the memory-mapped logs on the calling thread
    /// under each project's read lock, and never waits for the writer.
    ///
    /// - Throws: `.corruption` (the index points at a record that is not there), `.io`,
    ///   `.closed`, `.tokenizerUnavailable` (snippets or a budget need token counts).
    ///
    /// Cost: `.all`: the postings of the rarest term (skipping through the others); `.any`:
    /// every postings list of the query's words (decoded once to count), plus scoring of the
    /// docs MaxScore cannot skip; plus one batch decompression per hit read (when segments,
    /// snippets, a budget or a collapse are asked for).
    public func search(_ q: SearchQuery) throws(StoreError) -> SearchResult {
        try checkOpen()
        let terms = QueryTerms(q.query)
        let pairs = try SearchedProjects(q, view: view)
        let limit = max(0, q.limit)
        // The old layer's edges: a "" file_path or task_id filter, and words that analyze
        // to nothing (only an empty query lists everything), match nothing.
        let impossible = q.hasEmptyFieldFilter || (terms.isEmpty && !q.query.isEmpty) || pairs.isEmpty
        var total = 0
        var candidates: [SearchCandidate] = []
        if !impossible {
            let needsSegments = q.fetchSegments || q.snippets > 0 || q.budgetTokens != nil || q.collapse != nil
            // A collapse may drop hits: ask for more until `limit` survive or all were seen.
            var depth = limit
            while true {
                total = 0
                candidates = []
                try pairs.forEach { order, pair throws(StoreError) in
                    let r = try rankedHits(pair, terms, q, depth: depth, projectOrder: order, fetch: needsSegments)
                    total += r.total
                    candidates += r.hits
                }
                candidates.sort { $0.outranks($1) }
                guard let collapse = q.collapse else { break }
                let keys = candidates.map { c -> String? in
                    collapse.field == .filePath ? c.segment?.filePath : c.segment?.taskID
                }
                let kept = HitCollapser.collapse(keys: keys, perGroup: collapse.perGroup)
                if kept.count >= limit || depth >= total {
                    candidates = kept.map { candidates[$0] }
                    break
                }
                depth = min(total, max(depth * 4, 16))
            }
            if candidates.count > limit { candidates.removeLast(candidates.count - limit) }
        }
        var hits = try finishHits(candidates, terms, q)
        var budget: SearchBudgetReport?
        if let b = q.budgetTokens {
            let packed = TokenBudgetPacker.pack(costs: hits.map(\.tokens), budget: b)
            hits = packed.kept.map { hits[$0] }
            budget = SearchBudgetReport(budgetTokens: b, usedTokens: packed.used, omittedHits: packed.omitted)
        }
        if !q.fetchSegments { for i in hits.indices { hits[i].segment = nil } }
        let explanation = q.explain && total == 0 ? try explain(q, terms, pairs) : nil
        noteMappedReads()
        return SearchResult(totalMatches: total, segments: hits.compactMap(\.segment), hits: hits,
                            budget: budget, explanation: explanation)
    }

    /// One project's count and its best `depth` hits, read (ids, and segments when `fetch`)
    /// inside the read so the files they sit in outlive a compaction that replaces them.
    private func rankedHits(_ pair: IndexPair, _ terms: QueryTerms, _ q: SearchQuery, depth: Int, projectOrder: Int,
                            fetch: Bool) throws(StoreError) -> (total: Int, hits: [SearchCandidate]) {
        try pair.checkedRead { pi throws(StoreError) in
            let r = Self.run(pi, terms, q, limit: depth)
            var out: [SearchCandidate] = []
            out.reserveCapacity(r.hits.count)
            for (rank, h) in r.hits.enumerated() {
                let segment = fetch ? try self.fetch(pi, pi.docInfo(source: h.source, doc: h.doc).location) : nil
                out.append(SearchCandidate(projectID: pi.projectID, segmentID: segment?.segmentID ?? pi.segmentID(source: h.source, doc: h.doc),
                                           score: h.score, createdAt: h.createdAt, projectOrder: projectOrder, rank: rank,
                                           words: h.words, segment: segment))
            }
            return (r.total, out)
        }
    }

    /// The engine call for a query's mode.
    static func run(_ pi: ProjectIndex, _ terms: QueryTerms, _ q: SearchQuery, limit: Int) -> (total: Int, hits: [Hit]) {
        if q.mode == .any && !terms.isEmpty {
            return pi.searchAny(terms, filters: q.filters, limit: limit, order: q.order)
        }
        if terms.terms.contains(where: \.isPrefix) {
            return pi.searchWithPrefixes(terms, filters: q.filters, limit: limit, order: q.order)
        }
        return pi.search(terms: terms.terms.map(\.bytes), filters: q.filters, limit: limit, order: q.order)
    }

    /// How much each query word counts when lines are chosen for snippets: its idf over the
    /// projects searched (whole words and parts), a stop word a fifth of that, a prefix 1.
    private func snippetWeights(_ terms: QueryTerms, _ q: SearchQuery) throws(StoreError) -> [Double] {
        let pairs = try SearchedProjects(q, view: view)
        var n = 0
        var dfs = [Int](repeating: 0, count: terms.terms.count)
        try pairs.forEach { _, pair throws(StoreError) in
            try pair.checkedRead { pi throws(StoreError) in
                n += pi.allDocs
                for (i, t) in terms.terms.enumerated() where !t.isPrefix {
                    dfs[i] += pi.documentFrequency(.word, t.bytes) + pi.documentFrequency(.part, t.bytes)
                }
            }
        }
        return terms.terms.enumerated().map { i, t in
            if t.isPrefix { return 1 }
            let idf = Ranking.idf(df: min(dfs[i], max(n, 1)), n: Double(max(n, 1)))
            return StopWords.english.contains(t.bytes) ? idf * Ranking.stopWordWeight : idf
        }
    }

    /// Hits with their matched words, snippets and token costs.
    private func finishHits(_ candidates: [SearchCandidate], _ terms: QueryTerms, _ q: SearchQuery) throws(StoreError) -> [SearchHit] {
        // The matcher reads texts: made only when snippets, or matched words the engine did
        // not report, need it.
        var matcherStore: WordMatcher?
        func matcher() -> WordMatcher {
            if let m = matcherStore { return m }
            let m = WordMatcher(terms, matchParts: q.mode == .any)
            matcherStore = m
            return m
        }
        let needTokens = q.snippets > 0 || q.budgetTokens != nil
        let tokenizer = needTokens ? try tokens.loadTokenizer() : nil
        let weights = q.snippets > 0 ? try snippetWeights(terms, q) : []
        let allWords = terms.terms.map(\.display)
        return candidates.map { c in
            var hit = SearchHit(projectID: c.projectID, segmentID: c.segmentID, score: c.score, segment: c.segment)
            // all mode: every word matched; any mode: what scoring saw, else (recency order)
            // what the text holds.
            if q.mode == .all || terms.isEmpty {
                hit.matchedWords = allWords
            } else if let w = c.words {
                hit.matchedWords = terms.terms.indices.filter { $0 < 64 && w & (1 << UInt64($0)) != 0 }.map { allWords[$0] }
            } else if let s = c.segment {
                hit.matchedWords = matcher().matchedTerms(text: s.text, fields: (s.filePath.map { [$0] } ?? []) + s.tags)
                    .map { allWords[$0] }
            }
            guard let s = c.segment else { return hit }
            if q.snippets > 0, let tokenizer {
                hit.snippets = SnippetExtractor.snippets(of: s, matcher: matcher(), termWeights: weights, count: q.snippets,
                                                         tokenizer: tokenizer)
                hit.tokens = hit.snippets.reduce(0) { $0 + $1.tokens }
            } else if let tokenizer {
                hit.tokens = s.tokens ?? tokenizer.count(s.text)
            } else {
                hit.tokens = s.tokens ?? 0
            }
            return hit
        }
    }
}

/// A hit on its way out: enough to merge the projects' lists and collapse them.
struct SearchCandidate {
    var projectID: String
    var segmentID: String
    var score: Double
    var createdAt: Int64
    var projectOrder: Int
    /// Its rank in its project's list (which already broke ties by write order).
    var rank: Int
    /// The query words it matched, when the engine knows them (`Hit.words`).
    var words: UInt64?
    var segment: ContextSegment?

    func outranks(_ o: SearchCandidate) -> Bool {
        if score != o.score { return score > o.score }
        if createdAt != o.createdAt { return createdAt > o.createdAt }
        if projectOrder != o.projectOrder { return projectOrder < o.projectOrder }
        return rank < o.rank
    }
}
