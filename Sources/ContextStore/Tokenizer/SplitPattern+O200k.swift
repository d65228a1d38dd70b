/// o200k_base split pattern (tiktoken 0.14), alternatives joined by `|`:
///
///     1. [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///     2. [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///     3. \p{N}{1,3}
///     4.  ?[^\s\p{L}\p{N}]+[\r\n/]*
///     5. \s*[\r\n]+
///     6. \s+(?!\S)
///     7. \s+
///
/// Call the two letter classes U ("upper": Lu Lt Lm Lo M) and C ("lower": Ll Lm Lo M);
/// they overlap in Lm, Lo and marks. The optional prefix class P excludes letters but not
/// marks, so a mark can be the prefix *and* a U/C scalar, and the backtracking order
/// below matters.
extension PieceScanner {
    /// End (exclusive) of the piece starting at `i` (`i < count`).
    @inline(__always)
    func nextO200kPieceEnd(from i: Int) -> Int {
        let (c0, l0) = scalar(at: i)
        let canBePrefix = c0 & (ScalarClass.letter | ScalarClass.number | ScalarClass.newline) == 0
        if canBePrefix || c0 & (ScalarClass.upper | ScalarClass.lower) != 0 {
            let end = o200kWordEnd(from: i, firstLength: l0, firstBits: c0, canBePrefix: canBePrefix)
            if end > i { return end }
        }
        // 3. \p{N}{1,3}
        if c0 & ScalarClass.number != 0 { return numberRunEnd(from: i + l0) }
        // 4. ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
        let notOther = ScalarClass.space | ScalarClass.letter | ScalarClass.number
        var runStart = -1
        if c0 & notOther == 0 {
            runStart = i
        } else if base[i] == 0x20, i + 1 < count, scalar(at: i + 1).bits & notOther == 0 {
            runStart = i + 1
        }
        if runStart >= 0 {
            var j = skip(from: runStart, whileNone: notOther)
            while j < count && (base[j] == 0x0A || base[j] == 0x0D || base[j] == UInt8(ascii: "/")) { j += 1 }
            return j
        }
        // 5-7. \s*[\r\n]+ | \s+(?!\S) | \s+   (c0 is whitespace here)
        return whitespacePieceEnd(from: i, toEndFirst: false)
    }

    /// Alternatives 1 and 2 at `i`; returns `i` when neither matches. Tried in the
    /// regex's order: alt 1 with the prefix, alt 1 without, alt 2 with, alt 2 without.
    @inline(__always)
    private func o200kWordEnd(from i: Int, firstLength l0: Int, firstBits c0: UInt8, canBePrefix: Bool) -> Int {
        if canBePrefix {
            if let end = o200kAlternative1(from: i + l0) { return end }
        }
        if c0 & (ScalarClass.upper | ScalarClass.lower) != 0 {
            if let end = o200kAlternative1(from: i) { return end }
        }
        if canBePrefix {
            if let end = o200kAlternative2(from: i + l0) { return end }
        }
        if c0 & ScalarClass.upper != 0 {
            if let end = o200kAlternative2(from: i) { return end }
        }
        return i
    }

    /// `U*C+suffix?` starting at `s`. Greedy U* takes the maximal U run [s, a); C+ must
    /// then start at the largest p <= a with a C scalar at p (U* backtracks one scalar at
    /// a time, and inside the U run only Lm/Lo/M scalars are also C). C+ is greedy and
    /// the suffix optional, so the first such p wins; C+ then runs to the end of the C run.
    @inline(__always)
    private func o200kAlternative1(from s: Int) -> Int? {
        var a = s
        var lastBoth = -1  // start of the last scalar in [s, a) that is both U and C
        while a < count {
            let (c, l) = scalar(at: a)
            if c & ScalarClass.upper == 0 { break }
            if c & ScalarClass.lower != 0 { lastBoth = a }
            a += l
        }
        var p = -1
        if a < count && scalar(at: a).bits & ScalarClass.lower != 0 {
            p = a
        } else if lastBoth >= 0 {
            p = lastBoth
        }
        guard p >= 0 else { return nil }
        let q = skip(from: p, whileAny: ScalarClass.lower)
        return q + o200kSuffixLength(at: q)
    }

    /// `U+C*suffix?` starting at `s`: both quantifiers greedy and nothing after them can
    /// fail, so no backtracking happens once U+ has one scalar.
    @inline(__always)
    private func o200kAlternative2(from s: Int) -> Int? {
        let a = skip(from: s, whileAny: ScalarClass.upper)
        guard a > s else { return nil }
        let q = skip(from: a, whileAny: ScalarClass.lower)
        return q + o200kSuffixLength(at: q)
    }

    /// Length of `(?i:'s|'t|'re|'ve|'m|'ll|'d)` at `q`, or 0.
    @inline(__always)
    private func o200kSuffixLength(at q: Int) -> Int {
        guard q < count, base[q] == UInt8(ascii: "'") else { return 0 }
        return contractionLength(at: q)
    }
}
