import ContextStore
import Foundation

/// `ctxstore search --batch`: one JSON query a line in, one JSON line out per query, then a
/// line of latency percentiles. A line that is not a valid query gets an `{"error": ...}`
/// line in its place and the run goes on: a filter is never silently dropped.
struct SearchBatch {
    let store: ContextStore

    func run(lines data: Data) async throws {
        var micros: [Double] = []
        var errors = 0
        var out = ""
        // Blank lines are skipped; every other line answers with exactly one line.
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            let q: SearchQuery
            do {
                q = try BatchQueryParser.parse(Data(line.utf8))
            } catch {
                errors += 1
                out += "{\"error\":" + String(decoding: JSONSegmentEncoder.encode("line \(n + 1): \(error)"), as: UTF8.self) + "}\n"
                continue
            }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try store.search(q)
            let us = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000
            micros.append(us)
            out += SearchJSON.batchLine(r, micros: us) + "\n"
        }
        let sorted = micros.sorted()
        func p(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q + 0.5))] }
        out += "{\"queries\":\(micros.count),\"errors\":\(errors),\"p50_micros\":\(String(format: "%.1f", p(0.5))),"
            + "\"p95_micros\":\(String(format: "%.1f", p(0.95))),\"p99_micros\":\(String(format: "%.1f", p(0.99)))}\n"
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

/// One line of `search --batch` to a `SearchQuery`, strictly: every key known, every value
/// of its type. The old layer's `tag` (one tag) is taken beside `tags`.
enum BatchQueryParser {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static let queryKeys: Set<String> = ["project", "query", "filters", "limit", "order", "mode", "budget_tokens",
                                         "snippets", "collapse", "explain"]
    static let filterKeys: Set<String> = ["file_path", "task_id", "tags", "tag", "type", "tier", "created_after", "created_before"]

