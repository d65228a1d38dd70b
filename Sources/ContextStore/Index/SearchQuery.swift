/// Filters of a search (Docs/FORMAT.md section 3): equality on `file_path`, `task_id`, `type`
/// and `tier`; all the given `tags` present; `created_at` strictly after `createdAfter` and
/// strictly before `createdBefore` (compared as instants; a naive time counts as UTC).
public struct SearchFilters: Sendable, Equatable {
    public var filePath: String?
    public var taskID: String?
    public var tags: [String]
    public var type: SegmentType?
    public var tier: SegmentTier?
    public var createdAfter: Timestamp?
    public var createdBefore: Timestamp?

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
    case relevance, recent
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
    public var project: String
    public var query: String
    public var filters: SearchFilters
    public var limit: Int
    public var order: SearchOrder

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
    public var totalMatches: Int
    public var segments: [ContextSegment]
}
