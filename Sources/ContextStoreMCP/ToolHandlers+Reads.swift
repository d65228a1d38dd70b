import ContextStore
import MCP

/// The tools that read: search, working set, projects, usage. Each reads a view brought up
/// to date with the store's holder first (`currentStore`).
extension ToolHandlers {
    /// `context_search_stashed`: `{"total_matches", "hits", "query", "mode", "filters_applied",
    /// "budget"?, "explanation"?}`; each hit has its id, project, score, matched words, tokens,
    /// snippets and where it came from (type, file_path, line_range, task_id, tags, tier,
    /// created_at), and its whole text only with `include_text`.
    func search(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutput {
        let project = try args.string("project_id")
        if project?.isEmpty == true { throw .badArgument(field: "project_id", "must not be empty; omit it to search every project") }
        var q = SearchQuery(project: project, query: try args.string("query") ?? "")
        let (filters, applied) = try SearchArguments.filters(args, defaultTier: .stashed)
        q.filters = filters
        q.limit = try args.integer("limit", in: 1...1000) ?? 10
        q.mode = try args.choice("mode", SearchMode.self) ?? .any
        q.snippets = try args.integer("snippets", in: 0...20) ?? 3
        q.budgetTokens = try args.integer("budget_tokens", in: 1...10_000_000)
        q.collapse = try SearchArguments.collapse(args)
        q.explain = true
        let includeText = try args.bool("include_text", default: false)
        let store = try await currentStore()
        let query = q
        let r = try storeCall { () throws(StoreError) in try store.search(query) }
        var out: [String: Value] = [
            "total_matches": .int(r.totalMatches),
            "hits": .array(r.hits.map { hit($0, includeText: includeText) }),
            "query": .string(q.query),
            "mode": .string(q.mode.rawValue),
            "project_id": project.map(Value.string) ?? .null,
            "filters_applied": applied,
        ]
        if let b = r.budget {
            out["budget"] = .object(["budget_tokens": .int(b.budgetTokens), "used_tokens": .int(b.usedTokens), "omitted_hits": .int(b.omittedHits)])
        }
        if let e = r.explanation, r.totalMatches == 0 {
            out["explanation"] = .object([
                "words": .array(e.words.map { .object(["word": .string($0.word), "document_frequency": .int($0.documentFrequency)]) }),
                "emptied_by": e.emptiedBy.map(Value.string) ?? .null,
            ])
        }
        return ToolOutput(object: out, list: "hits")
    }

    private func hit(_ h: SearchHit, includeText: Bool) -> Value {
        var o: [String: Value] = h.segment.map(SegmentValues.summary) ?? [:]
        o["segment_id"] = .string(h.segmentID)
        o["project_id"] = .string(h.projectID)
        o["score"] = .double(h.score.isFinite ? h.score : 0)
        o["matched_words"] = .array(h.matchedWords.map(Value.string))
        o["tokens"] = .int(h.tokens)
        o["snippets"] = .array(h.snippets.map { s in
            .object([
                "line": .int(s.line), "source_line": s.sourceLine.map(Value.int) ?? .null, "text": .string(s.text),
                "highlights": .array(s.highlights.map { .array([.int($0.lowerBound), .int($0.upperBound)]) }),
            ])
        })
        if includeText, let s = h.segment { o["text"] = .string(s.text) }
        return .object(o)
    }

    /// `context_get_working_set`: `{"project_id", "segments", "segment_count", "total_tokens"}`,
    /// most recently touched first.
    func workingSet(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutput {
        let project = try args.requiredString("project_id")
        let task = try args.string("task_id")
        let store = try await currentStore()
        let segments = try workingSegments(store, project: project, task: task, fetch: true).segments
            .sorted { ($0.lastTouchedAt, $0.createdAt) > ($1.lastTouchedAt, $1.createdAt) }
        var out: [String: Value] = [
            "project_id": .string(project),
            "segments": .array(segments.map(SegmentValues.full)),
            "segment_count": .int(segments.count),
            "total_tokens": .int(segments.reduce(0) { $0 + ($1.tokens ?? 0) }),
        ]
        if let task { out["task_id"] = .string(task) }
        return ToolOutput(object: out, list: "segments")
    }

    /// Every working segment of a project (of one task when `task` is set).
    private func workingSegments(_ store: ContextStore, project: String, task: String?, fetch: Bool) throws(ToolFailure) -> SearchResult {
        let count = try storeCall { () throws(StoreError) in try store.totals(project: project) }?[.working].segments ?? 0
        var q = SearchQuery(project: project, filters: SearchFilters(taskID: task, tier: .working), limit: count, order: .recent)
        q.fetchSegments = fetch
        let query = q
        return try storeCall { () throws(StoreError) in try store.search(query) }
    }

    /// `context_list_projects`: `{"projects": [{"project_id", "segments", "tokens", "tiers"}], "project_count"}`.
    func listProjects() async throws(ToolFailure) -> ToolOutput {
        let store = try await currentStore()
        let entries = try storeCall { () throws(StoreError) in try store.allTotals() }.filter { $0.totals.segments > 0 }
        let projects: [Value] = entries.map { e in
            var tiers: [String: Value] = [:]
            for t in SegmentTier.allCases {
                tiers[t.rawValue] = .object(["segments": .int(e.totals[t].segments), "tokens": .int(e.totals[t].tokens)])
            }
            return .object(["project_id": .string(e.project), "segments": .int(e.totals.segments),
                            "tokens": .int(e.totals.tokens), "tiers": .object(tiers)])
        }
        return ToolOutput(object: ["projects": .array(projects), "project_count": .int(projects.count)], list: "projects")
    }

    /// `context_analyze_usage`: the working set's tokens against `token_limit`, the largest
    /// working segments (pinned ones marked: they are not stash candidates), and advice.
    func analyzeUsage(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutput {
        let project = try args.requiredString("project_id")
        let limit = try args.integer("token_limit", in: 1...100_000_000) ?? 32_000
        let store = try await currentStore()
        let totals = try storeCall { () throws(StoreError) in try store.totals(project: project) } ?? ProjectTotals()
        let working = totals[.working]
        // The working set is what an assistant keeps in context: small enough to read whole.
        let largest = Array(try workingSegments(store, project: project, task: nil, fetch: true).segments
            .sorted { ($0.tokens ?? 0, $1.segmentID) > ($1.tokens ?? 0, $0.segmentID) }.prefix(10))
        let percent = Double(working.tokens) * 100 / Double(limit)
        var advice: [String] = []
        let candidates = largest.filter { !$0.pinned }
        if working.tokens > limit {
            advice.append("The working set is \(working.tokens - limit) tokens over the limit: stash segments the current task does not need "
                + "(context_stash), largest first\(candidates.isEmpty ? "" : ", e.g. \(candidates.prefix(3).map(\.segmentID).joined(separator: ", "))").")
        } else if percent >= 80 {
            advice.append("The working set uses \(Int(percent))% of the limit: stash what the current task no longer needs before adding more.")
        } else {
            advice.append("The working set is within the limit (\(Int(percent))%).")
        }
        if totals[.stashed].segments > 0 {
            advice.append("\(totals[.stashed].segments) stashed segment(s) can be found with context_search_stashed.")
        }
        return ToolOutput(object: [
            "project_id": .string(project),
            "token_limit": .int(limit),
            "working": .object(["segments": .int(working.segments), "tokens": .int(working.tokens)]),
            "stashed": .object(["segments": .int(totals[.stashed].segments), "tokens": .int(totals[.stashed].tokens)]),
            "usage_percent": .double((percent * 10).rounded() / 10),
            "over_limit": .bool(working.tokens > limit),
            "largest_working_segments": .array(largest.map { s in
                .object(["segment_id": .string(s.segmentID), "tokens": .int(s.tokens ?? 0), "type": .string(s.type.rawValue),
                         "file_path": s.filePath.map(Value.string) ?? .null, "pinned": .bool(s.pinned),
                         "last_touched_at": .string(s.lastTouchedAt.iso8601)])
            }),
            "recommendations": .array(advice.map(Value.string)),
        ], list: "largest_working_segments")
    }
}
