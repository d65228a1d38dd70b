/// One context segment: every field of Docs/FORMAT.md section 1, in its order. Every field
/// round-trips through the binary log and the JSON forms.
///
/// Identifiers (`segmentID`, `projectID`, tags ...) are compared as UTF-8 bytes everywhere
/// in the engine, never with Swift's `String ==` (which treats NFC and NFD as equal): two ids
/// that differ in bytes are different ids.
public struct ContextSegment: Sendable, Equatable {
    /// The id, unique within the project (compared as UTF-8 bytes); not empty.
    public var segmentID: String
    /// The content (searched by keyword, counted in tokens).
    public var text: String
    /// What the segment holds.
    public var type: SegmentType
    /// The project it belongs to (any string up to `SegmentLimits.maxProjectIDBytes`; never a path).
    public var projectID: String
    /// The task it belongs to, if any (a search filter).
    public var taskID: String?
    /// When it was created (a search filter, the export month, the recency order).
    public var createdAt: Timestamp
    /// When it was last used.
    public var lastTouchedAt: Timestamp
    /// Whether the app keeps it whatever its age.
    public var pinned: Bool
    /// Its GC generation.
    public var generation: SegmentGeneration
    /// GC passes survived; not negative.
    public var gcSurvivalCount: Int
    /// References to it held by the app; not negative.
    public var refcount: Int
    /// The file it comes from, if any (a search filter).
    public var filePath: String?
    /// The lines of `filePath` it covers, if any.
    public var lineRange: LineRange?
    /// Tags, in order (a search filter: all given tags must be present).
    public var tags: [String]
    /// The topic it belongs to, if any.
    public var topicID: String?
    /// Cached token count; trusted only while `textHash` is the SHA-256 of `text`.
    public var tokens: Int?
    /// When `tokens` was computed.
    public var tokensComputedAt: Timestamp?
    /// Lowercase hex SHA-256 of the UTF-8 text, set together with `tokens`.
    public var textHash: String?
    /// Where it lives: working, stashed or archive.
    public var tier: SegmentTier

    /// A segment with the given fields; the optional ones default to absent, `lastTouchedAt` to
    /// `createdAt`. Nothing is checked here: `put` validates (`validate()`). Cost: none.
    public init(
        segmentID: String,
        text: String,
        type: SegmentType,
        projectID: String,
        taskID: String? = nil,
        createdAt: Timestamp,
        lastTouchedAt: Timestamp? = nil,
        pinned: Bool = false,
        generation: SegmentGeneration = .young,
        gcSurvivalCount: Int = 0,
        refcount: Int = 0,
        filePath: String? = nil,
        lineRange: LineRange? = nil,
        tags: [String] = [],
        topicID: String? = nil,
        tokens: Int? = nil,
        tokensComputedAt: Timestamp? = nil,
        textHash: String? = nil,
        tier: SegmentTier = .working
    ) {
        self.segmentID = segmentID
        self.text = text
        self.type = type
        self.projectID = projectID
        self.taskID = taskID
        self.createdAt = createdAt
        self.lastTouchedAt = lastTouchedAt ?? createdAt
        self.pinned = pinned
        self.generation = generation
        self.gcSurvivalCount = gcSurvivalCount
        self.refcount = refcount
        self.filePath = filePath
        self.lineRange = lineRange
        self.tags = tags
        self.topicID = topicID
        self.tokens = tokens
        self.tokensComputedAt = tokensComputedAt
        self.textHash = textHash
        self.tier = tier
    }

    /// Byte-exact equality of every field. (A synthesized `==` would compare Strings by
    /// canonical equivalence, treating NFC and NFD text as equal; the store must not.)
    public static func == (lhs: ContextSegment, rhs: ContextSegment) -> Bool {
        lhs.isIdentical(to: rhs)
    }

    /// Whether every field is the same, strings compared as UTF-8 bytes (what `==` does).
    /// Cost: proportional to the strings' lengths.
    public func isIdentical(to other: ContextSegment) -> Bool {
        func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }
        func same(_ a: String?, _ b: String?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case let (x?, y?): same(x, y)
            default: false
            }
        }
        return same(segmentID, other.segmentID) && same(text, other.text) && type == other.type
            && same(projectID, other.projectID) && same(taskID, other.taskID)
            && createdAt == other.createdAt && lastTouchedAt == other.lastTouchedAt
            && pinned == other.pinned && generation == other.generation
            && gcSurvivalCount == other.gcSurvivalCount && refcount == other.refcount
            && same(filePath, other.filePath) && lineRange == other.lineRange
            && tags.count == other.tags.count && zip(tags, other.tags).allSatisfy { same($0, $1) }
            && same(topicID, other.topicID) && tokens == other.tokens
            && tokensComputedAt == other.tokensComputedAt
            && same(textHash, other.textHash) && tier == other.tier
    }
}
