import ArgumentParser
import ContextStore
import Foundation

/// Query flags shared by `search`.
struct FilterOptions: ParsableArguments {
    @Option(name: .long, help: "Only segments with this file_path (\"\" matches nothing, as in the old layer).") var filePath: String?
    @Option(name: .long, help: "Only segments with this task_id (\"\" matches nothing).") var taskId: String?
    @Option(name: .long, help: "Only segments with this tag (repeat: all must be present).") var tag: [String] = []
    @Option(name: .long, help: "Only segments of this type: \(SegmentType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type: String?
    @Option(name: .long, help: "Only segments in this tier: \(SegmentTier.allCases.map(\.rawValue).joined(separator: ", ")).")
    var tier: String?
    @Option(name: .long, help: ArgumentHelp("Only segments created strictly after TIME (ISO 8601: 2025-01-01, 2025-01-01T12:00:00Z, ...).",
                                            valueName: "TIME"))
    var createdAfter: String?
    @Option(name: .long, help: ArgumentHelp("Only segments created strictly before TIME.", valueName: "TIME"))
    var createdBefore: String?

    func filters() throws -> SearchFilters {
        var f = SearchFilters(filePath: filePath, taskID: taskId, tags: tag)
        if let type {
            guard let t = SegmentType(rawValue: type) else { throw invalidChoice("--type", type, SegmentType.self) }
            f.type = t
        }
        if let tier {
            guard let t = SegmentTier(rawValue: tier) else { throw invalidChoice("--tier", tier, SegmentTier.self) }
            f.tier = t
        }
        f.createdAfter = try Self.time("--created-after", createdAfter)
        f.createdBefore = try Self.time("--created-before", createdBefore)
        return f
    }

    private static func time(_ option: String, _ text: String?) throws -> Timestamp? {
        guard let text else { return nil }
        do { return try Timestamp(iso8601: text) } catch { throw ValidationError("\(option): \(error)") }
    }
}

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a project (or all): total matches and the top segments, ranked, with snippets.",
        discussion: """
            Modes. --mode all (the default) matches as the old layer matched: every word of \
            --query must be among the segment's words, where the words of a text are Python's \
            re.findall(r"\\b\\w+\\b", text.lower()) (Docs/FORMAT.md section 3). --mode any \
            matches a segment holding at least one word, as a whole word, as a part of an \
            identifier (region finds mmap_region, header finds parseHTTPHeader), or in its \
            file_path or tags, and ranks by BM25 over all the words, so the rare ones decide: \
            the mode for an assistant's question. A word ending in * is a prefix (mmap*) in both \
            modes. Any text is a valid query. An absent or empty --query lists the filtered \
            segments; a query with no word in it ("!!!") matches nothing, and so does a \
            --file-path or --task-id of "". Order: relevance (BM25, ties by recency) or recent.

            For an assistant: --snippets N gives each hit its N best lines with line numbers \
            (in the segment, and in the source file when it has a line_range) and the byte \
            ranges of the matched words; --budget-tokens N keeps hits, in rank order, while \
            their exact token counts (of the snippets when asked, else of the whole text) fit \
            in N, and says what it used and left out; --collapse file_path keeps the best hit \
            per file (--collapse-per-group K: K of them); --all-projects (or no --project) \
            searches every project; --explain says, for a query with no match, each word's \
            document frequency and which word or filter emptied the result.

            Output: a line with the number of matches, then for each hit its score, project, \
            file path and line range, type and id, then its snippets (or its first line). \
            --json prints {"total_matches": N, "segments": [...], "hits": [{"segment_id", \
            "project_id", "score", "matched_words", "tokens", "snippets": [{"line", \
            "source_line", "text", "highlights": [[start, end]], "tokens"}]}], "budget": {...}, \
            "explanation": {...}}.

            With --batch FILE: one JSON query a line:
              {"project": P, "query": "words", "mode": "any", "filters": {"file_path": F, \
            "task_id": T, "tags": [..], "tag": T, "type": T, "tier": T, "created_after": TIME, \
            "created_before": TIME}, "limit": N, "order": "relevance", "snippets": N, \
            "budget_tokens": N, "collapse": "file_path" (or {"field": F, "per_group": K}), \
            "explain": true}
            (every key optional; a missing "project" searches every project; "tag" is the old \
            layer's one-tag key and adds to "tags"). Prints for each, in order, \
            {"total_matches": N, "ids": [...], "hits": [...], "micros": T}, or {"error": "..."} \
            for a line that is not a valid query (an unknown key, a null or mistyped value, an \
            unknown mode, type or tier: never a silently dropped filter), and the run goes on; \
            then {"queries": N, "errors": E, "p50_micros": ..., "p95_micros": ..., \
            "p99_micros": ...} over the queries that ran. Batch lines read segments only when \
            they ask for snippets, a budget or a collapse.

            Examples:
              ctxstore search --project myproj --query "mmap flags" --limit 5
              ctxstore search --all-projects --mode any --query "how did we fix the mmap crash in the region code" --snippets 2 --budget-tokens 2000
              ctxstore search --project myproj --tag h --created-after 2025-01-01 --order recent --json
              ctxstore search --batch queries.jsonl

            Exit status: \(ExitStatus.summary)
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "The project to search (without it, or with --all-projects, every project).") var project: String?
    @Flag(name: .long, help: "Search every project (each hit names its project).") var allProjects = false
    @Option(help: "Words to match (all of them, or any with --mode any; word* is a prefix).") var query = ""
    @Option(help: "all (every word, the default) or any (at least one, ranked by BM25).") var mode = "all"
    @OptionGroup var filter: FilterOptions
    @Option(parsing: .unconditional, help: "How many segments to return (0: only count the matches).") var limit = 10
    @Option(help: "relevance or recent.") var order = "relevance"
    @Option(help: ArgumentHelp("Give each hit its N best-matching lines.", valueName: "N")) var snippets = 0
    @Option(help: ArgumentHelp("Keep hits, in rank order, while their exact token counts fit in N.", valueName: "N"))
    var budgetTokens: Int?
    @Option(help: ArgumentHelp("At most one hit (or --collapse-per-group) per file_path or task_id.", valueName: "FIELD"))
    var collapse: String?
    @Option(help: ArgumentHelp("Hits kept per group with --collapse.", valueName: "K")) var collapsePerGroup = 1
    @Flag(name: .long, help: "For a query with no match, say why (each word's document frequency, what emptied it).")
    var explain = false
    @Option(help: ArgumentHelp("Run the queries of FILE (JSON lines), one result line each.", valueName: "FILE"))
    var batch: String?
    @Flag(name: .long, help: "Print the result as one JSON object on stdout.") var json = false

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be positive (or 0 to only count the matches); got \(limit)") }
        guard SearchOrder(rawValue: order) != nil else { throw invalidChoice("--order", order, SearchOrder.self) }
        guard SearchMode(rawValue: mode) != nil else { throw invalidChoice("--mode", mode, SearchMode.self) }
        if let collapse, SearchCollapseField(rawValue: collapse) == nil { throw invalidChoice("--collapse", collapse, SearchCollapseField.self) }
        guard snippets >= 0 else { throw ValidationError("--snippets must be 0 or more; got \(snippets)") }
        if let b = budgetTokens, b < 0 { throw ValidationError("--budget-tokens must be 0 or more; got \(b)") }
        guard collapsePerGroup >= 1 else { throw ValidationError("--collapse-per-group must be 1 or more; got \(collapsePerGroup)") }
        if allProjects && project != nil { throw ValidationError("--all-projects and --project exclude each other") }
        _ = try filter.filters()
    }

    func run() async throws {
        if let batch {
            guard let data = FileManager.default.contents(atPath: batch) else { throw CommandFailure("cannot read \(batch)") }
            let store = try options.openExisting()
            defer { closeReportingFailure(store) }
            try await SearchBatch(store: store).run(lines: data)
            return
        }
        let store = try options.openExisting()
        defer { closeReportingFailure(store) }
        var q = SearchQuery(project: allProjects ? nil : project, query: query, filters: try filter.filters(), limit: limit,
                            order: SearchOrder(rawValue: order)!, mode: SearchMode(rawValue: mode)!)
        q.snippets = snippets
        q.budgetTokens = budgetTokens
        q.collapse = collapse.map { SearchCollapse(SearchCollapseField(rawValue: $0)!, perGroup: collapsePerGroup) }
        q.explain = explain
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = try store.search(q)
        let millis = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        if json {
            FileHandle.standardOutput.write(Data((SearchJSON.result(r) + "\n").utf8))
        } else {
            print(SearchHitsText.render(r, project: q.project, query: query, millis: millis))
        }
    }
}

/// The human form of a search result: a heading, then per hit where it is (with its score
/// and project) and its snippets, or its first line of text.
enum SearchHitsText {
    static func render(_ r: SearchResult, project: String?, query: String, millis: Double) -> String {
        let what = query.isEmpty ? "" : " for \"\(query)\""
        var out = "\(r.totalMatches) match(es)\(what) in " + (project.map { "project \($0)" } ?? "all projects")
        if !r.hits.isEmpty && r.hits.count < r.totalMatches { out += ", top \(r.hits.count)" }
        out += String(format: " (%.2f ms)", millis)
        if let b = r.budget {
            out += "\n  budget: \(b.usedTokens) of \(b.budgetTokens) tokens used, \(b.omittedHits) hit(s) left out"
        }
        for h in r.hits {
            guard let s = h.segment else { continue }
            var place = s.filePath ?? "(no file)"
            if let lines = s.lineRange { place += ":\(lines.start)-\(lines.end)" }
            let score = h.score > 0 ? String(format: "%.2f  ", h.score) : ""
            let proj = project == nil ? "\(h.projectID)  " : ""
            out += "\n  \(score)\(proj)\(place)  [\(s.type.rawValue), \(s.tier.rawValue), id \(s.segmentID)]"
            if h.snippets.isEmpty {
                out += "\n      " + firstLine(s.text)
            }
            for sn in h.snippets {
                let at = sn.sourceLine.map { "line \($0)" } ?? "line \(sn.line) of the segment"
                let text = sn.text.trimmingCharacters(in: .whitespaces)
                out += "\n      \(at): " + (text.count > 120 ? text.prefix(120) + "…" : text)
            }
        }
        if let e = r.explanation {
            out += "\n  why nothing matched: " + (e.emptiedBy ?? "(nothing emptied it)")
            for w in e.words { out += "\n    \(w.word): in \(w.documentFrequency) segment(s)" }
        }
        return out
    }

    /// The first line with a letter or digit on it (not a bare `///` or `{`), trimmed, cut
    /// at 100 characters.
    static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first { $0.contains { $0.isLetter || $0.isNumber } }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return line.count > 100 ? line.prefix(100) + "…" : line
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print segments by id (unknown or deleted ids are reported on stderr).",
        discussion: "Exit status: \(ExitStatus.summary)")
    @OptionGroup var options: StoreOptions
    @Option(help: "The project.") var project: String
    @Argument(help: "Segment ids.") var ids: [String]
    @Flag(name: .long, help: "Print one JSON segment object a line.") var json = false

    func run() async throws {
        let store = try options.openExisting()
        defer { closeReportingFailure(store) }
        let found = try store.get(project: project, ids: ids)
        var seen = Set<[UInt8]>()
        for s in found {
            seen.insert(Array(s.segmentID.utf8))
            if json {
                FileHandle.standardOutput.write(Data(JSONSegmentEncoder.encode(s) + [0x0A]))
            } else {
                print("== \(s.segmentID) (\(s.type.rawValue), \(s.tier.rawValue), \(s.createdAt.iso8601))\n\(s.text)")
            }
        }
        let missing = ids.filter { !seen.contains(Array($0.utf8)) }
        for id in missing { printError("ctxstore get: not found: \(id)") }
        if !missing.isEmpty { throw ExitCode(ExitStatus.incomplete) }
    }
}

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete segments by id (durably).",
        discussion: """
            Writes a tombstone for each id that is live in --project. Ids that are not (unknown, \
            or deleted already) are reported on stderr, "not live: <id>", and nothing is written \
            for them; deleting in a project that does not exist creates nothing. --json prints \
            {"deleted": [ids], "not_live": [ids]}.

