// Which of a query's terms a text matches, and where: the reported `matchedWords` of a hit
// and the highlights of its snippets.
//
// A word of the text (a keyword-analyzer word) matches a term when it equals the term's
// bytes, or starts with them for a prefix term (`mmap*`). In `any` mode (`matchParts`) a word
// also matches through the identifier it is part of: when one of the identifier's sub-word
// parts (SubwordSplitter) equals the term (starts with it, for a prefix), so `region` finds
// `mmap_region`; and a word whose own bytes, or one of whose identifier's parts, equal one of
// the query's own parts (`parseHTTPHeader` asks for parse, http, header) is highlighted too,
// without counting as a match of any reported term.
//
// Comparisons are byte for byte on the analyzer's lowercased UTF-8, as the index compares:
// "e\u{301}tude" (NFD) never matches "\u{E9}tude" (NFC).

/// Matches a query's terms against texts and lines (see above).
///
/// Invariants: `matchedTerms` is ascending and without repeats; the ranges of `highlights`
/// are within the line, ascending, not empty, neither overlapping nor touching (neighbours
/// are merged), and start and end on Character boundaries of the line.
struct WordMatcher: Sendable {
    /// The query's terms; results index into this array.
    let terms: [QueryTerms.Term]
    /// Whether identifiers' parts and the query's parts match (`any` mode).
    let matchParts: Bool
    /// Exact (non-prefix) terms: bytes -> index in `terms`.
    private let exact: [[UInt8]: Int]
    /// Prefix terms, with their index in `terms`.
    private let prefixes: [(bytes: [UInt8], index: Int)]
    /// The query's parts (only used with `matchParts`).
    private let queryParts: Set<[UInt8]>

    /// A matcher for `query`; `matchParts` is true for `any`-mode search. Cost: O(terms).
    init(_ query: QueryTerms, matchParts: Bool) {
        terms = query.terms
        self.matchParts = matchParts
        var exact: [[UInt8]: Int] = [:]
        var prefixes: [(bytes: [UInt8], index: Int)] = []
        for (i, t) in query.terms.enumerated() {
            if t.isPrefix { prefixes.append((t.bytes, i)) } else if exact[t.bytes] == nil { exact[t.bytes] = i }
        }
        self.exact = exact
        self.prefixes = prefixes
        queryParts = Set(query.parts)
    }

    /// Indices into `terms` (ascending) of the terms matched by a word of `text` or of any
    /// of `fields` (file_path, tags), or, with `matchParts`, by a part of their identifiers.
    /// Cost: one analyzer pass (and one splitter pass) over each string.
    func matchedTerms(text: String, fields: [String]) -> [Int] {
        var hit = [Bool](repeating: false, count: terms.count)
        for s in CollectionOfOne(text) + fields {
            KeywordAnalyzer.forEachWord(in: s) { mark($0, &hit) }
            if matchParts { SubwordSplitter.forEachPart(in: s) { mark($0, &hit) } }
        }
        return hit.indices.filter { hit[$0] }
    }

    /// The byte ranges (UTF-8 offsets into `line`) of the line's matching words, each widened
    /// to whole Characters and merged with its neighbours when they overlap or touch; and the
    /// terms (indices into `terms`) those words match. A word matched through a part of its
    /// identifier is highlighted whole (`mmap_region` for `region`). Cost: one pass over the
    /// line's scalars, and one over its Characters when something matched.
    func highlights(line: String) -> (ranges: [Range<Int>], terms: Set<Int>) {
        var spans: [Range<Int>] = []
        var matched = Set<Int>()
        var hit = [Bool](repeating: false, count: terms.count)
        var identifiers = IdentifierParts(line: line, enabled: matchParts)
        WordSpanScanner.forEachWord(in: line) { word, span in
            for i in hit.indices { hit[i] = false }
            var matches = word.withUnsafeBufferPointer { mark($0, &hit) }
            if matchParts {
                if queryParts.contains(word) { matches = true }
                if let parts = identifiers.parts(containing: span.lowerBound) {
                    for p in parts {
                        if p.withUnsafeBufferPointer({ mark($0, &hit) }) || queryParts.contains(p) { matches = true }
                    }
                }
            }
            guard matches else { return }
            for i in hit.indices where hit[i] { matched.insert(i) }
            spans.append(span)
        }
        return (Self.widenAndMerge(spans, in: line), matched)
    }

    /// Sets `hit[t]` for each term `word` matches; returns whether any did.
    @discardableResult
    private func mark(_ word: UnsafeBufferPointer<UInt8>, _ hit: inout [Bool]) -> Bool {
        var any = false
        if !exact.isEmpty, let i = exact[Array(word)] {
            hit[i] = true
            any = true
        }
        for (bytes, i) in prefixes where word.count >= bytes.count && word.starts(with: bytes) {
            hit[i] = true
            any = true
        }
        return any
    }

    /// Widens each span (ascending lower bounds) to the Characters it touches, then merges
    /// overlapping or touching ones.
    private static func widenAndMerge(_ spans: [Range<Int>], in line: String) -> [Range<Int>] {
        guard !spans.isEmpty else { return [] }
        var bounds: [Int] = [0]  // UTF-8 offsets of the line's Character boundaries, ascending
        var offset = 0
        for ch in line {
            offset += ch.utf8.count
            bounds.append(offset)
        }
        /// Index of the last boundary <= `x`.
        func floorIndex(_ x: Int) -> Int {
            var lo = 0, hi = bounds.count  // bounds[lo] <= x < bounds[hi]
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if bounds[mid] <= x { lo = mid } else { hi = mid }
            }
            return lo
        }
        var out: [Range<Int>] = []
        for s in spans {
            let lo = bounds[floorIndex(s.lowerBound)]
            let f = floorIndex(s.upperBound)
            let hi = bounds[f] == s.upperBound ? s.upperBound : bounds[f + 1]
            if let last = out.last, lo <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, hi)
            } else {
                out.append(lo..<hi)
            }
        }
        return out
    }
}

/// The identifiers of one line (SubwordSplitter's: maximal runs of ASCII letters, digits and
/// `_` and of non-ASCII bytes) and their parts, split on first use. Queried with ascending
/// offsets only (the words of the line, in order).
private struct IdentifierParts {
    private let bytes: [UInt8]
    private var next = 0  // where the scan for the next identifier resumes
    private var current: (range: Range<Int>, parts: [[UInt8]])?

    init(line: String, enabled: Bool) {
        bytes = enabled ? Array(line.utf8) : []
    }

    /// The parts of the identifier holding byte `offset` (none when it does not split; nil
    /// when no identifier holds it, which never happens for a word's first byte).
    mutating func parts(containing offset: Int) -> [[UInt8]]? {
        if let c = current, c.range.contains(offset) { return c.parts }
        while next < bytes.count {
            var i = next
            while i < bytes.count && !Self.isIdentifierByte(bytes[i]) { i += 1 }
            let start = i
            while i < bytes.count && Self.isIdentifierByte(bytes[i]) { i += 1 }
            next = i
            guard start < i, i > offset else { continue }
            var parts: [[UInt8]] = []
            bytes.withUnsafeBufferPointer { all in
                SubwordSplitter.forEachPart(inUTF8: UnsafeBufferPointer(rebasing: all[start..<i])) { parts.append(Array($0)) }
            }
            current = (start..<i, parts)
            return start <= offset ? parts : nil
        }
        return nil
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        b >= 0x80 || b == UInt8(ascii: "_") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z"))
    }
}
