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

    /// The next segment of a sharded or legacy file. The file's structure is a stack of
    /// frames (the top object, `projects`, one project, a `segments` array); each turn pops
    /// the innermost one and either reads its next segment, or reads its next key and pushes
    /// what that key opens, or closes it. Returns nil once the top object is closed and
    /// nothing but whitespace follows.
    private mutating func nextStructured() throws(JSONFault) -> ContextSegment? {
        while true {
            guard let frame = stack.popLast() else {
                // The top-level object is closed: only whitespace may follow.
                if try scanner.peekNonWhitespace() != nil { throw scanner.fault(.trailingData) }
                finished = true
                return nil
            }
            if frame.kind == .segments {
                if let segment = try nextArraySegment(frame) { return segment }
                continue  // `]`: frame done
            }
            var object = frame
            guard let key = try nextKey(&object) else { continue }  // `}`: frame done
            try enterValue(of: key, in: object)
        }
    }

    /// The next element of the `segments` array `frame` (popped): a segment, read and pushed
    /// back with `frame`; nil after consuming the closing `]`, `frame` stays popped.
    private mutating func nextArraySegment(_ frame: Frame) throws(JSONFault) -> ContextSegment? {
        var frame = frame
        guard let v = try scanner.nextArrayElement(first: frame.first) else { return nil }
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

    /// The next key of the structure's object `frame` (popped; the sniffer's key first), its
    /// `"` marked as the key start; nil after consuming the closing `}` (the object's
    /// required keys checked).
    private mutating func nextKey(_ frame: inout Frame) throws(JSONFault) -> [UInt8]? {
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
                return nil
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
        return key
    }

    /// A key of the structure just read, for `enterValue`: its bytes, the offset of its `"`
    /// (where errors about it point) and the depth of its value.
    private struct StructureKey {
        var bytes: [UInt8]
        var offset: Int
        var depth: Int

        func matches(_ s: StaticString) -> Bool { bytes.withUnsafeBufferPointer { jsonBytesEqual($0, s) } }
        var name: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Consumes the `:` after `key` and the value it opens in `frame`'s object: pushes
    /// `frame` back (with `key` recorded as seen) and, for a container that holds segments
    /// further down, its frame on top; a legacy `version` is checked, `indexes` skipped.
    /// Refuses keys the object's kind does not have, and repeated ones.
    private mutating func enterValue(of key: [UInt8], in frame: Frame) throws(JSONFault) {
        var frame = frame
        let key = StructureKey(bytes: key, offset: scanner.keyMark.offset, depth: stack.count + 2)
        try scanner.expect(0x3A, "':'")
        switch frame.kind {
        case .top where format == .sharded:
            guard key.matches("segments") else { throw unknownKey(key) }
            try once(Self.keySegments, "segments", key, &frame)
            stack.append(frame)
            try open(0x5B, key.depth)
            stack.append(Frame(kind: .segments))
        case .top:
            if key.matches("version") {
                try once(Self.keyVersion, "version", key, &frame)
                try checkVersion()
                stack.append(frame)
            } else if key.matches("projects") {
                try once(Self.keyProjects, "projects", key, &frame)
                stack.append(frame)
                try open(0x7B, key.depth)
                stack.append(Frame(kind: .projects))
            } else {
                throw unknownKey(key)
            }
        case .projects:
            // Python's dict would keep the last of repeated project keys; we refuse them.
            guard seenProjects.insert(key.bytes).inserted else {
                throw scanner.fault(.duplicateKey(key.name), at: key.offset)
            }
            stack.append(frame)
            try open(0x7B, key.depth)
            projectIDBytes = key.bytes
            projectID = key.name
            stack.append(Frame(kind: .project))
        case .project:
            if key.matches("segments") {
                try once(Self.keySegments, "segments", key, &frame)
                stack.append(frame)
                try open(0x5B, key.depth)
                stack.append(Frame(kind: .segments))
            } else if key.matches("indexes") {
                try once(Self.keyIndexes, "indexes", key, &frame)
                try scanner.skipValue(depth: key.depth)
                stack.append(frame)
            } else {
                throw unknownKey(key)
            }
        case .segments:
            preconditionFailure()
        }
    }

    private func unknownKey(_ key: StructureKey) -> JSONFault {
        scanner.fault(.unknownKey(key.name), at: key.offset)
    }

    /// Records `bit` as seen in `frame`; a key seen before is a `duplicateKey` at `key`.
    private func once(_ bit: UInt8, _ name: String, _ key: StructureKey, _ frame: inout Frame) throws(JSONFault) {
        if frame.seen & bit != 0 { throw scanner.fault(.duplicateKey(name), at: key.offset) }
        frame.seen |= bit
    }

    /// A legacy file's `version` value, after its `:`: must be the string `"1.0"`.
    private mutating func checkVersion() throws(JSONFault) {
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
