#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keys of a segment object, in Docs/FORMAT.md section 1 order (the writer's order too).
enum JSONSegmentField: Int, CaseIterable {
    case segmentID, text, type, projectID, taskID, createdAt, lastTouchedAt, pinned, generation,
         gcSurvivalCount, refcount, filePath, lineRange, tags, topicID, tokens, tokensComputedAt,
         textHash, tier

    static let names: [StaticString] = [
        "segment_id", "text", "type", "project_id", "task_id", "created_at", "last_touched_at",
        "pinned", "generation", "gc_survival_count", "refcount", "file_path", "line_range", "tags",
        "topic_id", "tokens", "tokens_computed_at", "text_hash", "tier",
    ]

    var name: String { Self.names[rawValue].description }

    /// The field named by UTF-8 bytes `k`; `guess` is tried first (keys usually come in order).
    static func match(_ k: UnsafeBufferPointer<UInt8>, guess: Int) -> JSONSegmentField? {
        if guess < names.count, jsonBytesEqual(k, names[guess]) { return JSONSegmentField(rawValue: guess) }
        for i in 0..<names.count where jsonBytesEqual(k, names[i]) { return JSONSegmentField(rawValue: i) }
        return nil
    }
}

@inline(__always)
func jsonBytesEqual(_ k: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
    k.count == s.utf8CodeUnitCount && (k.count == 0 || memcmp(k.baseAddress!, s.utf8Start, k.count) == 0)
}

private let typeNames: [StaticString] = ["message", "code", "log", "note", "decision", "summary"]
private let typeValues: [SegmentType] = [.message, .code, .log, .note, .decision, .summary]
private let generationNames: [StaticString] = ["young", "old"]
private let generationValues: [SegmentGeneration] = [.young, .old]
private let tierNames: [StaticString] = ["working", "stashed", "archive"]
private let tierValues: [SegmentTier] = [.working, .stashed, .archive]

/// The fields of one segment object as a reader collects them, each optional one starting at
/// its Docs/FORMAT.md section 1 default. One rule for every reader of segment objects: the
/// JSON scanner (`readSegmentBody`) and `ContextSegment`'s `Decodable` conformance fill one of
/// these and call `segment()`, so required fields, defaults and validation cannot drift apart.
struct SegmentFieldValues {
    var segmentID: String?
    var text: String?
    var type: SegmentType?
    var projectID: String?
    var taskID: String?
    var createdAt: Timestamp?
    var lastTouchedAt: Timestamp?
    var pinned = false
    var generation = SegmentGeneration.young
    var gcSurvivalCount = 0
    var refcount = 0
    var filePath: String?
    var lineRange: LineRange?
    var tags: [String] = []
    var topicID: String?
    var tokens: Int?
    var tokensComputedAt: Timestamp?
    var textHash: String?
    var tier = SegmentTier.working

    /// The segment, validated (`ContextSegment.validate()`). Throws `missingField` for the
    /// first required field (`segment_id`, `text`, `type`, `project_id`, `created_at`,
    /// `last_touched_at`, in that order) that was not given, else what validation throws.
    func segment() throws(SegmentValidationError) -> ContextSegment {
        guard let segmentID else { throw .missingField(JSONSegmentField.segmentID.name) }
        guard let text else { throw .missingField(JSONSegmentField.text.name) }
        guard let type else { throw .missingField(JSONSegmentField.type.name) }
        guard let projectID else { throw .missingField(JSONSegmentField.projectID.name) }
        guard let createdAt else { throw .missingField(JSONSegmentField.createdAt.name) }
        guard let lastTouchedAt else { throw .missingField(JSONSegmentField.lastTouchedAt.name) }
        let segment = ContextSegment(
            segmentID: segmentID, text: text, type: type, projectID: projectID, taskID: taskID,
            createdAt: createdAt, lastTouchedAt: lastTouchedAt, pinned: pinned, generation: generation,
            gcSurvivalCount: gcSurvivalCount, refcount: refcount, filePath: filePath, lineRange: lineRange,
            tags: tags, topicID: topicID, tokens: tokens, tokensComputedAt: tokensComputedAt,
            textHash: textHash, tier: tier)
        try segment.validate()
        return segment
    }
}

