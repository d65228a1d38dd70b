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

/// A keyword search in one project. A segment matches when every word of `query` (as the
/// keyword analyzer splits it) is among its words and it passes the filters; an empty query
/// matches every segment and returns them newest first.
///
/// Two edges answer as the old layer's `search_stashed` did (Docs/FORMAT.md section 3): a
/// query that is not empty but has no word in it (`"!!!"`, `"   "`, an emoji) matches
/// nothing, and so does a `file_path` or `task_id` filter equal to `""` (the old layer
/// indexed those fields only when non-empty).
public struct SearchQuery: Sendable, Equatable {
    /// The project searched (one per query).
    public var project: String
    /// The words to match, all of them (the keyword analyzer splits the text).
    public var query: String
    /// Metadata filters, intersected with the words.
    public var filters: SearchFilters
    /// How many segments to return at most (`totalMatches` counts them all); negative counts as 0.
    public var limit: Int
    /// How the returned segments are ranked.
    public var order: SearchOrder

    /// A query; by default every segment of `project`, the 10 most relevant. Cost: none.
    public init(project: String, query: String = "", filters: SearchFilters = SearchFilters(),
                limit: Int = 10, order: SearchOrder = .relevance) {
        self.project = project
        self.query = query
        self.filters = filters
        self.limit = limit
        self.order = order
    }

    /// Whether the query can match nothing before any index is read: a `file_path` or
    /// `task_id` filter equal to `""` (never indexed by the old layer). A non-empty query
    /// without words is the other such edge; the caller knows it after analysis.
    var hasEmptyFieldFilter: Bool {
        filters.filePath?.isEmpty == true || filters.taskID?.isEmpty == true
    }
}

/// `totalMatches` counts every live match; `segments` are the top `limit` of them.
public struct SearchResult: Sendable, Equatable {
    /// A result (for an app's own tests and stubs).
    public init(totalMatches: Int, segments: [ContextSegment]) {
        self.totalMatches = totalMatches
        self.segments = segments
    }

    /// Every live segment that matches, however many are returned.
    public var totalMatches: Int
    /// The best `limit` matches, in the query's order.
    public var segments: [ContextSegment]
}
