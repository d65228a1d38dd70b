/// Reads one log file through a read-only map of its first `size` bytes: the header, the
/// batch frames in order, and records by location. It reports how the file ends and never
/// decides what to do about it (recovery does).
struct LogFileReader {
    let path: String
    let map: MappedFile

    /// How a sequential scan stopped.
    enum Ending: Equatable, Sendable {
        /// The last frame ends exactly at the end of the file.
        case clean
        /// The bytes from `validEnd` on are not a whole valid frame and no valid frame follows
        /// them: what a writer that died mid-write leaves. Recovery cuts them off.
        case tornTail(validEnd: Int64, droppedBytes: Int64)
        /// A bad frame at `offset` with a valid frame after it: damage, never cut off silently.
        case corrupt(offset: Int64, reason: String)
    }

    init(path: String, size: Int64) throws(IOError) {
        self.path = path
        self.map = try MappedFile(path: path, count: Int(size))
    }

    /// Over an existing map (which may extend past the file's acknowledged bytes: only
    /// point reads at known locations may use it, not scans).
    init(path: String, map: MappedFile) {
        self.path = path
        self.map = map
    }

    var size: Int { map.bytes.count }

    func header() throws(LogFileHeader.DecodeError) -> LogFileHeader {
        try LogFileHeader.decode(map.bytes)
    }

    /// Visits each valid frame from `offset` in order, then classifies the end.
    func scanFrames(from offset: Int = LogFormat.fileHeaderSize,
                    _ visit: (Int, BatchHeader) throws -> Void) rethrows -> Ending {
        let bytes = map.bytes
        var at = offset
        while at < bytes.count {
            let header: BatchHeader
            do {
                header = try BatchHeader.validate(bytes, at: at)
            } catch {
                if let next = firstValidFrame(after: at) {
                    return .corrupt(offset: Int64(at), reason: "\(describe(error)); a valid batch follows at \(next)")
                }
                return .tornTail(validEnd: Int64(at), droppedBytes: Int64(bytes.count - at))
            }
            try visit(at, header)
            at += header.frameLength
        }
        return .clean
    }

    /// The offset of the first position after `offset` that holds a whole valid frame.
    /// Used only on the error path: a bad frame followed by a good one is corruption.
    func firstValidFrame(after offset: Int) -> Int? {
        let bytes = map.bytes
        guard bytes.count >= LogFormat.batchHeaderSize else { return nil }
        var p = offset + 1
        let last = bytes.count - LogFormat.batchHeaderSize
        while p <= last {
            if UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: p, as: UInt32.self)) == LogFormat.batchMagic,
               (try? BatchHeader.validate(bytes, at: p)) != nil {
                return p
            }
            p += 1
        }
        return nil
    }

    /// Validates the frame at `offset` (a point read) and decodes its records.
    func records(atBatch offset: Int, projectID: String) throws(LogError) -> [SequencedRecord] {
        let header: BatchHeader
        do throws(BatchHeader.Problem) {
            header = try BatchHeader.validate(map.bytes, at: offset)
        } catch {
            throw .corruption(file: path, offset: Int64(offset), reason: describe(error))
        }
        return try records(of: header, at: offset, projectID: projectID)
    }

    /// Decodes the records of a frame a scan already validated (its CRC is not checked again).
    func records(of header: BatchHeader, at offset: Int, projectID: String) throws(LogError) -> [SequencedRecord] {
        let payload: [UInt8]
        do throws(BatchHeader.Problem) {
            payload = try header.payload(map.bytes, frameOffset: offset)
        } catch {
            throw .corruption(file: path, offset: Int64(offset), reason: describe(error))
        }
        do throws(CodingError) {
            return try BatchDecoder.records(payload, header: header, projectID: projectID)
        } catch {
            throw .corruption(file: path, offset: Int64(offset),
                              reason: "batch record: \(error) (offsets within the uncompressed payload)")
        }
    }

    /// Calls `body` with each batch's offset and records, from `offset` to the end of the
    /// mapped range, which must end on a whole batch (an acknowledged or recovered range);
    /// nothing is delivered if it does not. Throws the body's error type, the reader's own
    /// failures mapped into it (`E.init(_: LogError)`).
    func forEachBatch<E: LogErrorConvertible>(from offset: Int = LogFormat.fileHeaderSize, projectID: String,
                                              _ body: (Int, [SequencedRecord]) throws(E) -> Void) throws(E) {
        guard offset <= size else {
            throw E(.corruption(file: path, offset: Int64(offset), reason: "a read starts past the log's \(size) bytes"))
        }
        var frames: [(Int, BatchHeader)] = []
        let ending = scanFrames(from: offset) { o, h in frames.append((o, h)) }
        guard ending == .clean else {
            throw E(.corruption(file: path, offset: Int64(frames.last?.0 ?? offset),
                                reason: "log range does not end on a whole batch (\(ending))"))
        }
        for (o, h) in frames {
            let records: [SequencedRecord]
            do throws(LogError) { records = try self.records(of: h, at: o, projectID: projectID) } catch { throw E(error) }
            try body(o, records)
        }
    }

    private func describe(_ error: Error) -> String {
        switch error as? BatchHeader.Problem {
        case .incomplete?: "incomplete batch frame"
        case .badMagic?: "no batch frame magic"
        case let .badHeader(why)?: "bad batch header: \(why)"
        case .checksumMismatch?: "batch checksum mismatch"
        case let .badPayload(why)?: why
        case nil: "\(error)"
        }
    }
}
