/// Why a vocabulary could not be loaded. Every case names the file that was tried.
public enum TokenizerError: Error, Sendable, CustomStringConvertible {
    /// No readable regular file at `path`.
    case vocabularyMissing(path: String)
    /// The file at `path` exists but its SHA-256 is not the published one.
    case checksumMismatch(path: String, expected: String, found: String)
    /// Line `line` (1-based) of the file is not `<base64 bytes> <rank>` or breaks rank order.
    case malformedVocabulary(path: String, line: Int)

    static let setupHint =
        "run `bash Tools/setup.sh` from the ContextStore repository to fetch the vocabulary "
        + "(or set CONTEXTSTORE_VOCAB_DIR to a directory holding cl100k_base.tiktoken and o200k_base.tiktoken)"

    public var description: String {
        switch self {
        case .vocabularyMissing(let path):
            return "tokenizer vocabulary not found (or not readable) at \(path); \(Self.setupHint)"
        case .checksumMismatch(let path, let expected, let found):
            return "tokenizer vocabulary at \(path) has SHA-256 \(found), expected \(expected); "
                + "the file is corrupt or a different version; delete it and \(Self.setupHint)"
        case .malformedVocabulary(let path, let line):
            return "tokenizer vocabulary at \(path) is malformed at line \(line); "
                + "delete it and \(Self.setupHint)"
        }
    }
}