extension JSONScanner {
    /// Decodes one segment object (Docs/FORMAT.md section 1) and validates it.
    ///
    /// On entry the `{` has been consumed and `markSegmentStart()` called at it; with
    /// `pendingKey`, the first key has been read as well (the format sniffer reads it) and
    /// `markKeyStart()` was called at it. `depth` is the object's nesting depth.
    ///
    /// Keys may come in any order; a duplicate or unknown key is refused, the required ones
    /// (`segment_id`, `text`, `type`, `project_id`, `created_at`, `last_touched_at`) must be
    /// there, the others default as Docs/FORMAT.md says. A value of the wrong type is first
    /// checked to be valid JSON (so a syntax error is reported as such), then refused with
    /// `wrongType` at its key.
    mutating func readSegmentBody(depth: Int, pendingKey: [UInt8]? = nil) throws(JSONFault) -> ContextSegment {
        var f = SegmentFieldValues()
        var seen: UInt32 = 0
        var last = -1
        var pending = pendingKey
        var first = true
        while true {
            let field: JSONSegmentField
            if let key = pending {
                pending = nil
                guard let f = key.withUnsafeBufferPointer({ JSONSegmentField.match($0, guess: 0) }) else {
                    throw fault(.unknownKey(String(decoding: key, as: UTF8.self)), at: keyMark.offset)
                }
                field = f
            } else {
                guard var b = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                if b == 0x7D {
                    pos += 1
                    break
                }
                if !first {
                    guard b == 0x2C else { throw unexpected(b, expected: "',' or '}'") }
                    pos += 1
                    guard let c = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                    b = c
                }
                guard b == 0x22 else { throw unexpected(b, expected: "a key string") }
                markKeyStart()
                let k = try readString()
                guard let f = JSONSegmentField.match(k, guess: last + 1) else {
                    throw fault(.unknownKey(String(decoding: k, as: UTF8.self)), at: keyMark.offset)
                }
                field = f
            }
            first = false
            let bit: UInt32 = 1 << UInt32(field.rawValue)
            if seen & bit != 0 { throw fault(.duplicateKey(field.name), at: keyMark.offset) }
            seen |= bit
            last = field.rawValue
            try expect(0x3A, "':'")
            guard let v = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
            guard JSONScanner.startsValue(v) else { throw notAValue(v) }

            switch field {
            case .segmentID: f.segmentID = try stringValue(v, field, depth)
            case .text: f.text = try stringValue(v, field, depth)
            case .projectID: f.projectID = try stringValue(v, field, depth)
            case .taskID: f.taskID = try optionalStringValue(v, field, depth)
            case .filePath: f.filePath = try optionalStringValue(v, field, depth)
            case .topicID: f.topicID = try optionalStringValue(v, field, depth)
            case .textHash: f.textHash = try optionalStringValue(v, field, depth)
            case .type: f.type = try enumValue(v, field, depth, typeNames, typeValues)
            case .generation: f.generation = try enumValue(v, field, depth, generationNames, generationValues)
            case .tier: f.tier = try enumValue(v, field, depth, tierNames, tierValues)
            case .createdAt: f.createdAt = try datetimeValue(v, field, depth, optional: false)
            case .lastTouchedAt: f.lastTouchedAt = try datetimeValue(v, field, depth, optional: false)
            case .tokensComputedAt: f.tokensComputedAt = try datetimeValue(v, field, depth, optional: true)
            case .pinned:
                if v == 0x74 || v == 0x66, try readLiteral() != .null {
                    f.pinned = v == 0x74
                } else {
                    throw try wrongType(field, "a boolean", depth)
                }
            case .gcSurvivalCount: f.gcSurvivalCount = try intValue(v, field, depth, optional: false) ?? 0
            case .refcount: f.refcount = try intValue(v, field, depth, optional: false) ?? 0
            case .tokens: f.tokens = try intValue(v, field, depth, optional: true)
            case .lineRange: f.lineRange = try lineRangeValue(v, depth)
            case .tags: f.tags = try tagsValue(v, depth)
            }
        }

        do {
            return try f.segment()
        } catch {
            throw fault(.segment(error), at: segmentMark.offset)
        }
    }

    /// Checks the value at `pos` is valid JSON, then returns the wrong-type error for `field`.
    private mutating func wrongType(_ field: JSONSegmentField, _ expected: String, _ depth: Int) throws(JSONFault) -> JSONFault {
        try skipValue(depth: depth + 1)
        return fault(.segment(.wrongType(field: field.name, expected: expected)), at: keyMark.offset)
    }

    private mutating func stringValue(_ v: UInt8, _ field: JSONSegmentField, _ depth: Int) throws(JSONFault) -> String {
        guard v == 0x22 else { throw try wrongType(field, "a string", depth) }
        return try readStringValue()
    }

    private mutating func optionalStringValue(_ v: UInt8, _ field: JSONSegmentField, _ depth: Int) throws(JSONFault) -> String? {
        if v == 0x22 { return try readStringValue() }
        if v == 0x6E, try readLiteral() == .null { return nil }
        throw try wrongType(field, "a string or null", depth)
    }

    private mutating func enumValue<T>(_ v: UInt8, _ field: JSONSegmentField, _ depth: Int,
                                       _ names: [StaticString], _ values: [T]) throws(JSONFault) -> T {
        guard v == 0x22 else { throw try wrongType(field, "a string", depth) }
        let s = try readString()
        for i in 0..<names.count where jsonBytesEqual(s, names[i]) { return values[i] }
        throw fault(.segment(.unknownValue(field: field.name, value: String(decoding: s, as: UTF8.self),
                                           allowed: names.map(\.description))), at: keyMark.offset)
    }

