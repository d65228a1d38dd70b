/// Filters of a search (Docs/FORMAT.md section 3): equality on `file_path`, `task_id`, `type`
/// and `tier`; all the given `tags` present; `created_at` strictly after `createdAfter` and
/// strictly before `createdBefore` (compared as instants; a naive time counts as UTC).
public struct SearchFilters: Sendable, Equatable {
    /// Only segments whose `file_path` is exactly this (bytes); `""` matches nothing.
    public var filePath: String?
    /// Only segments whose `task_id` is exactly this (bytes); `""` matches nothing.
    public var taskID: String?
    /// Only segments carrying every one of these tags.
    public var tags: [String]
    /// Only segments of this type.
    public var type: SegmentType?
    /// Only segments in this tier.
    public var tier: SegmentTier?
    /// Only segments created strictly after this instant.
    public var createdAfter: Timestamp?
    /// Only segments created strictly before this instant.
    public var createdBefore: Timestamp?

    /// Filters; every nil or empty one is off. Cost: none (nothing is checked here).
    public init(filePath: String? = nil, taskID: String? = nil, tags: [String] = [], type: SegmentType? = nil,
                tier: SegmentTier? = nil, createdAfter: Timestamp? = nil, createdBefore: Timestamp? = nil) {
        self.filePath = filePath
        self.taskID = taskID
        self.tags = tags
        self.type = type
        self.tier = tier
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
    }
}

/// Result order: BM25 relevance (ties broken by recency), or newest first.
public enum SearchOrder: String, Sendable, CaseIterable {
    /// BM25 relevance, ties broken by recency.
    case relevance
    /// Newest first (by `created_at`).
    case recent
}

/// How the words of a query select segments.
public enum SearchMode: String, Sendable, CaseIterable {
    /// Every word must be a whole word of the segment (the old layer's semantics; the
    /// default). A prefix word `mmap*` must be the start of one of its words.
    case all
    /// At least one word (a whole word, a part of an identifier such as `region` in
    /// `mmap_region`, or a word of its `file_path` or tags) must be in the segment; results
    /// are ranked by BM25 over all the words, so the rare, telling ones decide.
    case any
}

/// Which field `SearchQuery.collapse` groups hits by.
public enum SearchCollapseField: String, Sendable, CaseIterable {
    /// Hits with the same `file_path` (hits without one are never collapsed).
    case filePath = "file_path"
    /// Hits with the same `task_id` (hits without one are never collapsed).
    case taskID = "task_id"
}

/// At most `perGroup` hits for each value of `field`; the best-ranked are kept.
public struct SearchCollapse: Sendable, Equatable {
    /// The field hits are grouped by.
    public var field: SearchCollapseField
    /// How many hits of one group are kept (at least 1).
    public var perGroup: Int
    /// A collapse; `perGroup` below 1 counts as 1. Cost: none.
    public init(_ field: SearchCollapseField, perGroup: Int = 1) {
        self.field = field
        self.perGroup = max(1, perGroup)
    }
}

/// A keyword search in one project, or in every project when `project` is nil.
///
/// In `.all` mode (the default) a segment matches when every word of `query` (as the
/// keyword analyzer splits it) is among its words and it passes the filters; an empty query
/// matches every segment and returns them newest first. In `.any` mode it matches when it
/// has at least one of the words (see `SearchMode`). A word followed by `*` (`mmap*`) is a
/// prefix in both modes. Any text is a valid query: nothing in it is syntax but `*`.
///
/// Two edges answer as the old layer's `search_stashed` did (Docs/FORMAT.md section 3): a
/// query that is not empty but has no word in it (`"!!!"`, `"   "`, an emoji) matches
/// nothing, and so does a `file_path` or `task_id` filter equal to `""` (the old layer
/// indexed those fields only when non-empty).
public struct SearchQuery: Sendable, Equatable {
    /// The project searched; nil searches every project (each hit names its project).
    public var project: String?
    /// The words to match (the keyword analyzer splits the text).
    public var query: String
    /// Metadata filters, intersected with the words.
    public var filters: SearchFilters
    /// How many segments to return at most (`totalMatches` counts them all); negative counts as 0.
    public var limit: Int
    /// How the returned segments are ranked.
    public var order: SearchOrder
    /// Whether every word must match (`.all`) or at least one (`.any`).
    public var mode: SearchMode
    /// Up to this many best-matching lines per hit (`SearchHit.snippets`); 0: none.
    public var snippets: Int
    /// When set, hits are packed in rank order into this many tokens (each hit costs its
    /// snippets' tokens when `snippets` > 0, else its whole text's): a hit that does not fit
    /// is left out and the next one tried. The candidates are the top `limit` hits.
    public var budgetTokens: Int?
    /// When set, at most `perGroup` hits per `file_path` (or `task_id`).
    public var collapse: SearchCollapse?
    /// When true and nothing matches, `SearchResult.explanation` says why.
    public var explain: Bool
    /// Whether hits carry their segment (`SearchHit.segment`, `SearchResult.segments`).
    /// False returns ids, scores and projects only, and skips reading the log (snippets and
    /// budgets read it all the same).
    public var fetchSegments: Bool

    /// A query; by default every segment of `project`, the 10 most relevant. Cost: none.
    public init(project: String?, query: String = "", filters: SearchFilters = SearchFilters(),
                limit: Int = 10, order: SearchOrder = .relevance, mode: SearchMode = .all,
                snippets: Int = 0, budgetTokens: Int? = nil, collapse: SearchCollapse? = nil,
                explain: Bool = false, fetchSegments: Bool = true) {
        self.project = project
        self.query = query
        self.filters = filters
        self.limit = limit
        self.order = order
        self.mode = mode
        self.snippets = snippets
        self.budgetTokens = budgetTokens
        self.collapse = collapse
        self.explain = explain
        self.fetchSegments = fetchSegments
    }

    /// Whether the query can match nothing before any index is read: a `file_path` or
    /// `task_id` filter equal to `""` (never indexed by the old layer). A non-empty query
    /// without words is the other such edge; the caller knows it after analysis.
    var hasEmptyFieldFilter: Bool {
        filters.filePath?.isEmpty == true || filters.taskID?.isEmpty == true
    }
}

/// `totalMatches` counts every live match; `hits` (and `segments`) are the top `limit` of
/// them, after collapsing and budget packing.
public struct SearchResult: Sendable, Equatable {
    /// A result (for an app's own tests and stubs).
    public init(totalMatches: Int, segments: [ContextSegment], hits: [SearchHit] = [],
                budget: SearchBudgetReport? = nil, explanation: SearchExplanation? = nil) {
        self.totalMatches = totalMatches
        self.segments = segments
        self.hits = hits
        self.budget = budget
        self.explanation = explanation
    }

    /// Every live segment that matches, however many are returned (in `.any` mode: that has
    /// at least one of the words).
    public var totalMatches: Int
    /// The segments of `hits`, in the same order (empty when `fetchSegments` is false).
    public var segments: [ContextSegment]
    /// The best matches, in the query's order, with scores, projects and snippets.
    public var hits: [SearchHit]
    /// What `budgetTokens` did (nil without a budget).
    public var budget: SearchBudgetReport?
    /// Why nothing matched (nil unless `explain` was asked and nothing matched).
    public var explanation: SearchExplanation?
}
