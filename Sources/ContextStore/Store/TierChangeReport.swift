/// What `stash` or `unstash` did.
public struct TierChangeReport: Sendable, Equatable {
    /// An empty report (for an app's own tests and stubs).
    public init() {}

    /// Ids moved, in the order asked.
    public var moved: [String] = []
    /// Sum of their token counts.
    public var tokens = 0
    /// Ids not moved, with why, in the order asked (each id once, compared by UTF-8
    /// bytes: an NFC and an NFD spelling are two ids, which a `[String: _]` would merge).
    public var errors: [TierChangeFailure] = []
}

/// One id that `stash` or `unstash` did not move, and why.
public struct TierChangeFailure: Sendable, Equatable {
    /// The id as asked.
    public var id: String
    /// Why it was not moved.
    public var error: TierChangeError

    /// A failure entry (for an app's own tests and stubs).
    public init(id: String, error: TierChangeError) {
        self.id = id
        self.error = error
    }

    /// Equal when the ids have the same UTF-8 bytes (not Swift's canonical `String`
    /// equivalence) and the errors are equal.
    public static func == (a: Self, b: Self) -> Bool { a.id.utf8.elementsEqual(b.id.utf8) && a.error == b.error }
}

/// Why a tier change left an id alone.
public enum TierChangeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No live segment has this id in the project.
    case unknownID
    /// The segment is in another tier than the move starts from.
    case wrongTier(SegmentTier)

    /// A one-line explanation, for messages.
    public var description: String {
        switch self {
        case .unknownID: "no live segment with this id"
        case let .wrongTier(t): "segment is in tier \(t.rawValue)"
        }
    }
}
