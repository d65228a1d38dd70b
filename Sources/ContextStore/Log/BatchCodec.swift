/// A record encoded on the caller's thread (so that encoding runs in parallel and the
/// writer thread only frames, compresses and writes): its kind and its body.
struct EncodedRecord: Sendable {
    var kind: UInt8
    var body: [UInt8]

    init(_ record: LogRecord) {
        var w = ByteWriter(capacity: 256)
        switch record {
        case let .put(segment):
            kind = LogFormat.recordPut
            SegmentCodec.encode(segment, into: &w)
        case let .delete(id):
            kind = LogFormat.recordDelete
            w.string(id)
        }
        body = w.bytes
    }
}

/// Builds and parses batch frames (SPEC.md, "Batch frame"). A batch holds the records of
/// one project in sequence order; its payload is LZ4-compressed when that makes it smaller.
///
/// Payload (uncompressed): `record*`, each
///   `length varint | kind u8 | seq - firstSeq varint | body`
/// where `length` counts the bytes after itself, and body is a segment (put) or a
/// length-prefixed segment id (delete).
struct BatchBuilder {
    private var payload = ByteWriter(capacity: 64 << 10)
    private(set) var recordCount = 0
    private(set) var firstSeq: UInt64 = 0
    private(set) var lastSeq: UInt64 = 0

    var uncompressedSize: Int { payload.count }
    var isEmpty: Bool { recordCount == 0 }

    /// Appends an encoded record (see `RecordEncoding`) with its sequence number.
    mutating func append(seq: UInt64, record: EncodedRecord) {
        if recordCount == 0 { firstSeq = seq } else { precondition(seq > lastSeq) }
        lastSeq = seq
        var delta = ByteWriter(capacity: 10)
        delta.varint(seq - firstSeq)
        payload.varint(UInt64(1 + delta.count + record.body.count))
        payload.u8(record.kind)
        payload.raw(delta.bytes)
        payload.raw(record.body)
        recordCount += 1
    }

    /// Appends the finished frame to `out` and resets the builder.
    mutating func finish(appendingTo out: inout [UInt8]) {
        precondition(recordCount > 0)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: LogFormat.batchHeaderSize))
        let raw = payload.bytes
        var codec = LogFormat.codecLZ4
        let stored = raw.withUnsafeBytes { LZ4Block.compress($0, appendingTo: &out) }
        if stored >= raw.count {  // incompressible: store as is
            out.removeLast(stored)
            out.append(contentsOf: raw)
            codec = LogFormat.codecNone
        }
        let storedLength = out.count - start - LogFormat.batchHeaderSize
        var h = ByteWriter(capacity: LogFormat.batchHeaderSize)
        h.u32(LogFormat.batchMagic)
        h.u32(0)  // CRC, filled below
        h.u32(UInt32(storedLength))
        h.u32(UInt32(raw.count))
        h.u32(UInt32(recordCount))
        h.u8(codec)
        h.u8(0)
        h.u16(0)
        h.u64(firstSeq)
        h.u64(lastSeq)
        out.replaceSubrange(start..<(start + LogFormat.batchHeaderSize), with: h.bytes)
        let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + 8)...])) }
        for i in 0..<4 { out[start + 4 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * i)) }
        payload.removeAll()
        recordCount = 0
    }
}

/// The fixed header of a batch frame.
struct BatchHeader: Sendable {
    var crc: UInt32
    var storedLength: Int
    var rawLength: Int
    var recordCount: Int
    var firstSeq: UInt64
    var lastSeq: UInt64
    var codec: UInt8

    var frameLength: Int { LogFormat.batchHeaderSize + storedLength }

    /// Why bytes at an offset are not a valid frame.
    enum Problem: Error, Equatable {
        /// Fewer bytes remain than the header or the frame claims (a torn write, or a
        /// damaged length).
        case incomplete
        case badMagic
        case badHeader(String)
        case checksumMismatch
        case badPayload(String)
    }

