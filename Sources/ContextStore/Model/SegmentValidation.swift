/// Why a segment is not acceptable, naming the field (Docs/FORMAT.md section 1). The JSON
/// readers report the same errors with the file, the element index and the byte offset.
public enum SegmentValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `segment_id` is empty.
    case emptySegmentID
    /// A required field is absent (JSON input).
    case missingField(String)
    /// A field has the wrong JSON type (JSON input).
    case wrongType(field: String, expected: String)
    /// An enum field has a value outside `allowed`.
    case unknownValue(field: String, value: String, allowed: [String])
    /// `line_range` is not a pair (JSON input).
    case lineRangeNotAPair(count: Int)
    /// A count (`gc_survival_count`, `refcount`, `tokens`) is negative.
    case negative(field: String, value: Int)
    /// A datetime is malformed or out of range.
    case invalidDatetime(field: String, value: String)
    /// A field, or the encoded record, is over its limit (`SegmentLimits`).
    case tooLarge(field: String, bytes: Int, limit: Int)

    /// One line naming the field (never the segment's text).
    public var description: String {
        switch self {
        case .emptySegmentID:
            "segment_id: must not be empty"
        case let .missingField(f):
            "\(f): required field is missing"
        case let .wrongType(f, expected):
            "\(f): expected \(expected)"
        case let .unknownValue(f, v, allowed):
            "\(f): unknown value \(debugQuote(v)) (allowed: \(allowed.joined(separator: ", ")))"
        case let .lineRangeNotAPair(count):
            "line_range: must be a pair of integers or null, got \(count) element(s)"
        case let .negative(f, v):
            "\(f): must not be negative, got \(v)"
        case let .invalidDatetime(f, v):
            "\(f): not a valid datetime: \(debugQuote(v))"
        case let .tooLarge(f, bytes, limit):
            "\(f): \(bytes) bytes is over the limit of \(limit) bytes"
        }
    }
}

/// Limits that keep one record bounded (SPEC.md, "Limits").
public enum SegmentLimits {
    /// The largest encoded record (segment and metadata). A text of 100 MB is refused with
    /// `tooLarge`, before it reaches the log.
    public static let maxRecordBytes = 64 << 20
    /// The longest `project_id`, in UTF-8 bytes. Any content is valid (an empty id, `../x`,
    /// control characters: Docs/FORMAT.md section 2; ids are never paths), but every MANIFEST
    /// publish rewrites every project id, so one id cannot be unbounded. A longer one is
    /// refused with `tooLarge(field: "project_id")`.
    public static let maxProjectIDBytes = 64 << 10
}

extension ContextSegment {
    /// Checks the constraints the type system does not: a non-empty id, non-negative
    /// counts, datetimes in range. Enum values and the pair shape are enforced by the types.
    public func validate() throws(SegmentValidationError) {
        if segmentID.utf8.isEmpty { throw .emptySegmentID }
        if projectID.utf8.count > SegmentLimits.maxProjectIDBytes {
            throw .tooLarge(field: "project_id", bytes: projectID.utf8.count, limit: SegmentLimits.maxProjectIDBytes)
        }
        if gcSurvivalCount < 0 { throw .negative(field: "gc_survival_count", value: gcSurvivalCount) }
        if refcount < 0 { throw .negative(field: "refcount", value: refcount) }
        if let t = tokens, t < 0 { throw .negative(field: "tokens", value: t) }
        if !createdAt.isValid { throw .invalidDatetime(field: "created_at", value: createdAt.iso8601) }
        if !lastTouchedAt.isValid { throw .invalidDatetime(field: "last_touched_at", value: lastTouchedAt.iso8601) }
        if let t = tokensComputedAt, !t.isValid {
            throw .invalidDatetime(field: "tokens_computed_at", value: t.iso8601)
        }
        let approx = text.utf8.count + segmentID.utf8.count + projectID.utf8.count
            + (taskID?.utf8.count ?? 0) + (filePath?.utf8.count ?? 0) + (topicID?.utf8.count ?? 0)
            + tags.reduce(0) { $0 + $1.utf8.count + 10 } + 256
        if approx > SegmentLimits.maxRecordBytes {
            throw .tooLarge(field: "text", bytes: approx, limit: SegmentLimits.maxRecordBytes)
        }
    }
}
