// ContextSegment and its enums as Codable values with exactly Docs/FORMAT.md section 1's keys
// and strings. Encoding mirrors the JSON layer's writer (every key, in order, null where
// absent); decoding fills the JSON layer's `SegmentFieldValues`, so required keys, defaults
// and validation are the JSON readers' own. Here, in JSON/, because it uses the JSON layer's
// field table (Model sits below JSON: Tools/check_layers.py). Standard library only (no
// Foundation). `Timestamp` and `LineRange` are Codable in Model.

extension ContextSegment: Codable {
    /// Decodes a segment object as the JSON readers do (Docs/FORMAT.md section 1): keys in any
    /// order; `segment_id`, `text`, `type`, `project_id`, `created_at` and `last_touched_at`
    /// required; a missing optional key takes its default (`pinned` false, `generation`
    /// young, counts 0, `tags` empty, `tier` working, the nullable ones nil); datetimes in
    /// every accepted form, through `Timestamp(iso8601:)`, keeping their written form; then
    /// `validate()`. As in the JSON readers, `null` is accepted only where the format allows it
    /// (a null `pinned` or `tags` is an error, not the default) and an unknown key is refused.
    /// (Duplicate keys are the decoder's business: Foundation's `JSONDecoder` keeps one.)
    ///
    /// Throws `DecodingError.keyNotFound` for a missing required key;
    /// `DecodingError.dataCorrupted` for an unknown key, an unknown enum value, a malformed
    /// datetime, a `line_range` that is not a pair, or a value validation refuses (its
    /// underlying error is the `SegmentValidationError` or `Timestamp.ParseError` the JSON
    /// layer reports, its coding path ends at the field); the decoder's `typeMismatch` or
    /// `valueNotFound` for a value of the wrong JSON type. Numbers are read as the decoder
    /// reads an `Int` (the JSON readers also refuse `1.0`; a decoder may take it as 1). Costs
    /// one pass over the keys and values, linear in the segment's size.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: SegmentCodingKey.self)
        for key in c.allKeys where key.field == nil {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: c,
                debugDescription: "unknown key \(debugQuote(key.stringValue)) (a segment has the keys of Docs/FORMAT.md section 1)")
        }
        /// A key that, when present, must hold a `T` (null refused); nil when absent.
        func present<T: Decodable>(_ field: JSONSegmentField) throws -> T? {
            let key = SegmentCodingKey(field)
            return c.contains(key) ? try c.decode(T.self, forKey: key) : nil
        }
        /// A key that may be absent or null.
        func nullable<T: Decodable>(_ field: JSONSegmentField) throws -> T? {
            try c.decodeIfPresent(T.self, forKey: SegmentCodingKey(field))
        }
        var f = SegmentFieldValues()
        f.segmentID = try present(.segmentID)
        f.text = try present(.text)
        f.type = try present(.type)
        f.projectID = try present(.projectID)
        f.taskID = try nullable(.taskID)
        f.createdAt = try present(.createdAt)
        f.lastTouchedAt = try present(.lastTouchedAt)
        if let v: Bool = try present(.pinned) { f.pinned = v }
        if let v: SegmentGeneration = try present(.generation) { f.generation = v }
        if let v: Int = try present(.gcSurvivalCount) { f.gcSurvivalCount = v }
        if let v: Int = try present(.refcount) { f.refcount = v }
        f.filePath = try nullable(.filePath)
        f.lineRange = try nullable(.lineRange)
        if let v: [String] = try present(.tags) { f.tags = v }
        f.topicID = try nullable(.topicID)
        f.tokens = try nullable(.tokens)
        f.tokensComputedAt = try nullable(.tokensComputedAt)
        f.textHash = try nullable(.textHash)
        if let v: SegmentTier = try present(.tier) { f.tier = v }
        do {
            self = try f.segment()
        } catch {
            throw error.decodingError(codingPath: c.codingPath)
        }
    }

    /// Encodes every key of Docs/FORMAT.md section 1 in its order, `null` for an absent
    /// optional, as the JSON layer's `JSONSegmentEncoder` writes it: enums as their strings,
    /// datetimes as `Timestamp.iso8601` (written form kept), `line_range` as `[start, end]`.
    /// (Whether the output keeps that order is the encoder's choice: Foundation's
    /// `JSONEncoder` does not; `.sortedKeys` makes its output stable.) Does not validate. Throws only what the encoder throws; linear in the size.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SegmentCodingKey.self)
        func put<T: Encodable>(_ value: T?, _ field: JSONSegmentField) throws {
            if let value {
                try c.encode(value, forKey: SegmentCodingKey(field))
            } else {
                try c.encodeNil(forKey: SegmentCodingKey(field))
            }
        }
        try put(segmentID, .segmentID)
        try put(text, .text)
        try put(type, .type)
        try put(projectID, .projectID)
        try put(taskID, .taskID)
        try put(createdAt, .createdAt)
        try put(lastTouchedAt, .lastTouchedAt)
        try put(pinned, .pinned)
        try put(generation, .generation)
        try put(gcSurvivalCount, .gcSurvivalCount)
        try put(refcount, .refcount)
        try put(filePath, .filePath)
        try put(lineRange, .lineRange)
        try put(tags, .tags)
        try put(topicID, .topicID)
        try put(tokens, .tokens)
        try put(tokensComputedAt, .tokensComputedAt)
        try put(textHash, .textHash)
        try put(tier, .tier)
    }
}

