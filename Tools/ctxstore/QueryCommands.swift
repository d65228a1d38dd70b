import ArgumentParser
import ContextStore
import Foundation

/// Query flags shared by `search`.
struct FilterOptions: ParsableArguments {
    @Option(name: .long, help: "Only segments with this file_path.") var filePath: String?
    @Option(name: .long, help: "Only segments with this task_id.") var taskId: String?
    @Option(name: .long, help: "Only segments with this tag (repeat: all must be present).") var tag: [String] = []
    @Option(name: .long, help: "Only segments of this type.") var type: String?
    @Option(name: .long, help: "Only segments in this tier.") var tier: String?
    @Option(name: .long, help: "Only segments created strictly after this ISO 8601 time.") var createdAfter: String?
    @Option(name: .long, help: "Only segments created strictly before this ISO 8601 time.") var createdBefore: String?

    func filters() throws -> SearchFilters {
        var f = SearchFilters(filePath: filePath, taskID: taskId, tags: tag)
        if let type { guard let t = SegmentType(rawValue: type) else { throw ValidationError("unknown --type \(type)") }; f.type = t }
        if let tier { guard let t = SegmentTier(rawValue: tier) else { throw ValidationError("unknown --tier \(tier)") }; f.tier = t }
        if let s = createdAfter { f.createdAfter = try Timestamp(iso8601: s) }
        if let s = createdBefore { f.createdBefore = try Timestamp(iso8601: s) }
        return f
    }
}

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Keyword search in a project: total matches and the top segments.",
        discussion: """
            Words of --query are matched as the old layer did (every word must be among the \
            segment's words, `re.findall(r"\\b\\w+\\b", text.lower())`); filters narrow the set. \
            Order: relevance (BM25, ties by recency) or recent (newest first); an empty query \
            lists the filtered segments newest first.
            With --batch FILE: one JSON query a line ({"project": P, "query": "words", "filters": \
            {...}, "limit": N, "order": "relevance"}); prints for each {"total_matches": N, "ids": \
            [...], "micros": T}, then {"queries": N, "p50_micros": ..., "p95_micros": ..., "p99_micros": ...}.
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "The project to search (required unless --batch).") var project: String?
    @Option(help: "Words to match (all of them).") var query = ""
    @OptionGroup var filter: FilterOptions
    @Option(help: "How many segments to return.") var limit = 10
    @Option(help: "relevance or recent.") var order = "relevance"
    @Option(help: ArgumentHelp("Run the queries of FILE (JSON lines), one result line each.", valueName: "FILE"))
    var batch: String?
    @Flag(name: .long, help: "Print {\"total_matches\": N, \"segments\": [...]} on stdout.") var json = false

    func run() async throws {
        let store = try ContextStore.open(directory: options.directory)
        defer { store.close() }
        if let batch { try await runBatch(store, path: batch); return }
        guard let project else { throw ValidationError("--project is required") }
        guard let o = SearchOrder(rawValue: order) else { throw ValidationError("--order must be relevance or recent") }
        let r = try await store.search(SearchQuery(project: project, query: query, filters: try filter.filters(), limit: limit, order: o))
        if json {
            var out = Array("{\"total_matches\":\(r.totalMatches),\"segments\":[".utf8)
            for (i, s) in r.segments.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += JSONSegmentEncoder.encode(s)
            }
            out += Array("]}\n".utf8)
            FileHandle.standardOutput.write(Data(out))
        } else {
            print("\(r.totalMatches) match(es)")
            for s in r.segments {
                let preview = s.text.prefix(100).replacingOccurrences(of: "\n", with: " ")
                print("\(s.segmentID)\t\(s.type.rawValue)\t\(s.createdAt.iso8601)\t\(s.filePath ?? "-")\t\(preview)")
            }
        }
    }

    private func runBatch(_ store: ContextStore, path: String) async throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("cannot read \(path)") }
        var micros: [Double] = []
        var out = ""
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let project = obj["project"] as? String else {
                throw CommandFailure("\(path):\(n + 1): expected a JSON object with a \"project\" string")
            }
            let f = obj["filters"] as? [String: Any] ?? [:]
            var filters = SearchFilters(filePath: f["file_path"] as? String, taskID: f["task_id"] as? String,
                                        tags: f["tags"] as? [String] ?? [])
            if let t = f["type"] as? String { filters.type = SegmentType(rawValue: t) }
            if let t = f["tier"] as? String { filters.tier = SegmentTier(rawValue: t) }
            if let t = f["created_after"] as? String { filters.createdAfter = try Timestamp(iso8601: t) }
            if let t = f["created_before"] as? String { filters.createdBefore = try Timestamp(iso8601: t) }
            let q = SearchQuery(project: project, query: obj["query"] as? String ?? "", filters: filters,
                                limit: obj["limit"] as? Int ?? 10,
                                order: SearchOrder(rawValue: obj["order"] as? String ?? "relevance") ?? .relevance)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try await store.search(q)
            let us = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000
            micros.append(us)
            let ids = r.segments.map { String(decoding: JSONSegmentEncoder.encode($0.segmentID), as: UTF8.self) }
            out += "{\"total_matches\":\(r.totalMatches),\"ids\":[\(ids.joined(separator: ","))],\"micros\":\(String(format: "%.1f", us))}\n"
        }
        let sorted = micros.sorted()
        func p(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q + 0.5))] }
        out += "{\"queries\":\(micros.count),\"p50_micros\":\(String(format: "%.1f", p(0.5))),\"p95_micros\":\(String(format: "%.1f", p(0.95))),\"p99_micros\":\(String(format: "%.1f", p(0.99)))}\n"
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print segments by id (unknown or deleted ids are reported on stderr).")
    @OptionGroup var options: StoreOptions
    @Option(help: "The project.") var project: String
    @Argument(help: "Segment ids.") var ids: [String]
    @Flag(name: .long, help: "Print one JSON segment object a line.") var json = false

    func run() async throws {
        let store = try ContextStore.open(directory: options.directory)
        defer { store.close() }
        let found = try await store.get(project: project, ids: ids)
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
        if !missing.isEmpty { throw ExitCode(1) }
    }
}

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete segments by id (durably).")
    @OptionGroup var options: StoreOptions
    @Option(help: "The project.") var project: String
    @Argument(help: "Segment ids.") var ids: [String]

    func run() async throws {
        let store = try ContextStore.open(directory: options.directory)
        defer { store.close() }
        try await store.delete(project: project, ids: ids)
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
        let store = try ContextStore.open(directory: options.directory)
        let openMillis = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        defer { store.close() }
        var rows = store.allTotals()
        if let project { rows = rows.filter { $0.project.utf8.elementsEqual(project.utf8) } }
        let bytes = directorySize(options.directory)
        if json {
            var projects: [[String: Any]] = []
            for (p, t) in rows {
                var tiers: [String: Any] = [:]
                for tier in SegmentTier.allCases { tiers[tier.rawValue] = ["segments": t[tier].segments, "tokens": t[tier].tokens] }
                projects.append(["project": p, "segments": t.segments, "tokens": t.tokens, "tiers": tiers])
            }
            print(jsonString(["projects": projects, "store_bytes": bytes, "open_ms": openMillis]))
        } else {
            print("project\tsegments\ttokens\tworking\tstashed\tarchive")
            for (p, t) in rows {
                print("\(p)\t\(t.segments)\t\(t.tokens)\t\(t[.working].segments)/\(t[.working].tokens)\t\(t[.stashed].segments)/\(t[.stashed].tokens)\t\(t[.archive].segments)/\(t[.archive].tokens)")
            }
            print("store bytes: \(bytes); open took \(String(format: "%.2f", openMillis)) ms")
        }
    }
}
