// A hit's best lines (`SearchHit.snippets`): what an assistant reads instead of the whole
// segment, so a token budget buys more hits.

/// Picks and describes a segment's best-matching lines.
///
/// Lines: the text split on "\n", each without one trailing "\r"; the empty line after a
/// final "\n" is not a line (the text "a\n" has one line). Line numbers are 1-based.
///
/// Score of a line: the sum of `termWeights[t]` over the distinct terms `t` it matches, plus
/// 0.01 for each highlighted span. The per-span bonus breaks ties in favour of lines with
/// more matches, and gives a line that only matches the query's parts (`any` mode: `parse`
/// for `parseHTTPHeader`, which is no reported term) a score above 0, so it is shown.
enum SnippetExtractor {
    /// The bonus of each highlighted span of a line.
    static let spanBonus = 0.01

    /// The `count` best lines of `segment.text` with a score above 0, best first (equal
    /// scores: the earlier line first), with their highlights and exact token counts. When no
    /// line matches (the segment matched through its file_path or tags only) and `count` > 0:
    /// its first line that is not blank, without highlights, so the hit still shows
    /// something; none when every line is blank.
    ///
    /// `termWeights` holds one weight per `matcher.terms` (a missing one counts as 0).
    /// Cost: the matcher over every line; the tokenizer over the chosen lines only.
    static func snippets(of segment: ContextSegment, matcher: WordMatcher, termWeights: [Double],
                         count: Int, tokenizer: Tokenizer) -> [SearchSnippet] {
        guard count > 0 else { return [] }
        var scored: [(line: Int, text: String, ranges: [Range<Int>], score: Double)] = []
        var firstNonBlank: (line: Int, text: String)?
        forEachLine(of: segment.text) { number, text in
            if firstNonBlank == nil, text.contains(where: { !$0.isWhitespace }) { firstNonBlank = (number, text) }
            let (ranges, terms) = matcher.highlights(line: text)
            guard !ranges.isEmpty else { return }
            var score = Double(ranges.count) * spanBonus
            for t in terms where t < termWeights.count { score += termWeights[t] }
            guard score > 0 else { return }
            scored.append((number, text, ranges, score))
        }

        func snippet(_ line: Int, _ text: String, _ ranges: [Range<Int>]) -> SearchSnippet {
            SearchSnippet(line: line, sourceLine: segment.lineRange.map { $0.start + line - 1 }, text: text,
                          highlights: ranges, tokens: tokenizer.count(text))
        }
        if scored.isEmpty {
            guard let first = firstNonBlank else { return [] }
            return [snippet(first.line, first.text, [])]
        }
        // Stable order: scores descending, then line numbers ascending (`scored` is in line order).
        let best = scored.enumerated().sorted { a, b in
            a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
        }.prefix(count)
        return best.map { snippet($0.element.line, $0.element.text, $0.element.ranges) }
    }

    /// Calls `body` with each line's 1-based number and text (see the type's comment).
    static func forEachLine(of text: String, _ body: (_ number: Int, _ text: String) -> Void) {
        let utf8 = text.utf8
        var start = utf8.startIndex
        var number = 0
        while start < utf8.endIndex {
            let newline = utf8[start...].firstIndex(of: UInt8(ascii: "\n"))
            var end = newline ?? utf8.endIndex
            if end > start, utf8[utf8.index(before: end)] == UInt8(ascii: "\r") { end = utf8.index(before: end) }
            number += 1
            body(number, String(decoding: utf8[start..<end], as: UTF8.self))
            guard let newline else { break }
            start = utf8.index(after: newline)
        }
    }
}
