/// The words of a query as the engine uses them: the keyword analyzer's words in query order
/// (each once), those followed by `*` marked as prefixes, and, for `any` mode, the parts of
/// the query's own identifiers (`parseHTTPHeader` also asks for parse, http, header).
///
/// Nothing in a query is syntax but a `*` right after a word: any text parses.
struct QueryTerms: Sendable, Equatable {
    struct Term: Sendable, Equatable, Hashable {
        /// The analyzer's word (lowercased UTF-8).
        var bytes: [UInt8]
        /// A prefix: matches every word that starts with `bytes`.
        var isPrefix: Bool
        /// How the word is reported (`matchedWords`, explanations): the word, with `*` for a prefix.
        var display: String { String(decoding: bytes, as: UTF8.self) + (isPrefix ? "*" : "") }
    }

    /// Distinct terms, in query order.
    var terms: [Term]
    /// Parts of the query's identifiers that are not already terms (whole words), in order.
    var parts: [[UInt8]]

    init(_ query: String) {
        var terms: [Term] = []
        var seen = Set<Term>()
        // A prefix is a word whose last byte in the query is followed by `*`: analyze each
        // whitespace-separated chunk alone, so the last word of a chunk ending in `*` is known.
        for chunk in query.split(whereSeparator: { $0.isWhitespace }) {
            var words: [[UInt8]] = []
            KeywordAnalyzer.forEachWord(in: String(chunk)) { words.append(Array($0)) }
            let starred = chunk.hasSuffix("*") && Self.endsInWord(chunk.dropLast())
            for (i, w) in words.enumerated() {
                let t = Term(bytes: w, isPrefix: starred && i == words.count - 1)
                if seen.insert(t).inserted { terms.append(t) }
            }
        }
        self.terms = terms
        var parts: [[UInt8]] = []
        var seenParts = Set(terms.filter { !$0.isPrefix }.map(\.bytes))
        SubwordSplitter.forEachPart(in: query) { p in
            let b = Array(p)
            if seenParts.insert(b).inserted { parts.append(b) }
        }
        self.parts = parts
    }

    /// Whether `chunk` ends with a word character (so `foo*` is a prefix, `foo-*` is not).
    private static func endsInWord(_ chunk: Substring) -> Bool {
        guard let last = chunk.last else { return false }
        var found = false
        KeywordAnalyzer.forEachWord(in: String(last)) { _ in found = true }
        return found
    }

    var isEmpty: Bool { terms.isEmpty }
}
