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
        guard codec <= LogFormat.codecZstd else { throw .badHeader("codec \(codec)") }
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
        let zstd = codec == LogFormat.codecZstd
        let ok = out.withUnsafeMutableBytes { zstd ? ZstdBlock.decompress(stored, into: $0) : LZ4Block.decompress(stored, into: $0) }
        guard ok else { throw .badPayload("\(zstd ? "zstd" : "LZ4") payload does not decode to \(rawLength) bytes") }
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
