/// Writes segments as Docs/FORMAT.md section 1 objects: every key, in order, `null` where absent.
extension JSONByteOutput {
    /// The segment object, its `{` at indentation `level` (indented style; ignored when compact).
    func segment(_ s: ContextSegment, level: Int, style: JSONOutputStyle) throws {
        let keys = JSONSegmentKeyPrefixes.prefixes(level: level, style: style)
        try byte(0x7B)
        func key(_ f: JSONSegmentField) throws { try bytes(keys[f.rawValue]) }
        func optString(_ v: String?) throws {
            if let v { try string(v, style) } else { try bytes("null") }
        }
        try key(.segmentID); try string(s.segmentID, style)
        try key(.text); try string(s.text, style)
        try key(.type); try string(s.type.rawValue, style)
        try key(.projectID); try string(s.projectID, style)
        try key(.taskID); try optString(s.taskID)
        try key(.createdAt); try timestamp(s.createdAt)
        try key(.lastTouchedAt); try timestamp(s.lastTouchedAt)
        try key(.pinned); try bytes(s.pinned ? "true" : "false")
        try key(.generation); try string(s.generation.rawValue, style)
        try key(.gcSurvivalCount); try int(s.gcSurvivalCount)
        try key(.refcount); try int(s.refcount)
        try key(.filePath); try optString(s.filePath)
        try key(.lineRange)
        if let r = s.lineRange {
            try byte(0x5B)
            if style == .indented { try newline(indent: level + 2) }
            try int(r.start)
            try byte(0x2C)
            if style == .indented { try newline(indent: level + 2) }
            try int(r.end)
            if style == .indented { try newline(indent: level + 1) }
            try byte(0x5D)
        } else {
            try bytes("null")
        }
        try key(.tags)
        try byte(0x5B)
        if !s.tags.isEmpty {
            for (i, t) in s.tags.enumerated() {
                if i > 0 { try byte(0x2C) }
                if style == .indented { try newline(indent: level + 2) }
                try string(t, style)
            }
            if style == .indented { try newline(indent: level + 1) }
        }
        try byte(0x5D)
        try key(.topicID); try optString(s.topicID)
        try key(.tokens)
        if let t = s.tokens { try int(t) } else { try bytes("null") }
        try key(.tokensComputedAt)
        if let t = s.tokensComputedAt { try timestamp(t) } else { try bytes("null") }
        try key(.textHash); try optString(s.textHash)
        try key(.tier); try string(s.tier.rawValue, style)
        if style == .indented { try newline(indent: level) }
        try byte(0x7D)
    }

    /// `"key": ` (indented) or `"key":` (compact), escaped as the style wants.
    func key(_ k: String, _ style: JSONOutputStyle) throws {
        try string(k, style)
        if style == .indented {
            try byte(0x3A)
            try byte(0x20)
        } else {
            try byte(0x3A)
        }
    }
}

/// What goes before each value of a segment object: `,`, the line break and indentation,
/// the key and the separator. Built once per (level, style).
enum JSONSegmentKeyPrefixes {
    private static let indented: [[[UInt8]]] = (0..<12).map { build(level: $0, style: .indented) }
    private static let compact: [[UInt8]] = build(level: 0, style: .compact)

    static func prefixes(level: Int, style: JSONOutputStyle) -> [[UInt8]] {
        if style == .compact { return compact }
        return level < indented.count ? indented[level] : build(level: level, style: .indented)
    }

    private static func build(level: Int, style: JSONOutputStyle) -> [[UInt8]] {
        JSONSegmentField.allCases.map { f in
            var p: [UInt8] = []
            if f.rawValue > 0 { p.append(0x2C) }
            if style == .indented {
                p.append(0x0A)
                p += [UInt8](repeating: 0x20, count: 2 * (level + 1))
            }
            p.append(0x22)
            p += Array(f.name.utf8)
            p.append(0x22)
            p.append(0x3A)
            if style == .indented { p.append(0x20) }
            return p
        }
    }
}

/// One-shot encodings of a single segment (CLI output, tests).
package enum JSONSegmentEncoder {
    /// The segment as one object: compact by default (an NDJSON line without its newline),
    /// or indented as at the top level of a `json.dump(indent=2)` file.
    package static func encode(_ segment: ContextSegment, style: JSONOutputStyle = .compact) -> [UInt8] {
        var result: [UInt8] = []
        let out = JSONByteOutput(chunkSize: 4096) { chunk in result.append(contentsOf: chunk) }
        try! out.segment(segment, level: 0, style: style)  // the sink cannot fail
        try! out.flush()
        return result
    }

    /// A string as a JSON string literal in the given style.
    package static func encode(_ string: String, style: JSONOutputStyle = .compact) -> [UInt8] {
        var result: [UInt8] = []
        let out = JSONByteOutput(chunkSize: 4096) { chunk in result.append(contentsOf: chunk) }
        try! out.string(string, style)
        try! out.flush()
        return result
    }
}
