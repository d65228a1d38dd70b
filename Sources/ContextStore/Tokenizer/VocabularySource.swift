#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a tokenizer's rank file comes from.
enum VocabularySource: Hashable, Sendable {
    /// `<directory>/<encoding>.tiktoken` on disk, checked against the published SHA-256.
    case directory(String)
    /// The copy compiled into the library (`EmbeddedVocabulary`), checked the same way.
    case embedded

    static let environmentVariable = "CONTEXTSTORE_VOCAB_DIR"

    /// The caller's directory, else `$CONTEXTSTORE_VOCAB_DIR`, else the embedded copy. An
    /// empty string counts as unset. A directory, once chosen, is used or its error
    /// reported: there is no falling back to the embedded copy, so a configured directory
    /// is never silently ignored.
    static func resolve(_ explicit: String?) -> VocabularySource {
        resolve(explicit, environment: getenv(environmentVariable).map { String(cString: $0) })
    }

    /// `resolve(_:)` with the environment variable's value given (for tests).
    static func resolve(_ explicit: String?, environment: String?) -> VocabularySource {
        if let explicit, !explicit.isEmpty { return .directory(explicit) }
        if let environment, !environment.isEmpty { return .directory(environment) }
        return .embedded
    }
}