            Exit status: \(ExitStatus.summary)
            """)
    @OptionGroup var options: StoreOptions
    @Option(help: "The project.") var project: String
    @Flag(name: .long, help: "Print {\"deleted\": [...], \"not_live\": [...]} on stdout.") var json = false
    @Argument(help: "Segment ids.") var ids: [String]

    func run() async throws {
        let store = try options.openForWriting()
        defer { closeReportingFailure(store) }
        let report = try await store.delete(project: project, ids: ids)
        if json {
            // By hand: ids byte for byte, in order (JSONSerialization would not keep them so).
            func list(_ ids: [String]) -> [UInt8] {
                Array("[".utf8) + ids.map { JSONSegmentEncoder.encode($0) }.joined(separator: Array(",".utf8)) + Array("]".utf8)
            }
            FileHandle.standardOutput.write(Data(Array(#"{"deleted":"#.utf8) + list(report.deleted)
                + Array(#","not_live":"#.utf8) + list(report.notLive) + Array("}\n".utf8)))
        } else {
            printError("deleted \(report.deleted.count) segment(s)")
        }
        for id in report.notLive { printError("ctxstore delete: not live: \(id)") }
        if !report.notLive.isEmpty { throw ExitCode(ExitStatus.incomplete) }
    }
}

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Segments and tokens per project and tier (kept as records come and go), files and bytes.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Only this project.") var project: String?
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let store = try options.openExisting()
        let openMillis = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        defer { closeReportingFailure(store) }
        var rows = try store.allTotals()
        if let project { rows = rows.filter { $0.project.utf8.elementsEqual(project.utf8) } }
        let bytes = directorySize(options.directory)
        if json {
            var projects: [[String: Any]] = []
            for row in rows {
                let (p, t) = (row.project, row.totals)
                var tiers: [String: Any] = [:]
                for tier in SegmentTier.allCases { tiers[tier.rawValue] = ["segments": t[tier].segments, "tokens": t[tier].tokens] }
                projects.append(["project": p, "segments": t.segments, "tokens": t.tokens, "tiers": tiers])
            }
            print(jsonString(["projects": projects, "store_bytes": bytes, "open_ms": openMillis]))
        } else {
            print("project\tsegments\ttokens\tworking\tstashed\tarchive")
            for row in rows {
                let (p, t) = (row.project, row.totals)
                print("\(p)\t\(t.segments)\t\(t.tokens)\t\(t[.working].segments)/\(t[.working].tokens)\t\(t[.stashed].segments)/\(t[.stashed].tokens)\t\(t[.archive].segments)/\(t[.archive].tokens)")
            }
            print("store bytes: \(bytes); open took \(String(format: "%.2f", openMillis)) ms")
        }
    }
}
