#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The forms of a segment file (Docs/FORMAT.md section 2). Monthly files have the sharded content.
public enum SegmentFileFormat: String, Sendable, CaseIterable {
    /// One compact segment object a line (the stash log).
    case ndjson
    /// `{"segments": [ ... ]}`: `stashed/<project>.json` and `stashed/<project>_<YYYY-MM>.json`.
    case sharded
    /// `storage.json`: `{"version": "1.0", "projects": {"<id>": {"segments": [...], "indexes": {...}}}}`.
    case legacy
    /// One segment object spread over several lines, as `json.dump(segment, f, indent=2)`
    /// writes it: the old layer's spill files, `evicted/<segment_id>.json`.
    case segment
}

/// Streams the segments of one JSON input, a segment at a time, in file order. The form is
/// detected from the content, not the name:
///
/// - a top-level object whose first key is `segments` is a sharded (or monthly) file;
/// - one whose first key is `version` or `projects` is a legacy `storage.json`;
/// - any other object with a line break between its `{` and its first key (or its `}`) is
///   one segment object (`.segment`, a spill file as `json.dump(indent=2)` writes it; only
///   whitespace may follow it). No NDJSON record can look so: a record is on one line;
/// - anything else starting with `{` is NDJSON, one segment object a line (blank lines are
///   allowed only at the end; an empty input is an NDJSON file with no segments). A single
///   compact object is thus a one-record NDJSON file: the same segment either way.
///
/// The input is read in chunks (1 MiB by default), so a file of any size is never held whole;
/// memory is one chunk plus the largest string (at most `JSONLimits.maxStringBytes`).
/// Parsing is strict RFC 8259 (a leading UTF-8 BOM is skipped); the segment objects are
/// decoded and validated as `readSegmentBody` describes. A legacy file's `indexes` are
/// derived data: checked to be valid JSON, then ignored.
///
/// A `\uXXXX` escape of a lone surrogate (which Python's `json` writes and reads, and no
/// Swift string can hold) is read as U+FFFD; `replacedSurrogates` counts those of the
/// segments returned. Raw bytes that are not UTF-8 stay an error.
///
/// `next()` returns nil at the clean end, after checking that nothing but whitespace follows.
/// The first error is final: later calls throw it again. A caller that must not half-import
/// a file collects its segments before committing any.
///
/// One reader per input; not thread-safe (and not `Sendable`).
public final class SegmentFileReader {
    private var parser: JSONSegmentStreamParser
    private var failure: JSONImportError?
    private let name: String?

    /// The detected form.
    public let format: SegmentFileFormat

    /// Opens the file at `path` and detects its form.
    public convenience init(path: String) throws(JSONImportError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw JSONImportError(file: path, byteOffset: 0, line: 0, column: 0, elementIndex: nil,
                                  reason: .io(operation: "open", errno: errno))
        }
        try self.init(scanner: JSONScanner(fd: fd, ownsFD: true), name: path)
    }

    /// Reads an in-memory buffer; `name` stands for the file in errors.
    public convenience init(bytes: [UInt8], name: String) throws(JSONImportError) {
        try self.init(scanner: JSONScanner(bytes: bytes), name: name)
    }

    /// Reads from an open descriptor (a pipe, stdin, a file), which stays open (the caller
    /// closes it). Any form is accepted; NDJSON is read a line at a time as it arrives.
    public convenience init(fileDescriptor: Int32, name: String) throws(JSONImportError) {
        try self.init(scanner: JSONScanner(fd: fileDescriptor, ownsFD: false), name: name)
    }

    /// Any scanner (tests use small chunks and limits).
    init(scanner: consuming JSONScanner, name: String?) throws(JSONImportError) {
        self.name = name
        var p = JSONSegmentStreamParser(scanner: scanner)
        do {
            try p.sniff()
        } catch {
            let e = p.importError(error, file: name)
            self.parser = p
            self.format = .ndjson
            throw e
        }
        self.format = p.format
        self.parser = p
    }

    /// The next segment, or nil at the clean end of the input.
    public func next() throws(JSONImportError) -> ContextSegment? {
        if let failure { throw failure }
        do {
            return try parser.next()
        } catch {
            let e = parser.importError(error, file: name)
            failure = e
            throw e
        }
    }

    /// 0-based index in the file of the segment the last `next()` returned (or failed on);
    /// -1 before the first. Counts across all projects of a legacy file.
    public var elementIndex: Int { parser.elementIndex }

    /// Number of segments returned so far.
    public var segmentsRead: Int { parser.segmentsRead }

    /// Lone surrogate escapes (`\ud800` alone, a high surrogate not followed by a low one, a
    /// low one alone) replaced by U+FFFD in the segments returned so far. Two ids that differ
    /// only there become one id.
    public var replacedSurrogates: Int { parser.replacedSurrogates }

    /// Legacy files: the project whose segments are being read.
    public var projectID: String? { parser.projectID }

    /// Bytes consumed from the input so far (for progress reports).
    public var bytesConsumed: Int { parser.scanner.offset }

    /// Reads every remaining segment.
    public func readAll() throws(JSONImportError) -> [ContextSegment] {
        var out: [ContextSegment] = []
        while let s = try next() { out.append(s) }
        return out
    }
}

