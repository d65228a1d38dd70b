/// Constants shared by the log's writer and readers. SPEC.md, "Log files", is the contract;
/// change both together, and bump `fileVersion` where old files would be misread.
enum LogFormat {
    /// "CTXSLOG" followed by a NUL: the first bytes of every log file.
    static let fileMagic: [UInt8] = Array("CTXSLOG".utf8) + [0]
    /// The version new files get. Version 2 added codec 2 (zstd); version 3, segment bodies
    /// of version 2 (`SegmentCodec`). Older files are still read; the writer appends to
    /// none of them (it starts a new active file first), so each keeps only what its
    /// version's readers know.
    static let fileVersion: UInt16 = 3
    /// The first file version whose frames may be zstd (codec 2).
    static let zstdFileVersion: UInt16 = 2
    /// The first file version whose segment bodies may be version 2 (a derived text hash).
    static let derivedHashFileVersion: UInt16 = 3
    static let oldestReadableFileVersion: UInt16 = 1
    static let fileKindLog: UInt8 = 1
    /// magic 8 | version u16 | kind u8 | flags u8 | file number u32 | project u64 |
    /// store UUID 16 | reserved u32 | crc32c u32 (of the 44 bytes before it)
    static let fileHeaderSize = 48

    /// Every batch frame starts with this little-endian u32 ("CXB1"): a cheap first test
    /// when scanning, and what the corruption search looks for after a bad frame.
    static let batchMagic: UInt32 = 0x3142_5843
    /// magic u32 | crc32c u32 | stored length u32 | raw length u32 | record count u32 |
    /// codec u8 | flags u8 | reserved u16 | first seq u64 | last seq u64;
    /// the CRC covers bytes 8..<end of frame (rest of the header and the stored payload)
    static let batchHeaderSize = 40
    /// Upper bound for both lengths of a batch: a header claiming more is corrupt, and is
    /// rejected before anything is allocated.
    static let maxBatchBytes = 128 << 20

    static let codecNone: UInt8 = 0
    static let codecLZ4: UInt8 = 1
    /// Log file version 2 on.
    static let codecZstd: UInt8 = 2

    /// Record kinds inside a batch.
    static let recordPut: UInt8 = 1
    static let recordDelete: UInt8 = 2
}
