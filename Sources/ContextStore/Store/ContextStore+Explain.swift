/// Why a search found nothing (`SearchQuery.explain`).
extension ContextStore {
    /// Each word's document frequency (live segments holding it, alone, over the projects
    /// searched), and the first constraint that emptied the result: the project, then the
    /// filters one by one in a fixed order, then (in `.all` mode) the words in query order,
    /// each added to the ones before. In `.any` mode, words that match nothing inside the
    /// filters are reported as `"query"`.
    func explain(_ q: SearchQuery, _ terms: QueryTerms, _ pairs: SearchedProjects) throws(StoreError) -> SearchExplanation {
        func count(_ query: SearchQuery, _ t: QueryTerms) throws(StoreError) -> Int {
            var sum = 0
            try pairs.forEach { _, pair throws(StoreError) in
                sum += try pair.checkedRead { pi in Self.run(pi, t, query, limit: 0).total }
            }
            return sum
        }
        var words: [SearchExplanation.Word] = []
        for term in terms.terms {
            var one = terms
            one.terms = [term]
            one.parts = []
            var alone = SearchQuery(project: q.project, query: "", limit: 0, mode: .all)
            alone.order = .relevance
            words.append(SearchExplanation.Word(word: term.display, documentFrequency: try count(alone, one)))
        }
        if pairs.isEmpty { return SearchExplanation(words: words, emptiedBy: "project") }
        if terms.isEmpty && !q.query.isEmpty { return SearchExplanation(words: words, emptiedBy: "query") }
        // Filters, one at a time, on top of the ones before.
        var f = SearchFilters()
        let none = QueryTerms("")
        var steps: [(String, (inout SearchFilters) -> Void)] = []
        if let v = q.filters.filePath { steps.append(("file_path", { $0.filePath = v })) }
        if let v = q.filters.taskID { steps.append(("task_id", { $0.taskID = v })) }
        for tag in q.filters.tags { steps.append(("tag:\(tag)", { $0.tags.append(tag) })) }
        if let v = q.filters.type { steps.append(("type", { $0.type = v })) }
        if let v = q.filters.tier { steps.append(("tier", { $0.tier = v })) }
        if let v = q.filters.createdAfter { steps.append(("created_after", { $0.createdAfter = v })) }
        if let v = q.filters.createdBefore { steps.append(("created_before", { $0.createdBefore = v })) }
        for (name, apply) in steps {
            apply(&f)
            let probe = SearchQuery(project: q.project, query: "", filters: f, limit: 0)
            // A "" file_path or task_id matches nothing by the old layer's rule, before any index.
            if probe.hasEmptyFieldFilter {
                return SearchExplanation(words: words, emptiedBy: "filter:\(name)")
            }
            if try count(probe, none) == 0 {
                return SearchExplanation(words: words, emptiedBy: "filter:\(name)")
            }
        }
        if q.mode == .any { return SearchExplanation(words: words, emptiedBy: terms.isEmpty ? nil : "query") }
        var sofar = terms
        for i in terms.terms.indices {
            sofar.terms = Array(terms.terms[...i])
            let probe = SearchQuery(project: q.project, query: "", filters: f, limit: 0, mode: .all)
            if try count(probe, sofar) == 0 {
                return SearchExplanation(words: words, emptiedBy: "word:\(terms.terms[i].display)")
            }
        }
        return SearchExplanation(words: words, emptiedBy: nil)
    }
}
