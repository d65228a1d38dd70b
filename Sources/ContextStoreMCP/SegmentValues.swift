import ContextStore
import Foundation
import MCP

/// Segments to and from the MCP `Value` JSON tree. Incoming segments go through the library's
/// own strict JSON segment decoder (Docs/FORMAT.md section 1), so a tool accepts exactly what
/// `ctxstore put` accepts, with the same messages; outgoing ones use every field of the
/// format, as `ctxstore get --json` writes them.
enum SegmentValues {
    /// The keys a `context_put` segment may carry: the format's fields, from the JSON layer.
    static let fields = JSONSegmentDecoder.fieldNames

    /// Every field of the format (text included).
    static func full(_ s: ContextSegment) -> Value {
        var o = summary(s)
        o["text"] = .string(s.text)
        o["generation"] = .string(s.generation.rawValue)
        o["gc_survival_count"] = .int(s.gcSurvivalCount)
        o["refcount"] = .int(s.refcount)
        o["topic_id"] = s.topicID.map(Value.string) ?? .null
        o["tokens_computed_at"] = s.tokensComputedAt.map { .string($0.iso8601) } ?? .null
        o["text_hash"] = s.textHash.map(Value.string) ?? .null
        return .object(o)
    }

    /// What a search hit or a listing needs to place a segment, without its text.
    static func summary(_ s: ContextSegment) -> [String: Value] {
        [
            "segment_id": .string(s.segmentID),
            "project_id": .string(s.projectID),
            "type": .string(s.type.rawValue),
            "tier": .string(s.tier.rawValue),
            "task_id": s.taskID.map(Value.string) ?? .null,
            "file_path": s.filePath.map(Value.string) ?? .null,
            "line_range": s.lineRange.map { .array([.int($0.start), .int($0.end)]) } ?? .null,
            "tags": .array(s.tags.map(Value.string)),
            "pinned": .bool(s.pinned),
            "created_at": .string(s.createdAt.iso8601),
            "last_touched_at": .string(s.lastTouchedAt.iso8601),
            "tokens": s.tokens.map(Value.int) ?? .null,
        ]
    }

    /// A `context_put` segment: the object as given, with `project_id` from the call, a new
    /// `segment_id` when absent, and `created_at`/`last_touched_at` now when absent; then
    /// decoded and validated as any input segment. `field` names it in errors (`segments[3]`).
    static func segment(from value: Value, project: String, field: String, now: Timestamp) throws(ToolFailure) -> ContextSegment {
        guard case var .object(o) = value else {
            throw .badArgument(field: field, "must be a segment object ({\"text\": ..., \"type\": ...}), not \(value.jsonKind)")
        }
        if let unknown = o.keys.filter({ !fields.contains($0) }).sorted().first {
            throw .badArgument(field: "\(field).\(unknown)", "is not a segment field; the fields are: \(fields.joined(separator: ", "))")
        }
        for key in ["text", "type"] where o[key] == nil || o[key] == .null {
            throw .badArgument(field: "\(field).\(key)", key == "type"
                ? "is required: one of \(SegmentType.allCases.map(\.rawValue).joined(separator: ", "))"
                : "is required (the segment's text)")
        }
        if let p = o["project_id"], p != .string(project) {
            throw .badArgument(field: "\(field).project_id", "differs from the call's project_id \"\(project)\"; leave it out")
        }
        o["project_id"] = .string(project)
        if o["segment_id"] == nil || o["segment_id"] == .null { o["segment_id"] = .string(newID()) }
        for key in ["created_at", "last_touched_at"] where o[key] == nil || o[key] == .null {
            o[key] = .string(now.iso8601)
        }
        let bytes: Data
        do { bytes = try JSONEncoder().encode(Value.object(o)) } catch {
            throw .badArgument(field: field, "could not be read as JSON: \(error)")
        }
        do {
            return try JSONSegmentDecoder.decode(Array(bytes))
        } catch {
            throw .badArgument(field: field, "\(error.reason)")
        }
    }

    /// `seg-` and 32 hex digits of a random UUID: unique without coordination between the
    /// server processes that share a store.
    static func newID() -> String {
        "seg-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