    static func parse(_ line: Data) throws(Failure) -> SearchQuery {
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed]) } catch {
            throw Failure("not valid JSON")
        }
        guard let object = value as? [String: Any] else { throw Failure("expected a JSON object") }
        if let unknown = object.keys.filter({ !queryKeys.contains($0) }).sorted().first {
            throw Failure("unknown key \"\(unknown)\" (known: \(queryKeys.sorted().joined(separator: ", ")))")
        }
        // A missing "project" searches every project.
        let project = try string(object, "project")
        // `query` and `filters` may be null, as absent (the old layer's arguments were optional).
        var q = SearchQuery(project: project, query: try string(object, "query", nullable: true) ?? "")
        // Ids and scores only, unless the line asks for what needs the text.
        q.fetchSegments = false
        if let mode = try string(object, "mode") {
            guard let m = SearchMode(rawValue: mode) else { throw choice("mode", mode, SearchMode.self) }
            q.mode = m
        }
        if let raw = object["budget_tokens"] {
            guard let n = integer(raw), n >= 0 else { throw Failure("\"budget_tokens\" must be an integer, 0 or more") }
            q.budgetTokens = n
        }
        if let raw = object["snippets"] {
            guard let n = integer(raw), n >= 0 else { throw Failure("\"snippets\" must be an integer, 0 or more") }
            q.snippets = n
        }
        if let raw = object["collapse"] {
            q.collapse = try collapse(raw)
        }
        if let raw = object["explain"] {
            guard let b = raw as? NSNumber, String(cString: b.objCType) == "c" else {
                throw Failure("\"explain\" must be true or false")
            }
            q.explain = b.boolValue
        }
        if let limit = object["limit"] {
            guard let n = integer(limit), n >= 0 else { throw Failure("\"limit\" must be an integer, 0 or more") }
            q.limit = n
        }
        if let order = try string(object, "order") {
            guard let o = SearchOrder(rawValue: order) else { throw choice("order", order, SearchOrder.self) }
            q.order = o
        }
        if let raw = object["filters"], !(raw is NSNull) {
            guard let f = raw as? [String: Any] else { throw Failure("\"filters\" must be an object") }
            q.filters = try filters(f)
        }
        return q
    }

    /// `"file_path"`, `"task_id"`, or `{"field": "file_path", "per_group": K}`.
    private static func collapse(_ raw: Any) throws(Failure) -> SearchCollapse {
        if let name = raw as? String {
            guard let f = SearchCollapseField(rawValue: name) else { throw choice("collapse", name, SearchCollapseField.self) }
            return SearchCollapse(f)
        }
        guard let o = raw as? [String: Any] else {
            throw Failure("\"collapse\" must be \"file_path\", \"task_id\" or {\"field\": F, \"per_group\": K}")
        }
        if let unknown = o.keys.filter({ $0 != "field" && $0 != "per_group" }).sorted().first {
            throw Failure("unknown collapse key \"\(unknown)\" (known: field, per_group)")
        }
        guard let name = try string(o, "field") else { throw Failure("\"collapse\" needs a \"field\"") }
        guard let f = SearchCollapseField(rawValue: name) else { throw choice("collapse", name, SearchCollapseField.self) }
        var perGroup = 1
        if let raw = o["per_group"] {
            guard let n = integer(raw), n >= 1 else { throw Failure("\"per_group\" must be an integer, 1 or more") }
            perGroup = n
        }
        return SearchCollapse(f, perGroup: perGroup)
    }

    private static func filters(_ f: [String: Any]) throws(Failure) -> SearchFilters {
        if let unknown = f.keys.filter({ !filterKeys.contains($0) }).sorted().first {
            throw Failure("unknown filter \"\(unknown)\" (known: \(filterKeys.sorted().joined(separator: ", ")))")
        }
        var out = SearchFilters()
        out.filePath = try string(f, "file_path")
        out.taskID = try string(f, "task_id")
        if let raw = f["tags"] {
            guard let tags = raw as? [Any], let strings = tags as? [String], strings.count == tags.count else {
                throw Failure("filter \"tags\" must be an array of strings")
            }
            out.tags = strings
        }
        if let tag = try string(f, "tag") { out.tags.append(tag) }
        if let t = try string(f, "type") {
            guard let v = SegmentType(rawValue: t) else { throw choice("type", t, SegmentType.self) }
            out.type = v
        }
        if let t = try string(f, "tier") {
            guard let v = SegmentTier(rawValue: t) else { throw choice("tier", t, SegmentTier.self) }
            out.tier = v
        }
        out.createdAfter = try time(f, "created_after")
        out.createdBefore = try time(f, "created_before")
        return out
    }

    /// The string at `key`; nil when absent (or null, where `nullable`). Anything else,
    /// null included, is an error naming the key.
    private static func string(_ o: [String: Any], _ key: String, nullable: Bool = false) throws(Failure) -> String? {
        guard let raw = o[key] else { return nil }
        if raw is NSNull {
            if nullable { return nil }
            throw Failure("\"\(key)\" is null; leave the key out to not filter on it")
        }
        guard let s = raw as? String else { throw Failure("\"\(key)\" must be a string") }
        return s
    }

    private static func time(_ o: [String: Any], _ key: String) throws(Failure) -> Timestamp? {
        guard let s = try string(o, key) else { return nil }
        do { return try Timestamp(iso8601: s) } catch { throw Failure("\"\(key)\": \(error)") }
    }

    /// An integer JSON number (not a bool, not a fraction).
    private static func integer(_ v: Any) -> Int? {
        // JSON true/false come back as NSNumbers too; their type code is "c" (a C bool).
        guard let n = v as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
        let d = n.doubleValue
        guard d == d.rounded(), abs(d) < 9e15 else { return nil }
        return n.intValue
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ value: String, _: T.Type) -> Failure
        where T.RawValue == String {
        Failure("\"\(key)\": unknown value \"\(value)\"; expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }
}
