// The keyword analyzer: the default search semantics (Docs/FORMAT.md section 3).
//
// The words of a text are exactly what Python 3 gives for
//
//     re.findall(r"\b\w+\b", text.lower())
//
// with the Unicode data of the Python that generated AnalyzerTables.generated.swift
// (see Tools/gen/gen_analyzer_tables.py), not Swift's own Unicode data:
//   * `str.lower()`: full lowercase mappings (U+0130 -> "i\u{307}"), and the
//     context-sensitive final sigma of CPython's handle_capital_sigma: U+03A3 lowers to
//     U+03C2 when preceded by a cased scalar (skipping case-ignorable ones) and not
//     followed by one (skipping case-ignorable ones); otherwise to U+03C3.
//   * a word is a maximal run of scalars (of the lowered text) matched by `\w`:
//     `_` or `ch.isalnum()`. Combining marks are not word scalars and split words.
//
// Words are handed out as UTF-8 bytes and must be compared as bytes: canonically
// equivalent spellings (NFC / NFD) are different words, as in Python.
//
// Implementation: a hand-written scanner over UTF-8. ASCII goes through a 256-entry
// kind table; other scalars through a two-level page table for the BMP and a binary
// search over merged runs for astral planes, both built once, lazily, from the
// generated range tables. A word whose bytes are unchanged by lowercasing is passed
// to the callback as a slice of the input (no copy); otherwise it is built in one
// scratch buffer reused for the whole text.
//
// Files: this one (the entry points), KeywordAnalyzer.Tables.swift (the per-scalar
// lookup, built from the generated tables), KeywordAnalyzer.Scanner.swift (the scanner),
// Keywords.swift (the wrapper the CLI uses).

/// The keyword analyzer: the default search semantics (Docs/FORMAT.md section 3).
enum KeywordAnalyzer {
    /// Calls `body` with the UTF-8 bytes of each lowercased word in order (words may repeat).
    /// The buffer is only valid during the call.
    static func forEachWord(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { forEachWord(inUTF8: $0, body) }
        if done != nil { return }
        var copy = text
        copy.makeContiguousUTF8()
        let again: Void? = copy.utf8.withContiguousStorageIfAvailable { forEachWord(inUTF8: $0, body) }
        if again != nil { return }
        Array(text.utf8).withUnsafeBufferPointer { forEachWord(inUTF8: $0, body) }
    }

    /// Same over raw UTF-8 (assumed valid; invalid input never crashes or reads out of
    /// bounds, but its words are unspecified).
    static func forEachWord(inUTF8 bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var scanner = Scanner(base: base, count: bytes.count, tables: Tables.shared)
        scanner.run(body)
        scanner.release()
    }

    /// Convenience: the words as Strings, in order (duplicates kept).
    static func words(_ text: String) -> [String] {
        var out: [String] = []
        forEachWord(in: text) { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    /// Convenience: the distinct words, as UTF-8 bytes.
    static func wordSet(_ text: String) -> Set<[UInt8]> {
        var out = Set<[UInt8]>()
        forEachWord(in: text) { out.insert(Array($0)) }
        return out
    }
}
