/// Counts and encodes text exactly like OpenAI tiktoken's `encode_ordinary`
/// (special-token strings such as `<|endoftext|>` are ordinary text).
///
/// Immutable after loading: every call works on its own stack scratch space, so one
/// instance can be used from any number of threads at once.
public final class Tokenizer: Sendable {
    /// The vocabulary it counts with.
    public let encoding: TokenEncoding
    let table: RankTable

    init(encoding: TokenEncoding, table: RankTable) {
        self.encoding = encoding
        self.table = table
        _ = ScalarClassTable.shared  // build it now (~20 ms) rather than in the first count()
    }

    /// A loaded tokenizer's identity: the same encoding from another source is another
    /// instance (one source may be broken while another is fine).
    private struct Key: Hashable {
        let encoding: TokenEncoding
        let source: VocabularySource
    }

    /// Loaded tokenizers. Loading happens under the lock, so concurrent first calls
    /// decompress or read, hash and parse the vocabulary once; failures are not cached
    /// (a missing file may be put in place later).
    private static let loaded = Locked<[Key: Tokenizer]>([:])

    /// Loads (and caches process-wide, one instance per encoding and source) the vocabulary.
    /// Source: the file `<vocabularyDirectory>/<encoding>.tiktoken`, else (nil or empty) the
    /// one in `$CONTEXTSTORE_VOCAB_DIR`, else (unset or empty) the copy built into the
    /// library, which needs no set-up. A directory that was chosen is used or its error
    /// thrown, never skipped. Every source is checked against the published SHA-256.
    ///
    /// - Throws: `TokenizerError` naming the path tried (or the built-in copy).
    ///
    /// Cost: the first load of an encoding and source decompresses or reads, hashes and
    /// parses the vocabulary (tens of milliseconds, a few MB of memory); later loads are a
    /// dictionary lookup.
    public static func load(_ encoding: TokenEncoding = .cl100kBase,
                            vocabularyDirectory: String? = nil) throws(TokenizerError) -> Tokenizer {
        let key = Key(encoding: encoding, source: VocabularySource.resolve(vocabularyDirectory))
        return try loaded.withLock { (cache) throws(TokenizerError) -> Tokenizer in
            if let tokenizer = cache[key] { return tokenizer }
            let table = try VocabularyLoader.loadRankTable(encoding, from: key.source)
            let tokenizer = Tokenizer(encoding: encoding, table: table)
            cache[key] = tokenizer
            return tokenizer
        }
    }

    /// Number of tokens: `len(enc.encode_ordinary(text))`. Throws nothing; linear in the
    /// text's length, no allocation beyond stack scratch space.
    public func count(_ text: String) -> Int {
        var sink = TokenCountingSink()
        tokenize(text, into: &sink)
        return sink.count
    }

    /// Token ids: `enc.encode_ordinary(text)`.
    public func encode(_ text: String) -> [Int] {
        var sink = TokenCollectingSink()
        sink.tokens.reserveCapacity(text.utf8.count / 4 + 1)
        tokenize(text, into: &sink)
        return sink.tokens
    }

    /// The pre-tokenizer pieces of `text` (what the split pattern matches), for tests.
    func pieces(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { utf8 -> [String] in
            guard let base = utf8.baseAddress else { return [] }
            let scanner = PieceScanner(base: base, count: utf8.count)
            var result: [String] = []
            var i = 0
            while i < utf8.count {
                let end = encoding == .cl100kBase ? scanner.nextCl100kPieceEnd(from: i) : scanner.nextO200kPieceEnd(from: i)
                result.append(String(decoding: UnsafeBufferPointer(rebasing: utf8[i..<end]), as: UTF8.self))
                i = end
            }
            return result
        }
    }

    /// Splits `text` with the encoding's pattern and merges each piece.
    @inline(__always)
    func tokenize<Sink: TokenSink>(_ text: String, into sink: inout Sink) {
        var text = text  // mutable copy: withUTF8 makes the storage contiguous if needed
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, utf8.count > 0 else { return }
            let scratchCount = BytePairMerger.shortLimit + 1
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 3 * scratchCount) { scratch in
                let s = scratch.baseAddress!
                let merger = BytePairMerger(table: table, starts: s, pairRanks: s + scratchCount,
                                            partRanks: s + 2 * scratchCount)
                let scanner = PieceScanner(base: base, count: utf8.count)
                let end = base + utf8.count
                var i = 0
                switch encoding {
                case .cl100kBase:
                    while i < scanner.count {
                        let pieceEnd = scanner.nextCl100kPieceEnd(from: i)
                        merger.encode(base + i, length: pieceEnd - i, readableEnd: end, into: &sink)
                        i = pieceEnd
                    }
                case .o200kBase:
                    while i < scanner.count {
                        let pieceEnd = scanner.nextO200kPieceEnd(from: i)
                        merger.encode(base + i, length: pieceEnd - i, readableEnd: end, into: &sink)
                        i = pieceEnd
                    }
                }
            }
        }
    }
}
