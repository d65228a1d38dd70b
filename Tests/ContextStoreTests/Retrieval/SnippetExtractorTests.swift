import Testing
@testable import ContextStore

// A hit's best lines. Expected lines, numbers and ranges are worked out by hand from the
// rules (score = sum of the distinct terms' weights + 0.01 per highlighted span).

private func segment(_ text: String, lineRange: LineRange? = nil) -> ContextSegment {
    ContextSegment(segmentID: "s", text: text, type: .code, projectID: "p",
                   createdAt: Timestamp(utcMicroseconds: 0), lineRange: lineRange)
}

@Suite struct SnippetExtractorTests {
    let tokenizer: Tokenizer

    init() throws { tokenizer = try Tokenizer.load() }

    private func snippets(_ text: String, _ query: String, weights: [Double], count: Int = 3, parts: Bool = false,
                          lineRange: LineRange? = nil) -> [SearchSnippet] {
        SnippetExtractor.snippets(of: segment(text, lineRange: lineRange),
                                  matcher: WordMatcher(QueryTerms(query), matchParts: parts),
                                  termWeights: weights, count: count, tokenizer: tokenizer)
    }

    @Test func bestLinesFirstWithTheirNumbers() {
        // Scores: line 2 = 1.01, line 4 = 3.02, line 5 = 2.01.
        let text = "alpha\nbeta mmap\ngamma\nmmap region here\nregion\n"
        let s = snippets(text, "mmap region", weights: [1, 2])
        #expect(s.map(\.line) == [4, 5, 2])
        #expect(s.map(\.text) == ["mmap region here", "region", "beta mmap"])
        #expect(s[0].highlights == [0..<4, 5..<11])
        #expect(s[2].highlights == [5..<9])
        #expect(s.allSatisfy { $0.sourceLine == nil })
        #expect(snippets(text, "mmap region", weights: [1, 2], count: 2).map(\.line) == [4, 5])
        #expect(snippets(text, "mmap region", weights: [1, 2], count: 0).isEmpty)
        // The weights decide: a heavy `mmap` puts the mmap-only line above the region-only one.
        #expect(snippets(text, "mmap region", weights: [5, 2]).map(\.line) == [4, 2, 5])
    }

    @Test func sourceLinesFollowTheLineRange() {
        let text = "alpha\nbeta mmap\ngamma\nmmap region here\nregion"
        let s = snippets(text, "mmap region", weights: [1, 2], lineRange: LineRange(100, 104))
        #expect(s.map(\.line) == [4, 5, 2])
        #expect(s.map(\.sourceLine) == [103, 104, 101])
    }

    @Test func tiesGoToMoreMatchesThenToEarlierLines() {
        let s = snippets("x mmap\nmmap y\nmmap and mmap\n", "mmap", weights: [1])
        #expect(s.map(\.line) == [3, 1, 2])
        #expect(s[0].highlights == [0..<4, 9..<13])
    }

    @Test func carriageReturnsBeforeNewlinesAreDropped() {
        let s = snippets("first\r\nmmap here\r\nlast\r", "mmap last", weights: [2, 1])
        #expect(s.map(\.line) == [2, 3])
        #expect(s.map { Array($0.text.utf8) } == [Array("mmap here".utf8), Array("last".utf8)])
        #expect(s[0].highlights == [0..<4])
        // Only one "\r" goes; a lone "\r" inside a line stays.
        let t = snippets("a\r\r\nb\rmmap\n", "a mmap", weights: [1, 1])
        #expect(t.map { Array($0.text.utf8) } == [Array("a\r".utf8), Array("b\rmmap".utf8)])
    }

    @Test func aFinalNewlineAddsNoLine() {
        #expect(snippets("\n\nmmap\n", "mmap", weights: [1]).map(\.line) == [3])
        #expect(snippets("\n\n", "mmap", weights: [1]).isEmpty)
        #expect(snippets("", "mmap", weights: [1]).isEmpty)
    }

    @Test func fieldOnlyHitsShowTheFirstNonBlankLine() {
        let text = "\n   \n\tfirst real line\nsecond\n"
        let s = snippets(text, "mmap", weights: [1], lineRange: LineRange(10, 14))
        #expect(s == [SearchSnippet(line: 3, sourceLine: 12, text: "\tfirst real line", highlights: [],
                                    tokens: tokenizer.count("\tfirst real line"))])
        #expect(snippets(text, "mmap", weights: [1], count: 0).isEmpty)
        #expect(snippets(" \n\t\n", "mmap", weights: [1]).isEmpty)
    }

    @Test func tokensAreTheTokenizersCountsOfTheLines() {
        let text = "hello world\nmmap μέγεθος 東京タワー mmap\n\tmmap_region = mmap(0, len)\n"
        let s = snippets(text, "hello mmap", weights: [1, 1])
        #expect(s.count == 3)
        for snippet in s { #expect(snippet.tokens == tokenizer.count(snippet.text)) }
        #expect(s.first { $0.line == 1 }?.tokens == 2)  // cl100k: "hello", " world"
    }

    @Test func linesMatchingOnlyQueryPartsShowInAnyMode() {
        let text = "nothing here\nwe parse it\n"
        let any = snippets(text, "parseHTTPHeader", weights: [1], parts: true)
        #expect(any.map(\.line) == [2])
        #expect(any.first?.highlights == [3..<8])
        let all = snippets(text, "parseHTTPHeader", weights: [1], parts: false)
        #expect(all.map(\.line) == [1])
        #expect(all.first?.highlights == [])
    }

    @Test func nonASCIIHighlightsPointIntoTheLine() {
        let s = snippets("Größe\r\nder Straße und ΟΔΟΣ\n", "straße οδος", weights: [1, 1])
        #expect(s.map(\.line) == [2])
        let bytes = Array(s[0].text.utf8)
        #expect(s[0].highlights.map { Array(bytes[$0]) } == [Array("Straße".utf8), Array("ΟΔΟΣ".utf8)])
    }
}
