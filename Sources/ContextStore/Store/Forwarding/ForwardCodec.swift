/// The bytes of the forwarding protocol (SPEC.md, "Forwarded writes"): a hello each way,
/// then length-prefixed frames. All coding goes through `ByteWriter`/`ByteReader`, so a
/// malformed frame is a `CodingError`, never a trap.
enum ForwardCodec {
    static let magic: [UInt8] = Array("CSFW".utf8)
    static let version: UInt16 = 1
    /// Frames larger than this are refused (a put is bounded by the record limit anyway).
    static let maxFrameBytes = 1 << 30

    // MARK: Hello

    /// Client hello: magic, version, the client's 16-byte id.
    static func clientHello(client: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.raw(magic); w.u16(version); w.raw(client)
        return w.bytes
    }

    /// Server hello: magic, version, the serving instance's 16-byte id, its process id.
    static func serverHello(instance: [UInt8], pid: Int32) -> [UInt8] {
        var w = ByteWriter()
        w.raw(magic); w.u16(version); w.raw(instance); w.u32(UInt32(bitPattern: pid))
        return w.bytes
    }

    static let clientHelloSize = 4 + 2 + 16
    static let serverHelloSize = 4 + 2 + 16 + 4

    /// The id in a hello of either kind (after checking magic and version).
    static func helloID(_ bytes: [UInt8]) throws(CodingError) -> [UInt8] {
        try bytes.withBytes { buf throws(CodingError) in
            var r = ByteReader(buf)
            guard Array(try r.raw(4)) == magic else { throw .invalidValue(offset: 0, what: "forwarding magic") }
            let v = try r.u16()
            guard v == version else { throw .invalidValue(offset: 4, what: "forwarding version \(v)") }
            return Array(try r.raw(16))
        }
    }

    // MARK: Frames

    /// `u32 length` then the body.
    static func frame(_ body: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: body.count + 4)
        w.u32(UInt32(body.count)); w.raw(body)
        return w.bytes
    }

    static func frameLength(_ header: [UInt8]) throws(CodingError) -> Int {
        let n = try header.withBytes { buf throws(CodingError) in var r = ByteReader(buf); return Int(try r.u32()) }
        guard n <= maxFrameBytes else { throw .lengthOutOfBounds(offset: 0, length: UInt64(n), limit: maxFrameBytes) }
        return n
    }

    // MARK: Requests

    static func encode(_ request: ForwardRequest, number: UInt64) -> [UInt8] {
        var w = ByteWriter()
        w.u64(number)
        switch request {
        case let .put(segments):
            w.u8(1); segmentList(segments, &w)
        case let .delete(project, ids):
            w.u8(2); w.string(project); strings(ids, &w)
        case .sync: w.u8(3)
        case .compact: w.u8(4)
        case .importBegin: w.u8(5)
        case let .importAppend(token, segments): w.u8(6); w.u64(token); segmentList(segments, &w)
        case let .importCommit(token): w.u8(7); w.u64(token)
        case let .importRollback(token): w.u8(8); w.u64(token)
        }
        return w.bytes
    }

    static func decodeRequest(_ body: [UInt8]) throws(CodingError) -> (number: UInt64, request: ForwardRequest) {
        try body.withBytes { buf throws(CodingError) in
            var r = ByteReader(buf)
            let number = try r.u64()
            let kind = try r.u8()
            let request: ForwardRequest
            switch kind {
            case 1: request = .put(try segmentList(&r))
            case 2: request = .delete(project: try r.string(), ids: try strings(&r))
            case 3: request = .sync
            case 4: request = .compact
            case 5: request = .importBegin
            case 6: request = .importAppend(token: try r.u64(), try segmentList(&r))
            case 7: request = .importCommit(token: try r.u64())
            case 8: request = .importRollback(token: try r.u64())
            default: throw .invalidValue(offset: 8, what: "request kind \(kind)")
            }
            return (number, request)
        }
    }

    // MARK: Replies

    static func encode(_ reply: ForwardReply, number: UInt64) -> [UInt8] {
        var w = ByteWriter()
        w.u64(number)
        switch reply {
        case .done: w.u8(0)
        case let .deleted(d): w.u8(1); strings(d.deleted, &w); strings(d.notLive, &w)
        case let .compacted(c):
            w.u8(2); w.varint(c.jobs); w.zigzag(c.bytesIn); w.zigzag(c.bytesOut)
            w.varint(c.recordsIn); w.varint(c.recordsOut); w.u64(c.seconds.bitPattern)
        case let .importStarted(token): w.u8(3); w.u64(token)
        case let .committed(n): w.u8(5); w.varint(n)
        case let .failed(e): w.u8(4); ForwardErrorCodec.encode(e, into: &w)
        }
        return w.bytes
    }

    static func decodeReply(_ body: [UInt8]) throws(CodingError) -> (number: UInt64, reply: ForwardReply) {
        try body.withBytes { buf throws(CodingError) in
            var r = ByteReader(buf)
            let number = try r.u64()
            let kind = try r.u8()
            switch kind {
            case 0: return (number, .done)
            case 1:
                var d = DeleteReport()
                d.deleted = try strings(&r); d.notLive = try strings(&r)
                return (number, .deleted(d))
            case 2:
                var c = CompactionReport()
                c.jobs = try r.count(); c.bytesIn = try r.zigzag(); c.bytesOut = try r.zigzag()
                c.recordsIn = try r.count(); c.recordsOut = try r.count(); c.seconds = Double(bitPattern: try r.u64())
                return (number, .compacted(c))
            case 3: return (number, .importStarted(token: try r.u64()))
            case 5: return (number, .committed(segments: try r.count()))
            case 4: return (number, .failed(try ForwardErrorCodec.decode(&r)))
            default: throw .invalidValue(offset: 8, what: "reply kind \(kind)")
            }
        }
    }

    // MARK: Parts

    /// Segments with their project ids: a count, then per segment the project id and the
    /// segment's log record body (`SegmentCodec`, which leaves the project out).
    static func segmentList(_ segments: [ContextSegment], _ w: inout ByteWriter) {
        w.varint(segments.count)
        var body = ByteWriter()
        for s in segments {
            w.string(s.projectID)
            body.removeAll()
            // Version 1: the wire format (SPEC.md section 12.3) does not change with the log's.
            SegmentCodec.encode(s, version: 1, into: &body)
            w.varint(body.count); w.raw(body.bytes)
        }
    }

    static func segmentList(_ r: inout ByteReader) throws(CodingError) -> [ContextSegment] {
        let n = try r.count(limit: r.remaining)
        var segments: [ContextSegment] = []
        segments.reserveCapacity(n)
        for _ in 0..<n {
            let project = try r.string()
            var inner = ByteReader(try r.lengthPrefixed())
            segments.append(try SegmentCodec.decode(&inner, projectID: project))
        }
        return segments
    }

    static func strings(_ list: [String], _ w: inout ByteWriter) {
        w.varint(list.count)
        for s in list { w.string(s) }
    }

    static func strings(_ r: inout ByteReader) throws(CodingError) -> [String] {
        let n = try r.count(limit: r.remaining)
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try r.string()) }
        return out
    }
}
