#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The literals `true`, `false` and `null`.

extension JSONScanner {
    /// Reads `true`, `false` or `null` at `pos`; returns which (true, false, nil as .none).
    enum Literal { case `true`, `false`, null }

    mutating func readLiteral() throws(JSONFault) -> Literal {
        let b = buf[pos]
        let word: StaticString
        let lit: Literal
        switch b {
        case 0x74: word = "true"; lit = .true
        case 0x66: word = "false"; lit = .false
        case 0x6E: word = "null"; lit = .null
        default: throw notAValue(b)
        }
        let n = word.utf8CodeUnitCount
        let have = try ensure(n)
        let avail = min(n, end - pos)
        if memcmp(buf + pos, word.utf8Start, avail) != 0 {
            throw fault(.syntax("invalid literal (expected \(word))"))
        }
        if !have { throw fault(.unexpectedEnd, at: base + end) }
        pos += n
        return lit
    }
}
