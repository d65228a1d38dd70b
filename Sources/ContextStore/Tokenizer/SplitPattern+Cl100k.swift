/// cl100k_base split pattern (tiktoken 0.14, `tiktoken_ext/openai_public.py`):
///
///     '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|
///      ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
///
/// Alternatives are tried in order at each position (leftmost-first, Perl semantics).
/// Every scalar is matched by some alternative, so the pieces tile the text.
extension PieceScanner {
    /// End (exclusive) of the piece starting at `i` (`i < count`).
    @inline(__always)
    func nextCl100kPieceEnd(from i: Int) -> Int {
        let b = base[i]
        // 1. '(?i:[sdmt]|ll|ve|re)
        if b == UInt8(ascii: "'") {
            let n = contractionLength(at: i)
            if n > 0 { return i + n }
        }
        let (c0, l0) = scalar(at: i)
        // 2. [^\r\n\p{L}\p{N}]?+\p{L}++ : letters, optionally after one scalar that is not
        //    \r, \n, a letter or a number. (The optional scalar can never be a letter, so
        //    possessiveness changes nothing.)
        if c0 & ScalarClass.letter != 0 {
            return skip(from: i + l0, whileAny: ScalarClass.letter)
        }
        if c0 & (ScalarClass.number | ScalarClass.newline) == 0, i + l0 < count {
            let (c1, l1) = scalar(at: i + l0)
            if c1 & ScalarClass.letter != 0 {
                return skip(from: i + l0 + l1, whileAny: ScalarClass.letter)
            }
        }
        // 3. \p{N}{1,3}+
        if c0 & ScalarClass.number != 0 { return numberRunEnd(from: i + l0) }
        // 4. ' ?[^\s\p{L}\p{N}]++[\r\n]*+' : punctuation run, optionally after one space,
        //    followed by any \r\n run.
        let notOther = ScalarClass.space | ScalarClass.letter | ScalarClass.number
        var runStart = -1
        if c0 & notOther == 0 {
            runStart = i
        } else if b == 0x20, i + 1 < count, scalar(at: i + 1).bits & notOther == 0 {
            runStart = i + 1
        }
        if runStart >= 0 {
            var j = skip(from: runStart, whileNone: notOther)
            while j < count && (base[j] == 0x0A || base[j] == 0x0D) { j += 1 }
            return j
        }
        // 5-8. \s++$ | \s*[\r\n] | \s+(?!\S) | \s   (c0 is whitespace here)
        return whitespacePieceEnd(from: i, toEndFirst: true)
    }
}
