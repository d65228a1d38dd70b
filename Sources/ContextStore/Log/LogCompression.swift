/// How log batches are compressed (SPEC.md section 4.2, `codec`). Every choice is read back
/// by every build that reads log file version 2 on, so it can change between opens; a batch
/// that would not shrink is stored as is whatever the choice.
public enum LogCompression: Sendable, Equatable {
    /// LZ4's fast compressor (codec 1): the cheapest to write, the largest log.
    case lz4
    /// LZ4 HC at `level` 1 to 12 (codec 1, the same block format): about 12% smaller than
    /// `lz4` on the corpus at level 3, for about four times its compression time.
    case lz4HC(level: Int)
    /// Zstandard at `level` 1 to 22 (codec 2): at level 3, about 30% smaller than `lz4` on
    /// the corpus for about twice its compression time; a point read decompresses its
    /// 16 KiB batch in about 15-20 µs instead of about 5.
    case zstd(level: Int)

    /// Whether the level is one the codec has.
    var isValid: Bool {
        switch self {
        case .lz4: true
        case let .lz4HC(level): (1...LZ4Block.maxLevel).contains(level)
        case let .zstd(level): ZstdBlock.levels.contains(level)
        }
    }

    /// What a log file of header `version` may hold: version 1 files know only codecs 0
    /// and 1, so the batches of a writer configured to write version 1 files (tests making
    /// a store as an older build did) fall back to LZ4 (SPEC.md section 4.1).
    func usable(inFileVersion version: UInt16) -> LogCompression {
        if case .zstd = self, version < LogFormat.zstdFileVersion { return .lz4 }
        return self
    }
}
