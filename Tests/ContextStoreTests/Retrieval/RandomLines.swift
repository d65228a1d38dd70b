@testable import ContextStore
import ContextStoreTestSupport
import Testing

/// Random mixed-script lines and queries for the matcher, and the checks its highlights must
/// pass whatever the line: an oracle built from the keyword analyzer and the sub-word
/// splitter applied to the highlighted pieces alone, not from the matcher's own code.
enum RandomLines {
    /// Pieces that stress lowering and grapheme boundaries: final sigma, U+0130, ß,
    /// combining marks (NFD), Indic conjuncts, emoji sequences, CJK, titlecase, ligatures,
    /// superscripts, and identifiers that split.
    static let pieces = [
        "ΣΊΣΥΦΟΣ", "ΟΔΟΣ", "Σ", "σ", "ς", "ΑΣ", "İstanbul", "İ", "Größe", "STRAßE", "e\u{301}tude", "\u{E9}tude",
        "\u{301}", "नमस्ते", "क्षab", "東京タワー", "한국어", "👩‍💻", "🇯🇵", "🚀", "mmap_région", "parseHTTPHeader",
        "sha256sum", "__init__", "_x_", "ﬁle", "ǅungla", "x²", "Ⅻ", "ΐ", "ŉ", "Ǆ", "a\u{200D}b", "\u{0600}1",
        "mmap", "region", "MMAP_REGION", "readHeader", "ok",
    ]
    static let glue = ["", "", "", " ", " ", ".", "'", ":", "-", "_", "/", "\u{A0}", "(", ")", "*"]

    /// A line (no "\n" or "\r") of random pieces, random text and random scalars.
    static func line(_ rng: inout TestRNG) -> String {
        var out = ""
        for _ in 0..<Int.random(in: 1...10, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: out += String(TokenizerTestTexts.randomText(&rng).prefix(30))
            case 1: out.append(TokenizerTestTexts.randomScalar(&rng))
            default: out += pieces.randomElement(using: &rng)!
            }
            out += glue.randomElement(using: &rng)!
        }
        return String(String.UnicodeScalarView(out.unicodeScalars.filter { $0 != "\n" && $0 != "\r" }))
    }

    /// A query of 1-4 pieces: words of the line (some as prefixes), parts of its identifiers,
    /// a camel-case identifier of two of its ASCII words (so the query has parts), a miss.
    static func query(for line: String, _ rng: inout TestRNG) -> String {
        let words = KeywordAnalyzer.words(line)
        let parts = SubwordSplitter.parts(line)
        let ascii = words.filter { $0.utf8.allSatisfy { $0 < 0x80 } && $0.first?.isLetter == true }
        var out: [String] = []
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1: if let w = words.randomElement(using: &rng) { out.append(w) }
            case 2:
                if let w = words.randomElement(using: &rng) {
                    out.append(String(w.prefix(Int.random(in: 1...w.count, using: &rng))) + "*")
                }
            case 3: if let p = parts.randomElement(using: &rng) { out.append(p) }
            case 4:
                if let a = ascii.randomElement(using: &rng), let b = ascii.randomElement(using: &rng) {
                    out.append(a + b.prefix(1).uppercased() + b.dropFirst())
                }
            default: out.append("zzqx")
            }
        }
        return out.joined(separator: " ")
    }

    /// Final sigma depends on text beyond a piece: compare pieces analyzed alone with ς as σ.
    static func foldSigma(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0 == "ς" ? "σ" : $0 }))
    }

    /// Checks `matcher.highlights(line:)` (see the type's comment).
    static func check(line: String, matcher: WordMatcher, query: String) {
        let (ranges, terms) = matcher.highlights(line: line)
        let bytes = Array(line.utf8)
        let context = "seed \(testSeed) parts \(matcher.matchParts) query \(query.debugDescription) line \(line.debugDescription)"

        // Shape: within the line, on Character boundaries, ascending, apart.
        var boundaries: Set<Int> = [bytes.count]
        for i in line.utf8.indices where i.samePosition(in: line) != nil {
            boundaries.insert(line.utf8.distance(from: line.utf8.startIndex, to: i))
        }
        for r in ranges {
            #expect(r.lowerBound >= 0 && r.lowerBound < r.upperBound && r.upperBound <= bytes.count, "\(r) \(context)")
            #expect(boundaries.contains(r.lowerBound) && boundaries.contains(r.upperBound), "\(r) \(context)")
        }
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound < b.lowerBound, "\(context)") }

        // Matching by the rules, on bytes; `fold` identifies ς and σ (for pieces analyzed alone).
        let q = QueryTerms(query)
        func termsOf(_ w: String, fold: Bool) -> [Int] {
            let wb = Array((fold ? foldSigma(w) : w).utf8)
            return matcher.terms.indices.filter { i in
                let t = matcher.terms[i]
                let tb = fold ? Array(foldSigma(String(decoding: t.bytes, as: UTF8.self)).utf8) : t.bytes
                return t.isPrefix ? wb.starts(with: tb) : wb == tb
            }
        }
        let queryParts = Set(q.parts.map { String(decoding: $0, as: UTF8.self) })
        func isQueryPart(_ w: String, fold: Bool) -> Bool {
            matcher.matchParts && (fold ? queryParts.map(foldSigma).contains(foldSigma(w)) : queryParts.contains(w))
        }

        // Soundness: each range holds a matching word, or touches an identifier with a matching part.
        var identifiers: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            func isID(_ b: UInt8) -> Bool {
                b >= 0x80 || b == 0x5F || (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            }
            guard isID(bytes[i]) else { i += 1; continue }
            let start = i
            while i < bytes.count && isID(bytes[i]) { i += 1 }
            identifiers.append(start..<i)
        }
        var highlightedMatches = 0
        for r in ranges {
            let words = KeywordAnalyzer.words(String(decoding: bytes[r], as: UTF8.self))
            let direct = words.filter { !termsOf($0, fold: true).isEmpty || isQueryPart($0, fold: true) }
            highlightedMatches += direct.count
            var ok = !direct.isEmpty
            if !ok && matcher.matchParts {
                for id in identifiers where id.overlaps(r) {
                    for p in SubwordSplitter.parts(String(decoding: bytes[id], as: UTF8.self))
                    where !termsOf(p, fold: false).isEmpty || isQueryPart(p, fold: false) { ok = true }
                }
            }
            #expect(ok, "\(r) \(context)")
        }

        // Completeness: every matching word of the line lies in a range, and every matched term is reported.
        let lineWords = KeywordAnalyzer.words(line)
        let lineMatches = lineWords.filter { !termsOf($0, fold: false).isEmpty || isQueryPart($0, fold: false) }
        #expect(highlightedMatches >= lineMatches.count, "\(context)")
        var expected = Set(lineWords.flatMap { termsOf($0, fold: false) })
        if matcher.matchParts { expected.formUnion(SubwordSplitter.parts(line).flatMap { termsOf($0, fold: false) }) }
        #expect(terms == expected, "\(context)")
    }
}
