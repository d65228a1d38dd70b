import ContextStore
import MCP

/// The tools `ctxstore mcp` serves: names and parameters as the old Python server had them
/// (`context_stash`, `context_search_stashed`, ...; `project_id`, `segment_ids`, ...), plus
/// `context_put` and `context_delete`. Each has a JSON schema for its input and a
/// description written for the model that calls it.
enum ToolCatalog {
    /// The tool names, in the order `tools/list` gives them.
    enum Name: String, CaseIterable {
        case put = "context_put"
        case stash = "context_stash"
        case searchStashed = "context_search_stashed"
        case retrieveStashed = "context_retrieve_stashed"
        case getWorkingSet = "context_get_working_set"
        case listProjects = "context_list_projects"
        case analyzeUsage = "context_analyze_usage"
        case gcPin = "context_gc_pin"
        case gcUnpin = "context_gc_unpin"
        case delete = "context_delete"
    }

    /// The argument names each tool takes (anything else is refused, naming these).
    static func arguments(_ name: Name) -> [String] {
        switch name {
        case .put: ["project_id", "segments"]
        case .stash, .gcPin, .gcUnpin: ["project_id", "segment_ids"]
        case .searchStashed: ["project_id", "query", "filters", "limit", "mode", "budget_tokens", "snippets", "collapse", "include_text"]
        case .retrieveStashed: ["project_id", "segment_ids", "move_to_active", "query", "filters", "limit"]
        case .getWorkingSet: ["project_id", "task_id"]
        case .listProjects: []
        case .analyzeUsage: ["project_id", "token_limit"]
        case .delete: ["project_id", "segment_ids", "confirm"]
        }
    }

    static let filterKeys = ["file_path", "task_id", "tags", "type", "tier", "created_after", "created_before"]

    static var tools: [Tool] { Name.allCases.map(tool) }

    private static let projectID: Value = .object([
        "type": "string", "description": "The project (one store holds many; context_list_projects lists them).",
    ])
    private static let segmentIDs: Value = .object([
        "type": "array", "items": ["type": "string"], "minItems": 1, "maxItems": 1000,
        "description": "Segment ids, as context_put returned them or a search found them.",
    ])
    private static let filters: Value = .object([
        "type": "object", "additionalProperties": false,
        "description": "Metadata filters, all of which must hold.",
        "properties": [
            "file_path": ["type": "string", "description": "Exactly this file_path."],
            "task_id": ["type": "string", "description": "Exactly this task_id."],
            "tags": ["type": "array", "items": ["type": "string"], "description": "Every one of these tags."],
            "type": ["type": "string", "enum": .array(SegmentType.allCases.map { .string($0.rawValue) })],
            "tier": ["type": "string", "enum": ["working", "stashed", "archive", "all"],
                     "description": "Which tier to search (context_search_stashed: stashed unless set; all: every tier)."],
            "created_after": ["type": "string", "description": "ISO 8601 datetime, e.g. 2026-11-30T09:00:00Z (inclusive)."],
            "created_before": ["type": "string", "description": "ISO 8601 datetime (inclusive)."],
        ],
    ])

