/// Segments and tokens of one tier of a project.
public struct TierTotals: Sendable, Equatable {
    /// Live segments.
    public var segments: Int = 0
    /// Their tokens (cached counts).
    public var tokens: Int = 0

    /// Totals (for an app's own tests and stubs).
    public init(segments: Int = 0, tokens: Int = 0) {
        self.segments = segments
        self.tokens = tokens
    }
}

/// Per-tier totals of a project's live segments, kept as records come and go.
public struct ProjectTotals: Sendable, Equatable {
    /// Zero in every tier (for an app's own tests and stubs).
    public init() {}

    /// One entry per tier, in `SegmentTier.allCases` order (read it through the subscript).
    public var byTier: [TierTotals] = SegmentTier.allCases.map { _ in TierTotals() }

    /// The totals of one tier. Cost: constant.
    public subscript(tier: SegmentTier) -> TierTotals {
        get { byTier[Int(tier.code)] }
        set { byTier[Int(tier.code)] = newValue }
    }

    /// Live segments over all tiers.
    public var segments: Int { byTier.reduce(0) { $0 + $1.segments } }
    /// Tokens over all tiers.
    public var tokens: Int { byTier.reduce(0) { $0 + $1.tokens } }

    mutating func add(_ d: DocInfo, _ sign: Int) {
        byTier[Int(d.tier)].segments += sign
        byTier[Int(d.tier)].tokens += sign * Int(d.tokens)
    }
}