/// A key of a segment object: one of `JSONSegmentField`'s names, or (so that unknown keys
/// can be seen and refused) any other string, with `field` nil. Names compare as UTF-8 bytes.
struct SegmentCodingKey: CodingKey {
    let stringValue: String
    let field: JSONSegmentField?

    init(_ field: JSONSegmentField) {
        self.field = field
        self.stringValue = field.name
    }

    init(stringValue: String) {
        self.stringValue = stringValue
        var bytes = stringValue
        self.field = bytes.withUTF8 { JSONSegmentField.match($0, guess: 0) }
    }

    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension SegmentValidationError {
    /// The segment field the error is about.
    var fieldName: String {
        switch self {
        case .emptySegmentID: JSONSegmentField.segmentID.name
        case .lineRangeNotAPair: JSONSegmentField.lineRange.name
        case let .missingField(f), let .wrongType(f, _), let .unknownValue(f, _, _), let .negative(f, _),
             let .invalidDatetime(f, _), let .tooLarge(f, _, _): f
        }
    }

    /// The error as Codable reports it: `keyNotFound` for a missing field, else
    /// `dataCorrupted` at the field with `self` as the underlying error.
    func decodingError(codingPath: [any CodingKey]) -> DecodingError {
        let key = SegmentCodingKey(stringValue: fieldName)
        if case .missingField = self {
            return .keyNotFound(key, .init(codingPath: codingPath, debugDescription: description))
        }
        return .dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: description, underlyingError: self))
    }
}

/// A segment enum that JSON holds as its raw string (`type`, `generation`, `tier`): one
/// `Codable` implementation for the three, so they read and write alike. Decoding compares
/// the string with each case's raw value as UTF-8 bytes (as the JSON readers do); any other
/// string throws `DecodingError.dataCorrupted` whose underlying error is the JSON layer's
/// `SegmentValidationError.unknownValue` for `segmentField`, naming the allowed values; a
/// value that is not a string throws the decoder's `typeMismatch`. Encoding writes the raw
/// string and throws only what the encoder throws. Each costs one string and at most one
/// comparison per case.
protocol SegmentStringEnum: RawRepresentable, CaseIterable, Codable where RawValue == String {
    /// The segment field the enum is the value of (named in the error for a bad string).
    static var segmentField: JSONSegmentField { get }
}

extension SegmentStringEnum {
    /// Decodes the case whose raw value is the decoded string (UTF-8 bytes compared). Throws
    /// `DecodingError.dataCorrupted` (underlying `SegmentValidationError.unknownValue`) for
    /// any other string, the decoder's `typeMismatch` for a value that is not a string.
    /// (`public` so that it can witness the public types' `Decodable` conformances.)
    public init(from decoder: any Decoder) throws {
        self = try decodeSegmentEnum(from: decoder, field: Self.segmentField)
    }

    /// Encodes the raw string (`"note"`). Throws only what the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// `Codable` as one of `message`, `code`, `log`, `note`, `decision`, `summary`
/// (`SegmentStringEnum` says what throws and what it costs).
extension SegmentType: Codable, SegmentStringEnum {
    static var segmentField: JSONSegmentField { .type }
}

/// `Codable` as `young` or `old` (`SegmentStringEnum` says what throws and what it costs).
extension SegmentGeneration: Codable, SegmentStringEnum {
    static var segmentField: JSONSegmentField { .generation }
}

/// `Codable` as `working`, `stashed` or `archive` (`SegmentStringEnum` says what throws and
/// what it costs).
extension SegmentTier: Codable, SegmentStringEnum {
    static var segmentField: JSONSegmentField { .tier }
}

/// The case whose raw value has the same UTF-8 bytes as the decoded string; else the JSON
/// layer's `unknownValue` error for `field`, as a `DecodingError`.
private func decodeSegmentEnum<T: RawRepresentable & CaseIterable>(
    from decoder: any Decoder, field: JSONSegmentField
) throws -> T where T.RawValue == String {
    let c = try decoder.singleValueContainer()
    let s = try c.decode(String.self)
    if let v = T.allCases.first(where: { $0.rawValue.utf8.elementsEqual(s.utf8) }) { return v }
    let e = SegmentValidationError.unknownValue(field: field.name, value: s, allowed: T.allCases.map(\.rawValue))
    throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: e.description, underlyingError: e))
}
