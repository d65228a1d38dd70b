import ContextStore
import MCP

/// The search arguments the tools share: `filters` (the old server's keys, plus `tier`) and
/// `collapse`, read strictly into the library's `SearchFilters` and `SearchCollapse`.
enum SearchArguments {
    /// The filters, and the JSON of what was applied (echoed to the model as
    /// `filters_applied`, with the tier that was searched). `tier: "all"` searches every tier.
    static func filters(_ args: ToolArguments, defaultTier: SegmentTier?) throws(ToolFailure) -> (SearchFilters, Value) {
        var f = SearchFilters()
        f.tier = defaultTier
        var applied: [String: Value] = [:]
        if let raw = args.values["filters"], !raw.isNull {
            guard case let .object(o) = raw else {
                throw .badArgument(field: "filters", "must be an object such as {\"file_path\": \"src/a.swift\"}, not \(raw.jsonKind)")
            }
            if let unknown = o.keys.filter({ !ToolCatalog.filterKeys.contains($0) }).sorted().first {
                throw .badArgument(field: "filters.\(unknown)", "is not a filter; the filters are: \(ToolCatalog.filterKeys.joined(separator: ", "))")
            }
            func string(_ key: String) throws(ToolFailure) -> String? {
                guard let v = o[key], !v.isNull else { return nil }
                guard case let .string(s) = v else { throw .badArgument(field: "filters.\(key)", "must be a string, not \(v.jsonKind)") }
                applied[key] = v
                return s
            }
            f.filePath = try string("file_path")
            f.taskID = try string("task_id")
            if let v = o["tags"], !v.isNull {
                guard case let .array(items) = v, let tags = Optional(items.compactMap(\.stringValue)), tags.count == items.count else {
                    throw .badArgument(field: "filters.tags", "must be an array of strings, not \(v.jsonKind)")
                }
                f.tags = tags
                applied["tags"] = v
            }
            f.type = try args.choice("type", SegmentType.self, in: o, field: "filters.type")
            if let t = f.type { applied["type"] = .string(t.rawValue) }
            if let v = o["tier"], !v.isNull {
                let names = SegmentTier.allCases.map(\.rawValue) + ["all"]
                guard case let .string(s) = v, names.contains(s) else {
                    throw .badArgument(field: "filters.tier", "must be one of: \(names.joined(separator: ", ")); not \(v.jsonKind)")
                }
                f.tier = SegmentTier(rawValue: s)
            }
            for key in ["created_after", "created_before"] {
                guard let s = try string(key) else { continue }
                let t: Timestamp
                do { t = try Timestamp(iso8601: s) } catch {
                    throw .badArgument(field: "filters.\(key)", "\(error); write an ISO 8601 datetime such as 2026-11-30T09:00:00Z")
                }
                if key == "created_after" { f.createdAfter = t } else { f.createdBefore = t }
            }
        }
        applied["tier"] = .string(f.tier?.rawValue ?? "all")
        return (f, .object(applied))
    }

    /// `"file_path"`, `"task_id"`, or `{"field": ..., "per_group": K}`; nil when absent.
    static func collapse(_ args: ToolArguments) throws(ToolFailure) -> SearchCollapse? {
        guard let raw = args.values["collapse"], !raw.isNull else { return nil }
        let allowed = SearchCollapseField.allCases.map(\.rawValue).joined(separator: ", ")
        if case let .string(s) = raw {
            guard let f = SearchCollapseField(rawValue: s) else {
                throw .badArgument(field: "collapse", "unknown value \"\(s)\"; expected one of: \(allowed)")
            }
            return SearchCollapse(f)
        }
        guard case let .object(o) = raw else {
            throw .badArgument(field: "collapse", "must be \"file_path\", \"task_id\" or {\"field\": ..., \"per_group\": K}, not \(raw.jsonKind)")
        }
        if let unknown = o.keys.filter({ $0 != "field" && $0 != "per_group" }).sorted().first {
            throw .badArgument(field: "collapse.\(unknown)", "is not a collapse key; the keys are: field, per_group")
        }
        guard let field = try args.choice("field", SearchCollapseField.self, in: o, field: "collapse.field") else {
            throw .badArgument(field: "collapse.field", "is required: one of \(allowed)")
        }
        let inner = try ToolArguments(o, known: ["field", "per_group"])
        let perGroup: Int
        do { perGroup = try inner.integer("per_group", in: 1...1000) ?? 1 } catch {
            if case let .badArgument(_, what) = error { throw .badArgument(field: "collapse.per_group", what) }
            throw error
        }
        return SearchCollapse(field, perGroup: perGroup)
    }
}
