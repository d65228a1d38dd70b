/// The binary body of a segment inside a put record (SPEC.md, "Segment body", version 2;
/// version 1 still read). The project id is not stored: a log file belongs to one project,
/// so the reader passes it.
///
/// Version 2 differs from version 1 in one bit: enums bit 6 says the `text_hash` is the
/// lowercase hex SHA-256 of the text, so it is not stored and the reader computes it (64
/// bytes of hex a segment, incompressible: about 3% of a store). A hash that is anything
/// else (another case, another text's) is stored as in version 1, so every body reads back
/// exactly as it was put. Log files of version 3 on may hold version 2 bodies; older files
/// hold version 1 only, so an older build never meets a body it cannot read.
enum SegmentCodec {
    /// The version bodies are written in (`encode`'s default).
    static let version: UInt8 = 2
    static let oldestReadableVersion: UInt8 = 1

    // Presence and boolean flags (byte 1 of the body).
    private static let fPinned: UInt8 = 1 << 0
    private static let fTaskID: UInt8 = 1 << 1
    private static let fFilePath: UInt8 = 1 << 2
    private static let fLineRange: UInt8 = 1 << 3
    private static let fTopicID: UInt8 = 1 << 4
    private static let fTokens: UInt8 = 1 << 5
    private static let fTokensAt: UInt8 = 1 << 6
    private static let fTextHash: UInt8 = 1 << 7
    /// Enums byte bit 6 (version 2 on): `text_hash` is derived from the text, not stored.
    private static let eHashDerived: UInt8 = 1 << 6

    /// The body version a log file of header version `fileVersion` may hold: bodies written
    /// for older files stay version 1, which their readers know.
    static func version(forLogFileVersion fileVersion: UInt16) -> UInt8 {
        fileVersion >= LogFormat.derivedHashFileVersion ? version : 1
    }

    /// Appends the body of `s` in body version `version` (1 or 2).
    static func encode(_ s: ContextSegment, version: UInt8 = SegmentCodec.version, into w: inout ByteWriter) {
        precondition(version == 1 || version == 2)
        w.u8(version)
        // Checked by length first: only a 64-byte hash can be the text's.
        let derived = version >= 2 && s.textHash.map { $0.utf8.count == 64 && $0 == SHA256.hexDigest(of: s.text) } == true
        var flags: UInt8 = 0
        if s.pinned { flags |= fPinned }
        if s.taskID != nil { flags |= fTaskID }
        if s.filePath != nil { flags |= fFilePath }
        if s.lineRange != nil { flags |= fLineRange }
        if s.topicID != nil { flags |= fTopicID }
        if s.tokens != nil { flags |= fTokens }
        if s.tokensComputedAt != nil { flags |= fTokensAt }
        if s.textHash != nil && !derived { flags |= fTextHash }
        w.u8(flags)
        w.u8(s.type.code | (s.generation.code << 3) | (s.tier.code << 4) | (derived ? eHashDerived : 0))
        w.string(s.segmentID)
        w.string(s.text)
        encode(s.createdAt, into: &w)
        encode(s.lastTouchedAt, into: &w)
        w.varint(s.gcSurvivalCount)
        w.varint(s.refcount)
        if let v = s.taskID { w.string(v) }
        if let v = s.filePath { w.string(v) }
        if let r = s.lineRange {
            w.zigzag(Int64(r.start))
            w.zigzag(Int64(r.end))
        }
        w.varint(s.tags.count)
        for t in s.tags { w.string(t) }
        if let v = s.topicID { w.string(v) }
        if let v = s.tokens { w.varint(v) }
        if let v = s.tokensComputedAt { encode(v, into: &w) }
        if let v = s.textHash, !derived { w.string(v) }
    }

    static func decode(_ r: inout ByteReader, projectID: String) throws(CodingError) -> ContextSegment {
        let start = r.offset
        let v = try r.u8()
        guard (oldestReadableVersion...version).contains(v) else {
            throw .invalidValue(offset: start, what: "segment body version \(v)")
        }
        let flags = try r.u8()
        let enumsAt = r.offset
        let enums = try r.u8()
        // Bit 7 is reserved; bit 6 (version 2 on) excludes a stored hash.
        let derived = enums & eHashDerived != 0
        guard let type = SegmentType(code: enums & 0x7),
              let generation = SegmentGeneration(code: (enums >> 3) & 0x1),
              let tier = SegmentTier(code: (enums >> 4) & 0x3),
              enums >> 7 == 0, !derived || (v >= 2 && flags & fTextHash == 0)
        else { throw .invalidValue(offset: enumsAt, what: "segment enum byte \(enums)") }
        let id = try r.string()
        let text = try r.string()
        let createdAt = try decodeTimestamp(&r)
        let touchedAt = try decodeTimestamp(&r)
        let gc = try r.count()
        let refcount = try r.count()
        let taskID = flags & fTaskID != 0 ? try r.string() : nil
        let filePath = flags & fFilePath != 0 ? try r.string() : nil
        var lineRange: LineRange? = nil
        if flags & fLineRange != 0 {
            let a = try r.zigzag()
            let b = try r.zigzag()
            lineRange = LineRange(Int(a), Int(b))
        }
        let tagCount = try r.count(limit: r.remaining)
        var tags: [String] = []
        tags.reserveCapacity(tagCount)
        for _ in 0..<tagCount { tags.append(try r.string()) }
        let topicID = flags & fTopicID != 0 ? try r.string() : nil
        let tokens = flags & fTokens != 0 ? try r.count() : nil
        let tokensAt = flags & fTokensAt != 0 ? try decodeTimestamp(&r) : nil
        let textHash = derived ? SHA256.hexDigest(of: text) : flags & fTextHash != 0 ? try r.string() : nil
        return ContextSegment(
            segmentID: id, text: text, type: type, projectID: projectID, taskID: taskID,
            createdAt: createdAt, lastTouchedAt: touchedAt, pinned: flags & fPinned != 0,
            generation: generation, gcSurvivalCount: gc, refcount: refcount, filePath: filePath,
            lineRange: lineRange, tags: tags, topicID: topicID, tokens: tokens,
            tokensComputedAt: tokensAt, textHash: textHash, tier: tier)
    }

    // Timestamp: zigzag local microseconds, a form byte (bit 0: has offset, bit 1: has
    // fraction), then the offset in seconds as zigzag if present.
    static func encode(_ t: Timestamp, into w: inout ByteWriter) {
        w.zigzag(t.localMicroseconds)
        w.u8((t.utcOffsetSeconds != nil ? 1 : 0) | (t.hasFraction ? 2 : 0))
        if let off = t.utcOffsetSeconds { w.zigzag(Int64(off)) }
    }

    static func decodeTimestamp(_ r: inout ByteReader) throws(CodingError) -> Timestamp {
        let start = r.offset
        let local = try r.zigzag()
        let form = try r.u8()
        guard form & ~3 == 0 else { throw .invalidValue(offset: start, what: "timestamp form \(form)") }
        var offset: Int32? = nil
        if form & 1 != 0 {
            let o = try r.zigzag()
            guard abs(o) <= Int64(Timestamp.maxOffsetSeconds) else {
                throw .invalidValue(offset: start, what: "timestamp offset \(o)")
            }
            offset = Int32(o)
        }
        let t = Timestamp(localMicroseconds: local, utcOffsetSeconds: offset, hasFraction: form & 2 != 0)
        guard t.isValid else { throw .invalidValue(offset: start, what: "timestamp out of range") }
        return t
    }
}
