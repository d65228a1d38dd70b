/// Why a vocabulary could not be loaded. Every case names what was tried: the file of an
/// explicit vocabulary directory, or the copy built into the library.
public enum TokenizerError: Error, Sendable, CustomStringConvertible {
    /// No readable regular file at `path`.
    case vocabularyMissing(path: String)
    /// The file at `path` exists but its SHA-256 is not the published one.
    case checksumMismatch(path: String, expected: String, found: String)
    /// Line `line` (1-based) of the file is not `<base64 bytes> <rank>` or breaks rank order.
    case malformedVocabulary(path: String, line: Int)
    /// The copy of `encoding`'s rank file built into the library does not decompress to the
    /// published file (a damaged build: rebuild it, see Tools/gen/gen_vocabulary.sh).
    case embeddedVocabularyDamaged(encoding: TokenEncoding, reason: String)

    /// Only an explicit directory (`Configuration.vocabularyDirectory`, `--vocabulary`, or
    /// `CONTEXTSTORE_VOCAB_DIR`) is read from disk, so the fix is there or in not setting it.
    static let directoryHint =
        "put the published cl100k_base.tiktoken and o200k_base.tiktoken there, or set no vocabulary "
        + "directory (neither vocabularyDirectory / --vocabulary nor CONTEXTSTORE_VOCAB_DIR) to use "
        + "the copy built into ContextStore"

    /// One line naming the path (or the built-in copy) and how to fix it.
    public var description: String {
        switch self {
        case .vocabularyMissing(let path):
            return "tokenizer vocabulary not found (or not readable) at \(path); \(Self.directoryHint)"
        case .checksumMismatch(let path, let expected, let found):
            return "tokenizer vocabulary at \(path) has SHA-256 \(found), expected \(expected); "
                + "the file is corrupt or a different version; \(Self.directoryHint)"
        case .malformedVocabulary(let path, let line):
            return "tokenizer vocabulary at \(path) is malformed at line \(line); \(Self.directoryHint)"
        case .embeddedVocabularyDamaged(let encoding, let reason):
            return "the \(encoding.vocabularyFileName) built into ContextStore is damaged (\(reason)); "
                + "rebuild ContextStore, or set CONTEXTSTORE_VOCAB_DIR to a directory holding the published file"
        }
    }
}