/// The state machine behind `SegmentFileReader`: the file's structure above the segments.
struct JSONSegmentStreamParser: ~Copyable {
    var scanner: JSONScanner
    private(set) var format: SegmentFileFormat = .ndjson
    private(set) var elementIndex = -1
    private(set) var segmentsRead = 0
    /// Lone surrogates replaced inside the segments returned (not in keys of the structure
    /// or in a legacy file's ignored `indexes`).
    private(set) var replacedSurrogates = 0
    private(set) var projectID: String?
    private var projectIDBytes: [UInt8] = []
    /// Set while a segment is being read, so errors name it.
    private var inSegment = false
    private var finished = false

    private enum Kind { case top, projects, project, segments }
    private struct Frame {
        var kind: Kind
        var first = true
        var seen: UInt8 = 0
    }
    private var stack: [Frame] = []
    /// A key the sniffer read (the first key of the first object).
    private var pendingKey: [UInt8]?
    private var ndjsonStarted = false
    /// Newlines skipped before the first object's `{` (NDJSON checks its first record with it).
    private var newlinesBeforeFirstObject = 0
    /// Legacy: the project keys seen (a repeated project is refused, not merged or replaced).
    private var seenProjects = Set<[UInt8]>()

    private static let keySegments: UInt8 = 1
    private static let keyIndexes: UInt8 = 2
    private static let keyVersion: UInt8 = 4
    private static let keyProjects: UInt8 = 8

    init(scanner: consuming JSONScanner) {
        self.scanner = scanner
    }

    /// Skips a BOM and whitespace, reads the first key, and decides the form.
    mutating func sniff() throws(JSONFault) {
        if try scanner.peekByte() == 0xEF {
            _ = try scanner.ensure(3)
            if scanner.end - scanner.pos >= 3, scanner.buf[scanner.pos + 1] == 0xBB, scanner.buf[scanner.pos + 2] == 0xBF {
                scanner.pos += 3
            }
        }
        guard let b = try scanner.peekNonWhitespace() else {
            format = .ndjson
            finished = true
            return
        }
        guard b == 0x7B else {
            if JSONScanner.startsValue(b) {
                throw scanner.fault(.syntax("expected '{': a segment file holds an object (NDJSON, sharded or legacy)"))
            }
            throw scanner.notAValue(b)
        }
        let leadingNewlines = scanner.whitespaceNewlines
        newlinesBeforeFirstObject = leadingNewlines
        scanner.markSegmentStart()
        scanner.pos += 1
        guard let c = try scanner.peekNonWhitespace() else { throw scanner.fault(.unexpectedEnd) }
        let spansLines = scanner.whitespaceNewlines > leadingNewlines
        var key: [UInt8]?
        if c == 0x22 {
            scanner.markKeyStart()
            key = Array(try scanner.readString())
        } else if c != 0x7D {
            throw scanner.unexpected(c, expected: "a key string")
        }
        let isKey = { (s: StaticString) -> Bool in
            guard let key else { return false }
            return key.withUnsafeBufferPointer { jsonBytesEqual($0, s) }
        }
        if isKey("segments") {
            format = .sharded
        } else if isKey("version") || isKey("projects") {
            format = .legacy
        } else if spansLines {
            format = .segment
        } else {
            format = .ndjson
            if leadingNewlines > 0 { throw scanner.fault(.blankLine) }
        }
        pendingKey = key
        if format != .ndjson {
            stack.append(Frame(kind: .top))
        }
    }

    mutating func next() throws(JSONFault) -> ContextSegment? {
        if finished { return nil }
        switch format {
        case .ndjson: return try nextNDJSON()
        case .segment: return try nextSingle()
        case .sharded, .legacy: return try nextStructured()
        }
    }

