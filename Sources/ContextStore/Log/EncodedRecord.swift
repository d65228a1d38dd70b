/// A record encoded on the caller's thread (so that encoding runs in parallel and the
/// writer thread only frames, compresses and writes): its kind and its body.
struct EncodedRecord: Sendable {
    var kind: UInt8
    var body: [UInt8]

    /// `record` encoded for a log file of header version `fileVersion` (the segment body
    /// version follows it: `SegmentCodec.version(forLogFileVersion:)`).
    init(_ record: LogRecord, fileVersion: UInt16 = LogFormat.fileVersion) {
        var w = ByteWriter(capacity: 256)
        switch record {
        case let .put(segment):
            kind = LogFormat.recordPut
            SegmentCodec.encode(segment, version: SegmentCodec.version(forLogFileVersion: fileVersion), into: &w)
        case let .delete(id):
            kind = LogFormat.recordDelete
            w.string(id)
        }
        body = w.bytes
    }
}