    private static func schema(_ properties: [String: Value], required: [String]) -> Value {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map(Value.string)),
                 "additionalProperties": false])
    }

    private static func tool(_ name: Name) -> Tool {
        switch name {
        case .put:
            return Tool(
                name: name.rawValue, title: "Store segments",
                description: """
                    Store new or updated context segments in a project (durable when this returns). Each segment needs \
                    `text` and `type` (message, code, log, note, decision, summary); any other field of the format is \
                    optional: segment_id (generated when absent; the same id replaces the earlier version), task_id, \
                    file_path, line_range [start, end], tags, pinned, tier (working by default; stashed to set it \
                    aside at once), created_at and last_touched_at (now by default). Returns each id with its exact \
                    token count (cl100k_base).
                    """,
                inputSchema: schema([
                    "project_id": projectID,
                    "segments": [
                        "type": "array", "minItems": 1, "maxItems": 1000,
                        "description": "The segments to store.",
                        "items": [
                            "type": "object", "required": ["text", "type"],
                            "properties": [
                                "segment_id": ["type": "string"],
                                "text": ["type": "string"],
                                "type": ["type": "string", "enum": .array(SegmentType.allCases.map { .string($0.rawValue) })],
                                "task_id": ["type": "string"],
                                "file_path": ["type": "string"],
                                "line_range": ["type": "array", "items": ["type": "integer"], "minItems": 2, "maxItems": 2],
                                "tags": ["type": "array", "items": ["type": "string"]],
                                "pinned": ["type": "boolean"],
                                "tier": ["type": "string", "enum": ["working", "stashed", "archive"]],
                                "created_at": ["type": "string"],
                                "last_touched_at": ["type": "string"],
                            ],
                        ],
                    ],
                ], required: ["project_id", "segments"]),
                annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false))
        case .stash:
            return Tool(
                name: name.rawValue, title: "Stash segments",
                description: """
                    Move working segments out of the active context into the stash (tier working → stashed), where \
                    context_search_stashed finds them later. Returns the ids moved and their tokens; ids that are \
                    unknown or not working are listed in `errors`, not moved.
                    """,
                inputSchema: schema(["project_id": projectID, "segment_ids": segmentIDs], required: ["project_id", "segment_ids"]),
                annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false))
        case .searchStashed:
            return Tool(
                name: name.rawValue, title: "Search stashed context",
                description: """
                    Search stashed segments by words and metadata; omit project_id to search every project. By \
                    default this is `any` mode (a segment matches when it has at least one of the words, whole, as \
                    part of a code identifier such as mmap_region or parseHTTPHeader, or in its file path), ranked \
                    by relevance, with the 3 best-matching lines of each hit as snippets (line numbers in the segment \
                    and the source file) instead of whole texts: call context_retrieve_stashed with the ids to read \
                    them. `mode: all` requires every word (the old server's behaviour); `word*` is a prefix. \
                    `budget_tokens` packs the hits into that many tokens; `collapse` keeps the best hit per file or task.
                    """,
                inputSchema: schema([
                    "project_id": .object(["type": "string", "description": "The project; omit to search every project."]),
                    "query": ["type": "string", "description": "Words to look for (any text; `word*` is a prefix). Empty: every segment, newest first."],
                    "filters": filters,
                    "limit": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 10, "description": "At most this many hits."],
                    "mode": ["type": "string", "enum": ["any", "all"], "default": "any"],
                    "budget_tokens": ["type": "integer", "minimum": 1, "description": "Pack the hits (their snippets, or texts with snippets: 0) into this many tokens."],
                    "snippets": ["type": "integer", "minimum": 0, "maximum": 20, "default": 3, "description": "Best lines per hit; 0 for none."],
                    "collapse": [
                        "description": "At most per_group hits per file_path or task_id.",
                        "oneOf": [
                            ["type": "string", "enum": ["file_path", "task_id"]],
                            ["type": "object", "required": ["field"], "properties": [
                                "field": ["type": "string", "enum": ["file_path", "task_id"]],
                                "per_group": ["type": "integer", "minimum": 1],
                            ]],
                        ],
                    ],
                    "include_text": ["type": "boolean", "default": false, "description": "Return each hit's whole text too."],
                ], required: []),
                annotations: .init(readOnlyHint: true, openWorldHint: false))
        case .retrieveStashed:
            return Tool(
                name: name.rawValue, title: "Retrieve segments",
                description: """
                    Read whole segments by id (as a search found them), with every field. With \
                    `move_to_active: true` the stashed ones move back to the working set (tier stashed → working). \
                    Ids not found are listed in `not_found`. Without segment_ids, `query` and `filters` select \
                    stashed segments as the old server did (every word must match; newest first; `limit`, 50 by default).
                    """,
                inputSchema: schema([
                    "project_id": projectID, "segment_ids": segmentIDs,
                    "move_to_active": ["type": "boolean", "default": false, "description": "Move the stashed segments back to working."],
                    "query": ["type": "string"], "filters": filters,
                    "limit": ["type": "integer", "minimum": 1, "maximum": 1000, "default": 50],
                ], required: ["project_id"]),
                annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false))
        case .getWorkingSet:
            return Tool(
                name: name.rawValue, title: "Working set",
                description: """
                    The project's working segments (those in the active context), most recently touched first, \
                    with their token total. `task_id` keeps one task's segments.
                    """,
                inputSchema: schema(["project_id": projectID, "task_id": ["type": "string"]], required: ["project_id"]),
                annotations: .init(readOnlyHint: true, openWorldHint: false))
        case .listProjects:
            return Tool(
                name: name.rawValue, title: "List projects",
                description: "Every project in the store, with its segment and token totals per tier (working, stashed, archive).",
                inputSchema: schema([:], required: []),
                annotations: .init(readOnlyHint: true, openWorldHint: false))
        case .analyzeUsage:
            return Tool(
                name: name.rawValue, title: "Analyze context usage",
                description: """
                    The working set's tokens against a context budget (`token_limit`, 32000 by default): usage, the \
                    largest working segments (candidates to stash) and what to do next.
                    """,
                inputSchema: schema([
                    "project_id": projectID,
                    "token_limit": ["type": "integer", "minimum": 1, "default": 32000],
                ], required: ["project_id"]),
                annotations: .init(readOnlyHint: true, openWorldHint: false))
        case .gcPin, .gcUnpin:
            let pin = name == .gcPin
            return Tool(
                name: name.rawValue, title: pin ? "Pin segments" : "Unpin segments",
                description: pin
                    ? "Pin segments (set `pinned`), marking them to be kept: garbage collection and pruning leave pinned segments alone. Unknown ids are listed in `not_found`."
                    : "Unpin segments (clear `pinned`), so garbage collection may prune them again. Unknown ids are listed in `not_found`.",
                inputSchema: schema(["project_id": projectID, "segment_ids": segmentIDs], required: ["project_id", "segment_ids"]),
                annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false))
        case .delete:
            return Tool(
                name: name.rawValue, title: "Delete segments",
                description: """
                    Delete segments for good (they cannot be retrieved afterwards). Refused unless `confirm` is true: \
                    to set context aside, use context_stash instead.
                    """,
                inputSchema: schema([
                    "project_id": projectID, "segment_ids": segmentIDs,
                    "confirm": ["type": "boolean", "description": "Must be true: deleting cannot be undone."],
                ], required: ["project_id", "segment_ids", "confirm"]),
                annotations: .init(readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false))
        }
    }
}