    /// Reads the segment object whose `{` is consumed and marked (as element `elementIndex`,
    /// already advanced), counting the lone surrogates replaced inside it.
    private mutating func readSegment(depth: Int, pendingKey: [UInt8]? = nil) throws(JSONFault) -> ContextSegment {
        inSegment = true
        let before = scanner.replacedSurrogates
        let segment = try scanner.readSegmentBody(depth: depth, pendingKey: pendingKey)
        replacedSurrogates += scanner.replacedSurrogates - before
        return segment
    }

    // MARK: One segment object

    private mutating func nextSingle() throws(JSONFault) -> ContextSegment? {
        // The sniffer consumed the `{` and the first key.
        elementIndex = 0
        let key = pendingKey
        pendingKey = nil
        let segment = try readSegment(depth: 1, pendingKey: key)
        inSegment = false
        if try scanner.peekNonWhitespace() != nil { throw scanner.fault(.trailingData) }
        finished = true
        segmentsRead = 1
        return segment
    }

    // MARK: NDJSON

    private mutating func nextNDJSON() throws(JSONFault) -> ContextSegment? {
        var key: [UInt8]? = nil
        let newlinesAtStart: Int
        if !ndjsonStarted {
            // The sniffer consumed the first `{` and key.
            ndjsonStarted = true
            key = pendingKey
            pendingKey = nil
            newlinesAtStart = newlinesBeforeFirstObject
        } else {
            let before = scanner.whitespaceNewlines
            guard let b = try scanner.peekNonWhitespace() else {
                finished = true
                return nil
            }
            if scanner.whitespaceNewlines > before { throw scanner.fault(.blankLine) }
            guard b == 0x7B else {
                throw JSONScanner.startsValue(b)
                    ? scanner.fault(.syntax("expected '{': an NDJSON line holds one segment object"))
                    : scanner.notAValue(b)
            }
            scanner.markSegmentStart()
            scanner.pos += 1
            newlinesAtStart = scanner.whitespaceNewlines
        }
        elementIndex += 1
        let segment = try readSegment(depth: 1, pendingKey: key)
        if scanner.whitespaceNewlines != newlinesAtStart {
            throw scanner.fault(.recordSpansLines, at: scanner.segmentMark.offset)
        }
        // The rest of the line: spaces, then a newline or the end.
        while let b = try scanner.peekByte() {
            if b == 0x20 || b == 0x09 || b == 0x0D {
                scanner.pos += 1
                continue
            }
            if b == 0x0A {
                scanner.pos += 1
                break
            }
            throw scanner.fault(.trailingData)
        }
        inSegment = false
        segmentsRead += 1
        return segment
    }

    // MARK: Sharded and legacy

