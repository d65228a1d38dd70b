// Backslash escapes inside strings, decoded into `scratch`: the simple ones, `\uXXXX`,
// surrogate pairs, and lone surrogates (read as U+FFFD and counted).

extension JSONScanner {
    /// Appends scalar `v` to `scratch` as UTF-8 (1 to 4 bytes).
    private mutating func appendScratchScalar(_ v: UInt32) throws(JSONFault) {
        var tmp: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let n: Int
        switch v {
        case 0..<0x80:
            tmp.0 = UInt8(v); n = 1
        case 0x80..<0x800:
            tmp.0 = UInt8(0xC0 | (v >> 6)); tmp.1 = UInt8(0x80 | (v & 0x3F)); n = 2
        case 0x800..<0x10000:
            tmp.0 = UInt8(0xE0 | (v >> 12)); tmp.1 = UInt8(0x80 | ((v >> 6) & 0x3F))
            tmp.2 = UInt8(0x80 | (v & 0x3F)); n = 3
        default:
            tmp.0 = UInt8(0xF0 | (v >> 18)); tmp.1 = UInt8(0x80 | ((v >> 12) & 0x3F))
            tmp.2 = UInt8(0x80 | ((v >> 6) & 0x3F)); tmp.3 = UInt8(0x80 | (v & 0x3F)); n = 4
        }
        try withUnsafeBytes(of: &tmp) { (raw) throws(JSONFault) in
            try appendScratch(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), n)
        }
    }

    /// Decodes the escape at `pos` (a backslash) into `scratch`.
    mutating func readEscape() throws(JSONFault) {
        guard try ensure(2) else { throw fault(.unexpectedEnd, at: base + end) }
        let c = buf[pos + 1]
        let simple: UInt8
        switch c {
        case 0x22: simple = 0x22
        case 0x5C: simple = 0x5C
        case 0x2F: simple = 0x2F
        case 0x62: simple = 0x08
        case 0x66: simple = 0x0C
        case 0x6E: simple = 0x0A
        case 0x72: simple = 0x0D
        case 0x74: simple = 0x09
        case 0x75:
            try readUnicodeEscape()
            return
        default:
            if c >= 0x20 && c < 0x7F {
                throw fault(.invalidEscape("\\" + String(Character(Unicode.Scalar(c)))))
            }
            throw fault(.invalidEscape("\\ followed by byte 0x\(jsonHex2(c))"))
        }
        var s = simple
        try appendScratch(&s, 1)
        pos += 2
    }

    /// Four hex digits at `buf[at ..< at + 4]`, or nil.
    private func jsonHex4(at: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = buf[at + k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// Decodes `\uXXXX` at `pos` (its backslash) into `scratch`. A high surrogate followed
    /// by a `\u` low surrogate is one scalar. A surrogate without its partner (a lone low
    /// one, or a high one not followed by a low one) is what Python's `json` reads and writes
    /// but no Unicode scalar: it becomes U+FFFD and is counted in `replacedSurrogates`, and
    /// whatever follows it is decoded on its own (`\ud800\u0041` is U+FFFD then `A`).
    private mutating func readUnicodeEscape() throws(JSONFault) {
        guard try ensure(6) else {
            throw fault(.unexpectedEnd, at: base + end)
        }
        guard let u = jsonHex4(at: pos + 2) else {
            throw fault(.invalidEscape("\\u needs four hex digits"))
        }
        if u >= 0xD800 && u <= 0xDBFF {
            if try !ensure(12) {
                // The input ends within 12 bytes: cut inside the low half (a truncated
                // file, not a lone surrogate), or no low half.
                var k = pos + 6
                var cut = true
                while k < end {
                    let c = buf[k]
                    let ok = k == pos + 6 ? c == 0x5C : k == pos + 7 ? c == 0x75
                        : (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66)
                    if !ok { cut = false; break }
                    k += 1
                }
                if cut { throw fault(.unexpectedEnd, at: base + end) }
            }
            if end - pos >= 12, buf[pos + 6] == 0x5C, buf[pos + 7] == 0x75,
               let low = jsonHex4(at: pos + 8), low >= 0xDC00, low <= 0xDFFF {
                try appendScratchScalar(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))
                pos += 12
                return
            }
        }
        if u >= 0xD800 && u <= 0xDFFF {
            replacedSurrogates += 1
            try appendScratchScalar(0xFFFD)
        } else {
            try appendScratchScalar(u)
        }
        pos += 6
    }
}
