import Testing
@testable import ContextStore
import ContextStoreTestSupport

// The matcher behind `matchedWords` and snippet highlights. Expected highlights are written
// out by hand (as the original text they must cover) and compared as UTF-8 bytes, never
// with `String ==`, which would equate NFC and NFD spellings the engine keeps apart.

/// The highlighted pieces of `line` for `query`, as UTF-8.
private func highlighted(_ line: String, _ query: String, parts: Bool = false) -> [[UInt8]] {
    let bytes = Array(line.utf8)
    return WordMatcher(QueryTerms(query), matchParts: parts).highlights(line: line).ranges.map { Array(bytes[$0]) }
}

private func utf8(_ strings: [String]) -> [[UInt8]] { strings.map { Array($0.utf8) } }

private func matched(_ query: String, _ text: String, _ fields: [String] = [], parts: Bool = false) -> [Int] {
    WordMatcher(QueryTerms(query), matchParts: parts).matchedTerms(text: text, fields: fields)
}

@Suite struct WordMatcherTests {
    @Test func exactTermsMatchWholeWordsOnly() {
        #expect(QueryTerms("mmap Region").terms.map(\.display) == ["mmap", "region"])
        #expect(matched("mmap Region", "call MMAP on the region") == [0, 1])
        #expect(matched("mmap Region", "the region only") == [1])
        #expect(matched("mmap Region", "mmapped regions, mmap_region") == [])
        #expect(highlighted("MMAP the mmap", "mmap") == utf8(["MMAP", "mmap"]))
        #expect(highlighted("mmapped, remmap", "mmap") == [])
    }

    @Test func prefixTermsMatchWordStarts() {
        #expect(matched("mmap* zone", "MMapped") == [0])
        #expect(matched("mmap* zone", "mmap") == [0])
        #expect(matched("mmap* zone", "remmap mma zones") == [])
        #expect(highlighted("the mmapped remmap mmap_region", "mmap*") == utf8(["mmapped", "mmap_region"]))
    }

    @Test func identifierPartsMatchOnlyInAnyMode() {
        #expect(matched("region", "p = mmap_region(x)", parts: true) == [0])
        #expect(matched("region", "p = mmap_region(x)", parts: false) == [])
        #expect(highlighted("p = mmap_region(x)", "region", parts: true) == utf8(["mmap_region"]))
        #expect(highlighted("p = mmap_region(x)", "region", parts: false) == [])
        #expect(highlighted("h = parseHTTPHeader(raw)", "http", parts: true) == utf8(["parseHTTPHeader"]))
        #expect(highlighted("sha256sum file", "256", parts: true) == utf8(["sha256sum"]))
        // A prefix term matches the start of a part.
        #expect(highlighted("mmap_region; regal", "reg*", parts: true) == utf8(["mmap_region", "regal"]))
        #expect(highlighted("mmap_region; regal", "reg*", parts: false) == utf8(["regal"]))
        let m = WordMatcher(QueryTerms("zone region"), matchParts: true)
        #expect(m.highlights(line: "mmap_region").terms == [1])
    }

    @Test func queryPartsHighlightWithoutReportedTerms() {
        let q = QueryTerms("parseHTTPHeader")
        #expect(q.terms.map(\.display) == ["parsehttpheader"])
        #expect(q.parts == utf8(["parse", "http", "header"]))
        let any = WordMatcher(q, matchParts: true)
        let line = "we parse the header: readHeader()"
        #expect(any.matchedTerms(text: line, fields: []) == [])
        let result = any.highlights(line: line)
        #expect(result.terms.isEmpty)
        #expect(highlighted(line, "parseHTTPHeader", parts: true) == utf8(["parse", "header", "readHeader"]))
        #expect(highlighted(line, "parseHTTPHeader", parts: false) == [])
        #expect(any.highlights(line: "x = parseHTTPHeader(y)").terms == [0])
    }

    @Test func fieldsMatchTermsToo() {
        #expect(matched("mmap alloc", "nothing here", ["src/mmap.c", "alloc"]) == [0, 1])
        #expect(matched("mmap alloc", "nothing here", ["src/mmap.c"]) == [0])
        #expect(matched("mmap alloc", "nothing here") == [])
        #expect(matched("alloc mmap", "alloc", ["src/mmap.c"]) == [0, 1])
        #expect(matched("region", "nothing", ["src/mmap_region.c"], parts: true) == [0])
        #expect(matched("region", "nothing", ["src/mmap_region.c"], parts: false) == [])
    }

    @Test func neighboursStaySeparateAndEmptyLinesHaveNone() {
        let m = WordMatcher(QueryTerms("mmap"), matchParts: false)
        #expect(m.highlights(line: "mmap mmap").ranges == [0..<4, 5..<9])
        #expect(m.highlights(line: "").ranges.isEmpty)
        #expect(m.highlights(line: "mmap").terms == [0])
    }