    private mutating func nextStructured() throws(JSONFault) -> ContextSegment? {
        while true {
            guard var frame = stack.popLast() else {
                // The top-level object is closed: only whitespace may follow.
                if try scanner.peekNonWhitespace() != nil { throw scanner.fault(.trailingData) }
                finished = true
                return nil
            }
            if frame.kind == .segments {
                guard let v = try scanner.nextArrayElement(first: frame.first) else { continue }  // `]`: frame done
                frame.first = false
                stack.append(frame)
                elementIndex += 1
                guard v == 0x7B else {
                    inSegment = true
                    if JSONScanner.startsValue(v) {
                        throw scanner.fault(.syntax("expected '{': a segment is an object"))
                    }
                    throw scanner.notAValue(v)
                }
                scanner.markSegmentStart()
                scanner.pos += 1
                let segment = try readSegment(depth: stack.count + 1)
                if format == .legacy {
                    let same = segment.projectID.utf8.elementsEqual(projectIDBytes)
                    if !same {
                        throw scanner.fault(.projectMismatch(project: projectID ?? "", segmentProject: segment.projectID),
                                            at: scanner.segmentMark.offset)
                    }
                }
                inSegment = false
                segmentsRead += 1
                return segment
            }

            // An object of the structure: the next key, or its end.
            let key: [UInt8]
            if let k = pendingKey {
                pendingKey = nil
                key = k
            } else {
                guard let b = try scanner.peekNonWhitespace() else { throw scanner.fault(.unexpectedEnd) }
                var kb = b
                if b == 0x7D {
                    scanner.pos += 1
                    try checkRequired(frame)
                    continue
                }
                if !frame.first {
                    guard b == 0x2C else { throw scanner.unexpected(b, expected: "',' or '}'") }
                    scanner.pos += 1
                    guard let c = try scanner.peekNonWhitespace() else { throw scanner.fault(.unexpectedEnd) }
                    kb = c
                }
                guard kb == 0x22 else { throw scanner.unexpected(kb, expected: "a key string") }
                scanner.markKeyStart()
                key = Array(try scanner.readString())
            }
            frame.first = false
            let keyOffset = scanner.keyMark.offset
            try scanner.expect(0x3A, "':'")
            let depth = stack.count + 2  // the value's depth
            func unknown() -> JSONFault {
                scanner.fault(.unknownKey(String(decoding: key, as: UTF8.self)), at: keyOffset)
            }
            func once(_ bit: UInt8, _ name: String) throws(JSONFault) {
                if frame.seen & bit != 0 { throw scanner.fault(.duplicateKey(name), at: keyOffset) }
                frame.seen |= bit
            }
            let is_ = { (s: StaticString) -> Bool in key.withUnsafeBufferPointer { jsonBytesEqual($0, s) } }
            switch frame.kind {
            case .top where format == .sharded:
                guard is_("segments") else { throw unknown() }
                try once(Self.keySegments, "segments")
                stack.append(frame)
                try open(0x5B, depth)
                stack.append(Frame(kind: .segments))
            case .top:
                if is_("version") {
                    try once(Self.keyVersion, "version")
                    guard let b = try scanner.peekNonWhitespace() else { throw scanner.fault(.unexpectedEnd) }
                    guard b == 0x22 else {
                        if !JSONScanner.startsValue(b) { throw scanner.notAValue(b) }
                        throw scanner.fault(.unsupportedVersion("(not a string)"))
                    }
                    let vOffset = scanner.offset
                    let v = try scanner.readString()
                    if !jsonBytesEqual(v, "1.0") {
                        throw scanner.fault(.unsupportedVersion(String(decoding: v, as: UTF8.self)), at: vOffset)
                    }
                    stack.append(frame)
                } else if is_("projects") {
                    try once(Self.keyProjects, "projects")
                    stack.append(frame)
                    try open(0x7B, depth)
                    stack.append(Frame(kind: .projects))
                } else {
                    throw unknown()
                }
            case .projects:
                // Python's dict would keep the last of repeated project keys; we refuse them.
                guard seenProjects.insert(key).inserted else {
                    throw scanner.fault(.duplicateKey(String(decoding: key, as: UTF8.self)), at: keyOffset)
                }
                stack.append(frame)
                try open(0x7B, depth)
                projectIDBytes = key
                projectID = String(decoding: key, as: UTF8.self)
                stack.append(Frame(kind: .project))
            case .project:
                if is_("segments") {
                    try once(Self.keySegments, "segments")
                    stack.append(frame)
                    try open(0x5B, depth)
                    stack.append(Frame(kind: .segments))
                } else if is_("indexes") {
                    try once(Self.keyIndexes, "indexes")
                    try scanner.skipValue(depth: depth)
                    stack.append(frame)
                } else {
                    throw unknown()
                }
            case .segments:
                preconditionFailure()
            }
        }
    }

    /// Consumes `{` or `[` opening a container at `depth`.
    private mutating func open(_ byte: UInt8, _ depth: Int) throws(JSONFault) {
        guard let b = try scanner.peekNonWhitespace() else { throw scanner.fault(.unexpectedEnd) }
        guard b == byte else {
            if !JSONScanner.startsValue(b) { throw scanner.notAValue(b) }
            throw scanner.fault(.syntax(byte == 0x5B ? "expected '[' (an array of segments)" : "expected '{' (an object)"))
        }
        if depth > scanner.maxDepth { throw scanner.fault(.depthLimit(scanner.maxDepth)) }
        scanner.pos += 1
    }

    private func checkRequired(_ frame: Frame) throws(JSONFault) {
        let at = scanner.offset - 1
        switch frame.kind {
        case .top where format == .sharded:
            if frame.seen & Self.keySegments == 0 { throw scanner.fault(.missingKey("segments"), at: at) }
        case .top:
            if frame.seen & Self.keyProjects == 0 { throw scanner.fault(.missingKey("projects"), at: at) }
        case .project:
            if frame.seen & Self.keySegments == 0 { throw scanner.fault(.missingKey("segments"), at: at) }
        case .projects, .segments:
            break
        }
    }

    /// The public error for a fault: line and column, and the segment it happened in.
    func importError(_ f: JSONFault, file: String?) -> JSONImportError {
        let (line, column) = scanner.lineColumn(at: f.offset)
        return JSONImportError(file: file, byteOffset: f.offset, line: line, column: column,
                               elementIndex: inSegment ? elementIndex : nil,
                               projectID: format == .legacy && inSegment ? projectID : nil, reason: f.reason)
    }
}
