/// Cursor over a valid UTF-8 buffer that splits it into pre-tokenizer pieces.
///
/// The two split patterns (`SplitPattern+Cl100k.swift`, `SplitPattern+O200k.swift`) are
/// hand-compiled from tiktoken's regular expressions; this file holds what both share.
/// Positions are byte offsets that always sit on scalar boundaries. The buffer must be
/// valid UTF-8 (a Swift `String` guarantees it), so decoding does no validation.
struct PieceScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    let classes: UnsafePointer<UInt8>

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
        self.classes = ScalarClassTable.shared.bits
    }

    /// Class bits and UTF-8 length of the scalar starting at byte `i` (`i < count`).
    @inline(__always)
    func scalar(at i: Int) -> (bits: UInt8, length: Int) {
        let b0 = base[i]
        if b0 < 0x80 { return (classes[Int(b0)], 1) }
        if b0 < 0xE0 {
            let v = (Int(b0 & 0x1F) << 6) | Int(base[i + 1] & 0x3F)
            return (classes[v], 2)
        }
        if b0 < 0xF0 {
            let v = (Int(b0 & 0x0F) << 12) | (Int(base[i + 1] & 0x3F) << 6) | Int(base[i + 2] & 0x3F)
            return (classes[v], 3)
        }
        let v = (Int(b0 & 0x07) << 18) | (Int(base[i + 1] & 0x3F) << 12)
            | (Int(base[i + 2] & 0x3F) << 6) | Int(base[i + 3] & 0x3F)
        return (v < ScalarClassTable.count ? classes[v] : ScalarClass.compute(UInt32(v)), 4)
    }

    /// `\p{N}{1,3}` (shared by both split patterns): after a first number scalar that
    /// ends at `i`, up to two more number scalars.
    @inline(__always)
    func numberRunEnd(from i: Int) -> Int {
        var j = i
        for _ in 0..<2 {
            guard j < count else { break }
            let (c, l) = scalar(at: j)
            if c & ScalarClass.number == 0 { break }
            j += l
        }
        return j
    }

    /// End of the longest run starting at `i` of scalars having any bit of `mask`.
    @inline(__always)
    func skip(from i: Int, whileAny mask: UInt8) -> Int {
        var j = i
        while j < count {
            let b = base[j]
            if b < 0x80 {
                if classes[Int(b)] & mask == 0 { break }
                j += 1
            } else {
                let s = scalar(at: j)
                if s.bits & mask == 0 { break }
                j += s.length
            }
        }
        return j
    }

    /// End of the longest run starting at `i` of scalars having none of the bits of `mask`.
    @inline(__always)
    func skip(from i: Int, whileNone mask: UInt8) -> Int {
        var j = i
        while j < count {
            let b = base[j]
            if b < 0x80 {
                if classes[Int(b)] & mask != 0 { break }
                j += 1
            } else {
                let s = scalar(at: j)
                if s.bits & mask != 0 { break }
                j += s.length
            }
        }
        return j
    }

    /// Whitespace alternatives shared by both patterns, for a whitespace scalar at `i`
    /// that no earlier alternative took. Scans the whole run [i, j) once and returns:
    /// - `j` if `toEndFirst` (cl100k's `\s++$`) and the run reaches the end of the text;
    /// - just past the run's last \r or \n (`\s*[\r\n]`, o200k `\s*[\r\n]+`: greedy `\s*`
    ///   backtracks to the last newline, and no newline follows it inside the run);
    /// - `j` if the run reaches the end (`\s+(?!\S)` at end of text);
    /// - the start of the run's last scalar if the run has two or more (`\s+(?!\S)`
    ///   gives back one scalar so a non-space follows);
    /// - otherwise `j`, a single whitespace scalar (`\s` / `\s+`).
    @inline(__always)
    func whitespacePieceEnd(from i: Int, toEndFirst: Bool) -> Int {
        var j = i
        var afterLastNewline = -1
        var lastStart = i
        while j < count {
            let b = base[j]
            if b == 0x0A || b == 0x0D {
                lastStart = j
                j += 1
                afterLastNewline = j
                continue
            }
            let s = scalar(at: j)
            if s.bits & ScalarClass.space == 0 { break }
            lastStart = j
            j += s.length
        }
        if j == count && toEndFirst { return j }
        if afterLastNewline >= 0 { return afterLastNewline }
        if j == count { return j }
        if lastStart > i { return lastStart }
        return j
    }

    /// Length of a contraction at `i` (which holds an apostrophe) matching
    /// `'(?i:s|t|re|ve|m|ll|d)`, or 0. Case-insensitive as Rust's regex crate does it:
    /// Unicode simple case folding, so `s` also matches U+017F LATIN SMALL LETTER LONG S.
    @inline(__always)
    func contractionLength(at i: Int) -> Int {
        guard i + 1 < count else { return 0 }
        let c1 = base[i + 1]
        switch c1 | 0x20 {  // ASCII lowercase (only trusted when c1 is an ASCII letter)
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return c1 >= 0x41 && c1 <= 0x7A ? 2 : 0
        case UInt8(ascii: "l"), UInt8(ascii: "v"), UInt8(ascii: "r"):
            guard c1 >= 0x41 && c1 <= 0x7A, i + 2 < count else { return 0 }
            let c2 = base[i + 2] | 0x20
            let want: UInt8 = (c1 | 0x20) == UInt8(ascii: "l") ? UInt8(ascii: "l") : UInt8(ascii: "e")
            return c2 == want && base[i + 2] >= 0x41 ? 3 : 0
        default:
            if c1 == 0xC5 && i + 2 < count && base[i + 2] == 0xBF { return 3 }  // ſ (U+017F)
            return 0
        }
    }
}
