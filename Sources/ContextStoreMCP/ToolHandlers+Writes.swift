import ContextStore
import MCP

/// The tools that write: put, stash, retrieve (with `move_to_active`), pin, unpin, delete.
/// Each write is one library call, durable when the tool answers.
extension ToolHandlers {
    /// `context_put`: `{"project_id", "stored": [{"segment_id", "tokens"}], "total_tokens"}`.
    func put(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutput {
        let project = try args.requiredString("project_id")
        guard case let .array(items)? = args.values["segments"] else {
            throw .badArgument(field: "segments", args.has("segments")
                ? "must be an array of segment objects, not \(args.values["segments"]!.jsonKind)"
                : "is required (an array of segment objects, each with text and type)")
        }
        if items.isEmpty { throw .badArgument(field: "segments", "must hold at least one segment") }
        if items.count > 1000 { throw .badArgument(field: "segments", "holds \(items.count) segments; at most 1000 per call") }
        let now = Timestamp.now()
        var segments: [ContextSegment] = []
        for (i, item) in items.enumerated() {
            segments.append(try SegmentValues.segment(from: item, project: project, field: "segments[\(i)]", now: now))
        }
        let store = try await session.store()
        try await storeCall { () async throws(StoreError) in try await store.put(segments) }
        // The exact counts the store computed (or kept) for each id, read back.
        let ids = segments.map(\.segmentID)
        let stored = try storeCall { () throws(StoreError) in try store.get(project: project, ids: ids) }
        var tokens: [String: Int] = [:]
        for s in stored { tokens[s.segmentID] = s.tokens ?? 0 }
        let rows: [Value] = ids.map { .object(["segment_id": .string($0), "tokens": .int(tokens[$0] ?? 0)]) }
        return ToolOutput(object: [
            "project_id": .string(project), "stored": .array(rows),
            "total_tokens": .int(ids.reduce(0) { $0 + (tokens[$1] ?? 0) }),
        ], list: "stored")
    }

    /// `context_stash`: `{"stashed_segments", "tokens_stashed", "errors": [{"segment_id", "error"}]}`.
    func stash(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutput {
        let project = try args.requiredString("project_id")
        let ids = try args.stringList("segment_ids")
        let store = try await session.store()
        let report = try await storeCall { () async throws(StoreError) in try await store.stash(project: project, ids: ids) }
        return ToolOutput(object: [
            "project_id": .string(project),
            "stashed_segments": .array(report.moved.map(Value.string)),
            "tokens_stashed": .int(report.tokens),
            "errors": .array(report.errors.map { .object(["segment_id": .string($0.id), "error": .string($0.error.description)]) }),
        ], list: nil)
    }

    /// `context_retrieve_stashed`: `{"retrieved_segments", "segments_found", "moved_to_active", "not_found"}`.
    /// By `segment_ids` (any tier); or, as the old server did, by `query` and `filters` over
    /// the stashed tier (every word, newest first).
    func retrieve(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutput {
        let project = try args.requiredString("project_id")
        let move = try args.bool("move_to_active", default: false)
        let store = try await currentStore()
        var found: [ContextSegment]
        var notFound: [String] = []
        if args.has("segment_ids") {
            if args.has("query") || args.has("filters") {
                throw .badArgument(field: "segment_ids", "cannot be given with query or filters: retrieve by ids, or select by query and filters")
            }
            let ids = try args.stringList("segment_ids")
            found = try storeCall { () throws(StoreError) in try store.get(project: project, ids: ids) }
            let present = Set(found.map { Array($0.segmentID.utf8) })
            notFound = ids.filter { !present.contains(Array($0.utf8)) }
        } else {
            guard args.has("query") || args.has("filters") else {
                throw .badArgument(field: "segment_ids", "is required (or select stashed segments with query and filters)")
            }
            var q = SearchQuery(project: project, query: try args.string("query") ?? "")
            (q.filters, _) = try SearchArguments.filters(args, defaultTier: .stashed)
            q.limit = try args.integer("limit", in: 1...1000) ?? 50
            q.order = .recent
            let query = q
            found = try storeCall { () throws(StoreError) in try store.search(query) }.segments
        }
        var moved: [String] = []
        if move {
            let stashed = found.filter { $0.tier == .stashed }.map(\.segmentID)
            if !stashed.isEmpty {
                let report = try await storeCall { () async throws(StoreError) in try await store.unstash(project: project, ids: stashed) }
                moved = report.moved
                let movedSet = Set(moved.map { Array($0.utf8) })
                for i in found.indices where movedSet.contains(Array(found[i].segmentID.utf8)) { found[i].tier = .working }
            }
        }
        return ToolOutput(object: [
            "project_id": .string(project),
            "retrieved_segments": .array(found.map(SegmentValues.full)),
            "segments_found": .int(found.count),
            "moved_to_active": .array(moved.map(Value.string)),
            "not_found": .array(notFound.map(Value.string)),
        ], list: "retrieved_segments")
    }

    /// `context_gc_pin` / `context_gc_unpin`: `{"pinned" | "unpinned": [ids], "not_found"}`.
    /// Ids already in the asked state are listed as done, and not written again.
    func setPinned(_ args: ToolArguments, _ pinned: Bool) async throws(ToolFailure) -> ToolOutput {
        let project = try args.requiredString("project_id")
        let ids = try args.stringList("segment_ids")
        let store = try await currentStore()
        let found = try storeCall { () throws(StoreError) in try store.get(project: project, ids: ids) }
        let changed = found.filter { $0.pinned != pinned }.map { s -> ContextSegment in
            var s = s
            s.pinned = pinned
            return s
        }
        if !changed.isEmpty { try await storeCall { () async throws(StoreError) in try await store.put(changed) } }
        let present = Set(found.map { Array($0.segmentID.utf8) })
        var seen = Set<[UInt8]>()
        let done = found.map(\.segmentID).filter { seen.insert(Array($0.utf8)).inserted }
        return ToolOutput(object: [
            "project_id": .string(project),
            pinned ? "pinned" : "unpinned": .array(done.map(Value.string)),
            "not_found": .array(ids.filter { !present.contains(Array($0.utf8)) }.map(Value.string)),
        ], list: nil)
    }

    /// `context_delete`: `{"deleted", "not_found"}`; refused without `confirm: true`.
    func delete(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutput {
        let project = try args.requiredString("project_id")
        let ids = try args.stringList("segment_ids")
        guard case .bool(true)? = args.values["confirm"] else {
            throw .badArgument(field: "confirm", "must be true to delete: deleting cannot be undone (to set segments aside, use context_stash)")
        }
        let store = try await session.store()
        let report = try await storeCall { () async throws(StoreError) in try await store.delete(project: project, ids: ids) }
        return ToolOutput(object: [
            "project_id": .string(project),
            "deleted": .array(report.deleted.map(Value.string)),
            "not_found": .array(report.notLive.map(Value.string)),
        ], list: nil)
    }
}
