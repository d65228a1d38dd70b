

/// Builds batch frames (SPEC.md, "Batch frame"; `BatchReader.swift` parses them). A batch holds the records of
/// one project in sequence order; its payload is LZ4-compressed when that makes it smaller.
///
/// Payload (uncompressed): `record*`, each
///   `length varint | kind u8 | seq - firstSeq varint | body`
/// where `length` counts the bytes after itself, and body is a segment (put) or a
/// length-prefixed segment id (delete).
struct BatchBuilder {
    /// How the payload is compressed (codec 1 for LZ4, 2 for zstd).
    let compression: LogCompression
    private var payload = ByteWriter(capacity: 64 << 10)
    private(set) var recordCount = 0
    private(set) var firstSeq: UInt64 = 0
    private(set) var lastSeq: UInt64 = 0

    init(compression: LogCompression = .lz4) { self.compression = compression }

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
        let stored = raw.withUnsafeBytes { input in
            switch compression {
            case .lz4: return LZ4Block.compress(input, appendingTo: &out)
            case let .lz4HC(level): return LZ4Block.compress(input, level: level, appendingTo: &out)
            case let .zstd(level):
                codec = LogFormat.codecZstd
                return ZstdBlock.compress(input, level: level, appendingTo: &out)
            }
        }
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