    @Test func germanSharpS() {
        let line = "Größe der Straße"
        #expect(highlighted(line, "GRÖßE straße") == utf8(["Größe", "Straße"]))
        // "Größe" is 7 bytes (ö and ß take two each); "Straße" starts after "Größe der ".
        #expect(WordMatcher(QueryTerms("größe straße"), matchParts: false).highlights(line: line).ranges == [0..<7, 12..<19])
        #expect(highlighted(line, "strasse") == [])
    }

    @Test func greekFinalSigmaFollowsTheWholeLine() {
        let line = "ΣΊΣΥΦΟΣ mmap_région"
        #expect(KeywordAnalyzer.words(line) == ["σίσυφος", "mmap_région"])
        #expect(highlighted(line, "σίσυφος région", parts: true) == utf8(["ΣΊΣΥΦΟΣ", "mmap_région"]))
        #expect(highlighted(line, "σίσυφος région", parts: false) == utf8(["ΣΊΣΥΦΟΣ"]))
        #expect(highlighted(line, "ΣΊΣΥΦΟΣ") == utf8(["ΣΊΣΥΦΟΣ"]))
        #expect(highlighted(line, "σίσυφοσ") == [])
        // The sigma's form depends on text past the word: "." is case-ignorable, so the
        // capital after it makes the Σ non-final.
        #expect(KeywordAnalyzer.words("ΟΔΟΣ.ΑΘΗΝΑ") == ["οδοσ", "αθηνα"])
        #expect(highlighted("ΟΔΟΣ.ΑΘΗΝΑ", "οδοσ") == utf8(["ΟΔΟΣ"]))
        #expect(highlighted("ΟΔΟΣ.ΑΘΗΝΑ", "οδος") == [])
        #expect(highlighted("ΟΔΟΣ. αθηνα", "οδος") == utf8(["ΟΔΟΣ"]))
    }

    @Test func dottedCapitalILowersToTwoWords() {
        let line = "İstanbul"
        #expect(KeywordAnalyzer.words(line) == ["i", "stanbul"])
        // Both words come from the line's first Character and on: one merged range.
        #expect(WordMatcher(QueryTerms("İstanbul"), matchParts: false).highlights(line: line).ranges == [0..<9])
        #expect(highlighted(line, "stanbul") == utf8(["stanbul"]))
        #expect(highlighted("in İstanbul.", "i") == utf8(["İ"]))
    }

    @Test func emojiAndCJK() {
        let line = "🚀 launch 東京タワー 👩‍💻rocket🇯🇵 😀_ok"
        #expect(highlighted(line, "launch 東京タワー rocket") == utf8(["launch", "東京タワー", "rocket"]))
        #expect(highlighted(line, "ok", parts: true) == utf8(["_ok"]))
        #expect(highlighted(line, "🚀") == [])
    }

    @Test func combiningMarksWidenToWholeCharacters() {
        let line = "e\u{301}tude"
        #expect(KeywordAnalyzer.words(line) == ["e", "tude"])
        #expect(highlighted(line, "tude") == utf8(["tude"]))
        #expect(highlighted(line, "e") == utf8(["e\u{301}"]))
        #expect(highlighted(line, "e tude") == utf8(["e\u{301}tude"]))
        #expect(highlighted("cafe\u{301} bar", "cafe") == utf8(["cafe\u{301}"]))
        // Bytes, not canonical equivalence: the NFC query does not find the NFD text.
        #expect(highlighted(line, "\u{E9}tude") == [])
        #expect(highlighted("\u{E9}tude", "\u{E9}tude") == utf8(["\u{E9}tude"]))
    }

    @Test func wordSpansAreTheAnalyzersWords() {
        var rng = TestRNG(seed: testSeed)
        for _ in 0..<400 {
            let text = RandomLines.line(&rng)
            var words: [[UInt8]] = []
            var spans: [Range<Int>] = []
            WordSpanScanner.forEachWord(in: text) { words.append($0); spans.append($1) }
            var expected: [[UInt8]] = []
            KeywordAnalyzer.forEachWord(in: text) { expected.append(Array($0)) }
            #expect(words == expected, "seed \(testSeed): \(text.debugDescription)")
            let bytes = Array(text.utf8)
            for (w, s) in zip(words, spans) {
                #expect(!s.isEmpty && s.upperBound <= bytes.count)
                let alone = KeywordAnalyzer.words(String(decoding: bytes[s], as: UTF8.self)).map(RandomLines.foldSigma)
                #expect(alone.contains(RandomLines.foldSigma(String(decoding: w, as: UTF8.self))), "\(text.debugDescription)")
            }
            for (a, b) in zip(spans, spans.dropFirst()) { #expect(a.lowerBound < b.lowerBound && a.upperBound <= b.upperBound) }
        }
    }

    @Test func randomLinesHighlightWholeCharactersOfMatchingWords() {
        var rng = TestRNG(seed: testSeed &+ 1)
        for _ in 0..<400 {
            let line = RandomLines.line(&rng)
            let query = RandomLines.query(for: line, &rng)
            for parts in [false, true] {
                RandomLines.check(line: line, matcher: WordMatcher(QueryTerms(query), matchParts: parts),
                                  query: query)
            }
        }
    }
}