    private mutating func datetimeValue(_ v: UInt8, _ field: JSONSegmentField, _ depth: Int, optional: Bool) throws(JSONFault) -> Timestamp? {
        if v == 0x22 {
            let s = try readString()
            // Every form pydantic accepts (Timestamp+ISO8601.swift: one rule for JSON, the
            // API and the command line).
            guard let t = Timestamp.parse(s), t.isValid else {
                throw fault(.segment(.invalidDatetime(field: field.name, value: String(decoding: s, as: UTF8.self))),
                            at: keyMark.offset)
            }
            return t
        }
        if optional, v == 0x6E, try readLiteral() == .null { return nil }
        throw try wrongType(field, optional ? "a datetime string or null" : "a datetime string", depth)
    }

    private mutating func intValue(_ v: UInt8, _ field: JSONSegmentField, _ depth: Int, optional: Bool) throws(JSONFault) -> Int? {
        if v == 0x2D || (v >= 0x30 && v <= 0x39) {
            let n = try readNumber()
            if let i = n.int64 { return Int(i) }
            let what = n.isInteger ? "an integer within 64 bits" : "an integer (not a fraction or exponent)"
            throw fault(.segment(.wrongType(field: field.name, expected: what)), at: keyMark.offset)
        }
        if optional, v == 0x6E, try readLiteral() == .null { return nil }
        throw try wrongType(field, optional ? "an integer or null" : "an integer", depth)
    }

    private mutating func lineRangeValue(_ v: UInt8, _ depth: Int) throws(JSONFault) -> LineRange? {
        if v == 0x6E, try readLiteral() == .null { return nil }
        guard v == 0x5B else { throw try wrongType(.lineRange, "a pair of integers or null", depth) }
        if depth + 1 > maxDepth { throw fault(.depthLimit(maxDepth)) }
        pos += 1
        var values: [Int] = []
        var count = 0
        while let b = try nextArrayElement(first: count == 0) {
            guard JSONScanner.startsValue(b) else { throw notAValue(b) }
            if b == 0x2D || (b >= 0x30 && b <= 0x39) {
                let n = try readNumber()
                guard let i = n.int64 else {
                    throw fault(.segment(.wrongType(field: "line_range", expected: "a pair of integers or null")),
                                at: keyMark.offset)
                }
                if values.count < 2 { values.append(Int(i)) }
            } else {
                throw try wrongType(.lineRange, "a pair of integers or null", depth + 1)
            }
            count += 1
        }
        guard count == 2 else { throw fault(.segment(.lineRangeNotAPair(count: count)), at: keyMark.offset) }
        return LineRange(values[0], values[1])
    }

    private mutating func tagsValue(_ v: UInt8, _ depth: Int) throws(JSONFault) -> [String] {
        guard v == 0x5B else { throw try wrongType(.tags, "an array of strings", depth) }
        if depth + 1 > maxDepth { throw fault(.depthLimit(maxDepth)) }
        pos += 1
        var tags: [String] = []
        while let b = try nextArrayElement(first: tags.isEmpty) {
            guard JSONScanner.startsValue(b) else { throw notAValue(b) }
            guard b == 0x22 else { throw try wrongType(.tags, "an array of strings", depth + 1) }
            tags.append(try readStringValue())
        }
        return tags
    }

}

/// Decoding of a single segment object (an NDJSON line, CLI input).
package enum JSONSegmentDecoder {
    /// The keys a segment object may have, in Docs/FORMAT.md section 1 order.
    package static let fieldNames = JSONSegmentField.allCases.map(\.name)

    /// Decodes and validates exactly one segment object (whitespace around it allowed).
    package static func decode(_ bytes: [UInt8], name: String? = nil) throws(JSONImportError) -> ContextSegment {
        var scanner = JSONScanner(bytes: bytes)
        do throws(JSONFault) {
            guard let b = try scanner.peekNonWhitespace() else { throw scanner.fault(.unexpectedEnd) }
            guard b == 0x7B else {
                throw JSONScanner.startsValue(b) ? scanner.fault(.syntax("expected '{': a segment is an object"))
                                                 : scanner.notAValue(b)
            }
            scanner.markSegmentStart()
            scanner.pos += 1
            let s = try scanner.readSegmentBody(depth: 1)
            if try scanner.peekNonWhitespace() != nil { throw scanner.fault(.trailingData) }
            return s
        } catch {
            let (line, column) = scanner.lineColumn(at: error.offset)
            throw JSONImportError(file: name, byteOffset: error.offset, line: line, column: column,
                                  elementIndex: 0, reason: error.reason)
        }
    }
}
