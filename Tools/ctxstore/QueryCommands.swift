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
        abstract: "Keyword search in a project: total matches and the top segments.",
        discussion: """
            Words of --query are matched as the old layer matched them: every word must be \
            among the segment's words, where the words of a text are Python's \
            re.findall(r"\\b\\w+\\b", text.lower()) (Docs/FORMAT.md section 3). An absent or \
            empty --query lists the filtered segments; a query with no word in it ("!!!") \
            matches nothing, and so does a --file-path or --task-id of "". Filters narrow the \
            set. Order: relevance (BM25, ties by recency) or recent (newest first); an empty \
            query lists newest first.

            Output: a line with the number of matches, then for each hit its file path and \
            line range, type and id, and the first line of its text. --json prints \
            {"total_matches": N, "segments": [...]} with every field of each segment.

            With --batch FILE: one JSON query a line:
              {"project": P, "query": "words", "filters": {"file_path": F, "task_id": T, \
            "tags": [..], "tag": T, "type": T, "tier": T, "created_after": TIME, \
            "created_before": TIME}, "limit": N, "order": "relevance"}
            (every key but "project" optional; "tag" is the old layer's one-tag key and adds \
            to "tags"). Prints for each, in order, {"total_matches": N, "ids": [...], \
            "micros": T}, or {"error": "..."} for a line that is not a valid query (an unknown \
            key, a null or mistyped value, an unknown type or tier: never a silently dropped \
            filter), and the run goes on; then {"queries": N, "errors": E, "p50_micros": ..., \
            "p95_micros": ..., "p99_micros": ...} over the queries that ran.

            Examples:
              ctxstore search --project myproj --query "mmap flags" --limit 5
              ctxstore search --project myproj --tag h --created-after 2025-01-01 --order recent --json
              ctxstore search --batch queries.jsonl

            Exit status: \(ExitStatus.summary)
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "The project to search (required unless --batch).") var project: String?
    @Option(help: "Words to match (all of them).") var query = ""
    @OptionGroup var filter: FilterOptions
    @Option(parsing: .unconditional, help: "How many segments to return (0: only count the matches).") var limit = 10
    @Option(help: "relevance or recent.") var order = "relevance"
    @Option(help: ArgumentHelp("Run the queries of FILE (JSON lines), one result line each.", valueName: "FILE"))
    var batch: String?
    @Flag(name: .long, help: "Print {\"total_matches\": N, \"segments\": [...]} on stdout.") var json = false

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be positive (or 0 to only count the matches); got \(limit)") }
        guard SearchOrder(rawValue: order) != nil else { throw invalidChoice("--order", order, SearchOrder.self) }
        if batch == nil && project == nil { throw ValidationError("--project is required (or --batch FILE)") }
        _ = try filter.filters()
    }

    func run() async throws {
        if let batch {
            guard let data = FileManager.default.contents(atPath: batch) else { throw CommandFailure("cannot read \(batch)") }
            let store = try options.openExisting()
            defer { store.close() }
            try await SearchBatch(store: store).run(lines: data)
            return
        }
        let store = try options.openExisting()
        defer { store.close() }
        let project = project!
        let q = SearchQuery(project: project, query: query, filters: try filter.filters(), limit: limit,
                            order: SearchOrder(rawValue: order)!)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = try store.search(q)
        let millis = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        if json {
            var out = Array("{\"total_matches\":\(r.totalMatches),\"segments\":[".utf8)
            for (i, s) in r.segments.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += JSONSegmentEncoder.encode(s)
            }
            out += Array("]}\n".utf8)
            FileHandle.standardOutput.write(Data(out))
        } else {
            print(SearchHitsText.render(r, project: project, query: query, millis: millis))
        }
    }
}

/// The human form of a search result: a heading, then two lines a hit (where it is, then
/// its first line of text).
enum SearchHitsText {
    static func render(_ r: SearchResult, project: String, query: String, millis: Double) -> String {
        let what = query.isEmpty ? "" : " for \"\(query)\""
        var out = "\(r.totalMatches) match(es)\(what) in project \(project)"
        if !r.segments.isEmpty && r.segments.count < r.totalMatches { out += ", top \(r.segments.count)" }
        out += String(format: " (%.2f ms)", millis)
        for s in r.segments {
            var place = s.filePath ?? "(no file)"
            if let lines = s.lineRange { place += ":\(lines.start)-\(lines.end)" }
            out += "\n  \(place)  [\(s.type.rawValue), \(s.tier.rawValue), id \(s.segmentID)]"
            out += "\n      " + firstLine(s.text)
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
        defer { store.close() }
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
        defer { store.close() }
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
        abstract: "Segments and tokens per project and tier (constant time), files and bytes.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Only this project.") var project: String?
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() async throws {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let store = try options.openExisting()
        let openMillis = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        defer { store.close() }
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
