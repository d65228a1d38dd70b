// Where the keyword analyzer's words come from: the same words as
// `KeywordAnalyzer.forEachWord`, each with the byte range of the ORIGINAL text it was
// lowered from, so a snippet can highlight the text as written.
//
// The analyzer lowercases first and splits the lowered text, and lowering is not one scalar
// for one scalar: U+0130 "İ" lowers to "i" + U+0307 (a combining mark, not a word scalar,
// so "İstanbul" is the two words "i" and "stanbul"), and U+03A3 "Σ" lowers to "ς" or "σ"
// depending on the scalars around it, possibly beyond the word (CPython's final sigma looks
// past case-ignorable scalars such as "." and "'"). So this walks the original scalars,
// lowers each one exactly as the analyzer's scanner does (the same tables, the same
// final-sigma rule over the whole text) and records, for each lowered word scalar, the
// original scalar it came from. A word's span runs from the first original scalar that gave
// it a scalar to the end of the last one. It must stay in step with
// KeywordAnalyzer.Scanner: WordMatcherTests.wordSpansAreTheAnalyzersWords compares the two.

/// The keyword analyzer's words of a text with their spans in the original text.
///
/// Invariants: the words handed out are byte for byte those of
/// `KeywordAnalyzer.forEachWord(in:)`, in the same order; each span lies within the text,
/// starts and ends on Unicode scalar boundaries (not necessarily Character boundaries: "e"
/// of "e\u{301}" ends before the mark), is not empty, and the spans are in ascending order.
/// Consecutive spans touch only where a scalar's lowercase mapping ends a word itself with a
/// non-word scalar ("İ" gives "i" + U+0307: "İstanbul" is "i" at 0..<2, "stanbul" at 2..<9).
enum WordSpanScanner {
    /// Calls `body` with each word (lowercased UTF-8) and the UTF-8 byte range of the
    /// original scalars it comes from, in order. Cost: one pass over the text's scalars.
    static func forEachWord(in text: String, _ body: (_ word: [UInt8], _ span: Range<Int>) -> Void) {
        var scalars: [UInt32] = []
        var offsets: [Int] = []  // offsets[i]: where scalar i starts; one more entry for the end
        var offset = 0
        for s in text.unicodeScalars {
            scalars.append(s.value)
            offsets.append(offset)
            offset += UTF8.width(s)
        }
        offsets.append(offset)
        let tables = KeywordAnalyzer.Tables.shared

        var word: [UInt8] = []
        var start = -1, end = -1
        func flush() {
            if start >= 0 { body(word, start..<end) }
            word.removeAll(keepingCapacity: true)
            start = -1
        }
        func add(_ lowered: UInt32, isWord: Bool, from i: Int) {
            guard isWord else { flush(); return }
            if start < 0 { start = offsets[i] }
            end = offsets[i + 1]
            appendUTF8(lowered, to: &word)
        }

        for i in scalars.indices {
            let c = scalars[i]
            let e = tables.entry(c)
            if e & KeywordAnalyzer.Entry.special != 0 {
                if c == 0x3A3 {
                    add(isFinalSigma(at: i, scalars, tables) ? 0x3C2 : 0x3C3, isWord: true, from: i)
                } else if let m = tables.multiSources.firstIndex(of: c) {
                    for (out, isWord) in tables.multiOutputs[m] { add(out, isWord: isWord, from: i) }
                }
            } else if e & KeywordAnalyzer.Entry.word != 0 {
                add((c &+ e & KeywordAnalyzer.Entry.deltaMask) & KeywordAnalyzer.Entry.deltaMask, isWord: true, from: i)
            } else {
                flush()
            }
        }
        flush()
    }

    /// CPython's handle_capital_sigma (as the scanner's `isFinalSigma`), over the whole text:
    /// final iff preceded by a cased scalar and not followed by one, skipping case-ignorable
    /// scalars both ways.
    private static func isFinalSigma(at i: Int, _ scalars: [UInt32], _ tables: KeywordAnalyzer.Tables) -> Bool {
        var j = i - 1
        var precededByCased = false
        while j >= 0 {
            let e = tables.entry(scalars[j])
            j -= 1
            if e & KeywordAnalyzer.Entry.caseIgnorable != 0 { continue }
            precededByCased = e & KeywordAnalyzer.Entry.cased != 0
            break
        }
        if !precededByCased { return false }
        for k in (i + 1)..<scalars.count {
            let e = tables.entry(scalars[k])
            if e & KeywordAnalyzer.Entry.caseIgnorable == 0 { return e & KeywordAnalyzer.Entry.cased == 0 }
        }
        return true
    }

    private static func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
        if let s = Unicode.Scalar(c) {
            out.append(contentsOf: s.utf8)
        } else {
            out.append(contentsOf: [0xEF, 0xBF, 0xBD])  // never: the tables map scalars to scalars
        }
    }
}