    /// Parses and checks the header at `offset`, without reading the payload. Every length
    /// is bounded before use.
    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(Problem) -> BatchHeader {
        guard bytes.count - offset >= LogFormat.batchHeaderSize else { throw .incomplete }
        func u32(_ at: Int) -> UInt32 {
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + at, as: UInt32.self))
        }
        guard u32(0) == LogFormat.batchMagic else { throw .badMagic }
        let stored = Int(u32(8))
        let raw = Int(u32(12))
        let count = Int(u32(16))
        let codec = bytes[offset + 20]
        let firstSeq = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
        let lastSeq = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 32, as: UInt64.self))
        guard stored <= LogFormat.maxBatchBytes, raw <= LogFormat.maxBatchBytes else {
            throw .badHeader("batch length over \(LogFormat.maxBatchBytes)")
        }
        guard count >= 1, count <= raw else { throw .badHeader("record count \(count) for \(raw) bytes") }
        guard codec == LogFormat.codecNone || codec == LogFormat.codecLZ4 else { throw .badHeader("codec \(codec)") }
        guard codec != LogFormat.codecNone || stored == raw else { throw .badHeader("stored length \(stored) != \(raw)") }
        guard bytes[offset + 21] == 0, bytes[offset + 22] == 0, bytes[offset + 23] == 0 else {
            throw .badHeader("reserved bytes not zero")
        }
        guard lastSeq >= firstSeq, lastSeq - firstSeq >= UInt64(count - 1) else {
            throw .badHeader("sequence range \(firstSeq)...\(lastSeq) for \(count) records")
        }
        return BatchHeader(crc: u32(4), storedLength: stored, rawLength: raw, recordCount: count,
                           firstSeq: firstSeq, lastSeq: lastSeq, codec: codec)
    }

    /// Checks the whole frame at `offset` (header, length within `bytes`, CRC).
    static func validate(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(Problem) -> BatchHeader {
        let h = try parse(bytes, at: offset)
        guard bytes.count - offset >= h.frameLength else { throw .incomplete }
        let covered = UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<(offset + h.frameLength)])
        guard CRC32C.checksum(covered) == h.crc else { throw .checksumMismatch }
        return h
    }

    /// The uncompressed payload of a validated frame.
    func payload(_ bytes: UnsafeRawBufferPointer, frameOffset: Int) throws(Problem) -> [UInt8] {
        let start = frameOffset + LogFormat.batchHeaderSize
        let stored = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + storedLength)])
        if codec == LogFormat.codecNone { return Array(stored) }
        var out = [UInt8](repeating: 0, count: rawLength)
        let ok = out.withUnsafeMutableBytes { LZ4Block.decompress(stored, into: $0) }
        guard ok else { throw .badPayload("LZ4 payload does not decode to \(rawLength) bytes") }
        return out
    }
}

enum BatchDecoder {
    /// Decodes every record of a batch payload. Record boundaries, kinds and sequence
    /// numbers are all checked; `projectID` is given to the segments (the file's project).
    static func records(_ payload: [UInt8], header: BatchHeader, projectID: String) throws(CodingError) -> [SequencedRecord] {
        var out: [SequencedRecord] = []
        out.reserveCapacity(header.recordCount)
        let result: Result<Void, CodingError> = payload.withUnsafeBytes { buf in
            var r = ByteReader(buf)
            do throws(CodingError) {
                var lastSeq: UInt64? = nil
                for _ in 0..<header.recordCount {
                    let len = try r.count(limit: r.remaining)
                    let start = r.offset
                    var rr = ByteReader(UnsafeRawBufferPointer(rebasing: buf[start..<(start + len)]))
                    let kind = try rr.u8()
                    let delta = try rr.varint()
                    let (seq, overflow) = header.firstSeq.addingReportingOverflow(delta)
                    if overflow || (lastSeq.map { seq <= $0 } ?? false) {
                        throw CodingError.invalidValue(offset: start, what: "sequence number out of order")
                    }
                    lastSeq = seq
                    let record: LogRecord
                    switch kind {
                    case LogFormat.recordPut:
                        record = .put(try SegmentCodec.decode(&rr, projectID: projectID))
                    case LogFormat.recordDelete:
                        record = .delete(segmentID: try rr.string())
                    default:
                        throw CodingError.invalidValue(offset: start, what: "record kind \(kind)")
                    }
                    guard rr.isAtEnd else { throw CodingError.invalidValue(offset: start, what: "trailing bytes in record") }
                    out.append(SequencedRecord(seq: seq, record: record))
                    try r.skip(len)
                }
                guard r.isAtEnd else { throw CodingError.invalidValue(offset: r.offset, what: "bytes after the last record") }
                guard lastSeq == header.lastSeq else {
                    throw CodingError.invalidValue(offset: r.offset, what: "last sequence number differs from the header")
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        return out
    }
}

extension BatchDecoder {
    /// Decodes only record `index` of a batch payload (skipping the others by their length
    /// prefixes): what a point read needs.
    static func record(_ payload: [UInt8], header: BatchHeader, index: Int, projectID: String) throws(CodingError) -> LogRecord {
        guard index >= 0, index < header.recordCount else {
            throw .invalidValue(offset: 0, what: "record index \(index) of \(header.recordCount)")
        }
        return try payload.withBytes { buf throws(CodingError) -> LogRecord in
            var r = ByteReader(buf)
            for _ in 0..<index { try r.skip(try r.count(limit: r.remaining)) }
            let len = try r.count(limit: r.remaining)
            var rr = ByteReader(UnsafeRawBufferPointer(rebasing: buf[r.offset..<(r.offset + len)]))
            let kind = try rr.u8()
            _ = try rr.varint()
            switch kind {
            case LogFormat.recordPut: return .put(try SegmentCodec.decode(&rr, projectID: projectID))
            case LogFormat.recordDelete: return .delete(segmentID: try rr.string())
            default: throw .invalidValue(offset: r.offset, what: "record kind \(kind)")
            }
        }
    }
}
