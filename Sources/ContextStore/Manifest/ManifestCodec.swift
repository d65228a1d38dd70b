/// Encodes and decodes `MANIFEST` (SPEC.md, "MANIFEST"):
/// `magic 8 "CTXSMANF" | version u16 | reserved u16 | body length u32 | body | crc32c u32`
/// where the CRC covers every byte before it.
enum ManifestCodec {
    static let magic: [UInt8] = Array("CTXSMANF".utf8)
    static let version: UInt16 = 3
    /// Version 2 lacked `IndexEntry.logFiles`: read, its index entries are dropped (the
    /// index is rebuilt from the log at open and the old index files removed as orphans).
    static let oldestReadable: UInt16 = 2
    static let headerSize = 16

    static func encode(_ m: Manifest) -> [UInt8] {
        var body = ByteWriter(capacity: 256)
        body.raw(m.storeUUID)
        body.varint(m.publishNumber)
        body.varint(m.lastSequence)
        body.varint(m.nextProjectNumber)
        body.varint(m.projects.count)
        for p in m.projects {
            body.varint(p.number)
            body.string(p.projectID)
            body.varint(UInt64(p.nextFileNumber))
            body.varint(p.files.count)
            for f in p.files {
                body.varint(UInt64(f.number))
                body.u8(f.sealed ? 1 : 0)
                body.varint(UInt64(f.size))
                body.varint(f.recordCount)
                body.varint(f.firstSeq)
                body.varint(f.lastSeq)
            }
            body.varint(UInt64(p.indexedThrough.file))
            body.varint(UInt64(p.indexedThrough.offset))
            body.varint(UInt64(p.nextIndexNumber))
            body.varint(p.indexes.count)
            for x in p.indexes {
                body.varint(UInt64(x.number))
                body.varint(UInt64(x.docCount))
                body.varint(UInt64(x.deletionRevision))
                body.varint(x.logFiles.count)
                for f in x.logFiles { body.varint(UInt64(f)) }
            }
            for t in p.totals.byTier {  // zigzag: a miscount must never trap the encoder
                body.zigzag(Int64(t.segments))
                body.zigzag(Int64(t.tokens))
            }
        }
        var w = ByteWriter(capacity: body.count + headerSize + 4)
        w.raw(magic)
        w.u16(version)
        w.u16(0)
        w.u32(UInt32(body.count))
        w.raw(body.bytes)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    enum DecodeError: Error, Equatable {
        case corrupt(offset: Int, reason: String)
        case unsupportedVersion(UInt16)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> Manifest {
        guard bytes.count >= headerSize + 4 else {
            throw .corrupt(offset: 0, reason: "file is \(bytes.count) bytes, shorter than a manifest")
        }
        guard bytes[0..<8].elementsEqual(magic) else { throw .corrupt(offset: 0, reason: "bad magic") }
        let version = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        // The version is checked before the CRC, so that a newer format is reported as such
        // (and left untouched) rather than as damage.
        guard version >= Self.oldestReadable && version <= Self.version else { throw .unsupportedVersion(version) }
        let bodyLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        guard bodyLength == bytes.count - headerSize - 4 else {
            throw .corrupt(offset: 12, reason: "body length \(bodyLength) does not match file size \(bytes.count)")
        }
        let crcAt = bytes.count - 4
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: crcAt, as: UInt32.self))
        guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<crcAt])) else {
            throw .corrupt(offset: crcAt, reason: "checksum mismatch")
        }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<crcAt]), offset: headerSize)
        do throws(CodingError) {
            let uuid = Array(try r.raw(16))
            let publishNumber = try r.varint()
            let lastSequence = try r.varint()
            let nextProject = try r.varint()
            let projectCount = try r.count(limit: r.remaining)
            var projects: [Manifest.ProjectEntry] = []
            projects.reserveCapacity(projectCount)
            for _ in 0..<projectCount {
                let number = try r.varint()
                let id = try r.string()
                let nextFile = try r.count(limit: Int(UInt32.max))
                let fileCount = try r.count(limit: r.remaining)
                var files: [Manifest.LogFileEntry] = []
                for _ in 0..<fileCount {
                    let n = try r.count(limit: Int(UInt32.max))
                    let sealedAt = r.offset
                    let sealed = try r.u8()
                    guard sealed <= 1 else { throw CodingError.invalidValue(offset: sealedAt, what: "sealed flag \(sealed)") }
                    let size = try r.count(limit: Int(Int64.max))
                    files.append(Manifest.LogFileEntry(
                        number: UInt32(n), sealed: sealed == 1, size: Int64(size),
                        recordCount: try r.varint(), firstSeq: try r.varint(), lastSeq: try r.varint()))
                }
                var entry = Manifest.ProjectEntry(number: number, projectID: id,
                                                  nextFileNumber: UInt32(nextFile), files: files)
                let u32 = Int(UInt32.max)
                entry.indexedThrough = LogPosition(file: UInt32(try r.count(limit: u32)), offset: Int64(try r.count(limit: Int(Int64.max))))
                entry.nextIndexNumber = UInt32(try r.count(limit: u32))
                let indexCount = try r.count(limit: r.remaining)
                for _ in 0..<indexCount {
                    var x = Manifest.IndexEntry(
                        number: UInt32(try r.count(limit: u32)), docCount: UInt32(try r.count(limit: u32)),
                        deletionRevision: UInt32(try r.count(limit: u32)), logFiles: [])
                    if version >= 3 {
                        let n = try r.count(limit: r.remaining)
                        for _ in 0..<n { x.logFiles.append(UInt32(try r.count(limit: u32))) }
                    }
                    entry.indexes.append(x)
                }
                for t in 0..<entry.totals.byTier.count {
                    entry.totals.byTier[t] = TierTotals(segments: Int(try r.zigzag()), tokens: Int(try r.zigzag()))
                }
                if version == 2 {
                    entry.indexes = []
                    entry.totals = ProjectTotals()
                    entry.indexedThrough = LogPosition(file: files.first?.number ?? 1, offset: Int64(LogFormat.fileHeaderSize))
                }
                projects.append(entry)
            }
            guard r.isAtEnd else { throw CodingError.invalidValue(offset: r.offset, what: "trailing bytes") }
            return Manifest(storeUUID: uuid, publishNumber: publishNumber, lastSequence: lastSequence,
                            nextProjectNumber: nextProject, projects: projects)
        } catch {
            throw .corrupt(offset: offsetOf(error), reason: "\(error)")
        }
    }

    private static func offsetOf(_ e: CodingError) -> Int {
        switch e {
        case let .truncated(o, _), let .badVarint(o), let .lengthOutOfBounds(o, _, _), let .invalidValue(o, _): o
        }
    }
}
