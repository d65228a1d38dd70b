// Timestamp as a value an app can store and sort: Codable as its ISO 8601 string, Comparable
// by instant. Standard library only (no Foundation).

extension Timestamp: Codable {
    /// Decodes a datetime string in any form Docs/FORMAT.md section 1 accepts, through
    /// `Timestamp(iso8601:)` (the parser every reader uses), keeping its written form. Throws
    /// `DecodingError.dataCorrupted` with the `Timestamp.ParseError` (which names the character
    /// where the text stops being a datetime, or says it is out of range) as the underlying
    /// error, and the decoder's `typeMismatch` for a value that is not a string. Costs one
    /// string decode and a parse well under a microsecond.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        let parsed: Timestamp
        do {
            parsed = try Timestamp(iso8601: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: error.description,
                                                    underlyingError: error))
        }
        self = parsed
    }

    /// Encodes `iso8601`, the written form the JSON writers use (`2025-12-07T22:49:42.123456`,
    /// `...Z`, `...-08:00`). Throws only what the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso8601)
    }
}

extension Timestamp: Comparable {
    /// A total order consistent with `==` (which compares written forms).
    ///
    /// First by instant (`instantMicroseconds`, a naive time counting as UTC), as every
    /// comparison in the store orders. Equal instants written differently are then ordered
    /// deterministically: a naive time before any time with an offset, then offsets from
    /// west to east (`-08:00` before `Z` before `+01:00`), then a time written without a
    /// fraction before the same time written with one (`...:00Z` before `...:00.000000Z`).
    /// Instant and offset fix the wall-clock time, so two timestamps neither of which is
    /// before the other are `==`. Constant time.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        let a = lhs.instantMicroseconds, b = rhs.instantMicroseconds
        if a != b { return a < b }
        switch (lhs.utcOffsetSeconds, rhs.utcOffsetSeconds) {
        case (nil, .some): return true
        case (.some, nil): return false
        case let (x?, y?) where x != y: return x < y
        default: return !lhs.hasFraction && rhs.hasFraction
        }
    }
}
