/// The 48-byte header at offset 0 of every log file (SPEC.md, "Log file header"). It ties
/// the file to its store, project and number, so a file copied from another store, renamed
/// or swapped is caught at open.
struct LogFileHeader: Equatable, Sendable {
    var fileNumber: UInt32
    var projectNumber: UInt64
    var storeUUID: [UInt8]  // 16 bytes
    /// The header's version: `LogFormat.fileVersion` for new files; a file read back keeps
    /// its own (it says which codecs the file may hold).
    var version: UInt16 = LogFormat.fileVersion

    func encode() -> [UInt8] {
        var w = ByteWriter(capacity: LogFormat.fileHeaderSize)
        w.raw(LogFormat.fileMagic)
        w.u16(version)
        w.u8(LogFormat.fileKindLog)
        w.u8(0)
        w.u32(fileNumber)
        w.u64(projectNumber)
        w.raw(storeUUID)
        w.u32(0)
        w.u32(CRC32C.checksum(w.bytes))
        precondition(w.count == LogFormat.fileHeaderSize)
        return w.bytes
    }

    enum DecodeError: Error, Equatable {
        case truncated
        case badMagic
        case badChecksum
        case unsupportedVersion(UInt16)
        case wrongKind(UInt8)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> LogFileHeader {
        guard bytes.count >= LogFormat.fileHeaderSize else { throw .truncated }
        func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        guard bytes[0..<8].elementsEqual(LogFormat.fileMagic) else { throw .badMagic }
        guard u32(44) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<44])) else { throw .badChecksum }
        let version = u16(8)
        guard (LogFormat.oldestReadableFileVersion...LogFormat.fileVersion).contains(version) else {
            throw .unsupportedVersion(version)
        }
        let kind = bytes[10]
        guard kind == LogFormat.fileKindLog else { throw .wrongKind(kind) }
        return LogFileHeader(fileNumber: u32(12), projectNumber: u64(16), storeUUID: Array(bytes[24..<40]), version: version)
    }
}
