/// The BPE vocabularies ContextStore can count tokens with (OpenAI tiktoken names).
public enum TokenEncoding: String, Sendable, CaseIterable, Codable {
    /// GPT-3.5 / GPT-4 (`cl100k_base`).
    case cl100kBase = "cl100k_base"
    /// GPT-4o (`o200k_base`).
    case o200kBase = "o200k_base"
}

extension TokenEncoding {
    /// Name of the rank file inside the vocabulary directory.
    var vocabularyFileName: String { rawValue + ".tiktoken" }

    /// SHA-256 of the published rank file; the loader refuses any other content.
    var expectedSHA256: String {
        switch self {
        case .cl100kBase: return "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
        case .o200kBase: return "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
        }
    }

    /// Number of ranks in the file (ranks are exactly 0..<count); used to size tables.
    var expectedTokenCount: Int {
        switch self {
        case .cl100kBase: return 100_256
        case .o200kBase: return 199_998
        }
    }
}
