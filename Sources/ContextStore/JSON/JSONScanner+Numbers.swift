// Numbers (RFC 8259 grammar), checked as they are read, with their value when it is an
// integer that fits Int64 and, on request, their exact text.

extension JSONScanner {
    struct Number {
        /// No fraction and no exponent.
        var isInteger: Bool
        /// The value when an integer within Int64.
        var int64: Int64?
    }

    /// Reads a number at `pos` (RFC 8259 grammar). With `lexeme`, appends its bytes there.
    mutating func readNumber(lexeme: UnsafeMutablePointer<[UInt8]>? = nil) throws(JSONFault) -> Number {
        let startOffset = base + pos
        var negative = false
        var b = try peekByte()
        @inline(__always) func take(_ c: UInt8) {
            lexeme?.pointee.append(c)
            pos += 1
        }
        if b == 0x2D {
            negative = true
            take(0x2D)
            b = try peekByte()
        }
        guard let first = b, first >= 0x30, first <= 0x39 else {
            if b == 0x49 { throw fault(.nonFiniteNumber("-Infinity"), at: startOffset) }
            if b == nil { throw fault(.unexpectedEnd) }
            throw unexpected(b!, expected: "a digit")
        }
        var value: Int64 = 0
        var overflow = false
        take(first)
        value = negative ? -Int64(first - 0x30) : Int64(first - 0x30)
        if first != 0x30 {
            while let d = try peekByte(), d >= 0x30, d <= 0x39 {
                take(d)
                if !overflow {
                    let (m, o1) = value.multipliedReportingOverflow(by: 10)
                    let (r, o2) = negative ? m.subtractingReportingOverflow(Int64(d - 0x30))
                                           : m.addingReportingOverflow(Int64(d - 0x30))
                    if o1 || o2 { overflow = true } else { value = r }
                }
            }
        }
        var isInteger = true
        if try peekByte() == 0x2E {
            isInteger = false
            take(0x2E)
            try digits(lexeme)
        }
        if let e = try peekByte(), e == 0x65 || e == 0x45 {
            isInteger = false
            take(e)
            if let s = try peekByte(), s == 0x2B || s == 0x2D { take(s) }
            try digits(lexeme)
        }
        return Number(isInteger: isInteger, int64: isInteger && !overflow ? value : nil)
    }

    private mutating func digits(_ lexeme: UnsafeMutablePointer<[UInt8]>?) throws(JSONFault) {
        var count = 0
        while let d = try peekByte(), d >= 0x30, d <= 0x39 {
            lexeme?.pointee.append(d)
            pos += 1
            count += 1
        }
        if count == 0 {
            guard let b = try peekByte() else { throw fault(.unexpectedEnd) }
            throw unexpected(b, expected: "a digit")
        }
    }
}
