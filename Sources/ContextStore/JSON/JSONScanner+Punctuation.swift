// The structural bytes between values (`:`, `,`, `]`) and the errors for a byte that is
// not what the grammar wants at `pos`.

extension JSONScanner {
    /// Skips whitespace and consumes `byte`, or throws a syntax error naming `what`.
    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: StaticString) throws(JSONFault) {
        guard let b = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
        guard b == byte else { throw unexpected(b, expected: what) }
        pos += 1
    }

    /// Steps to the next element of an array whose `[` is consumed (past a `,` unless it
    /// is the `first`). Returns the element's first byte, not consumed, or nil after
    /// consuming the closing `]`; the caller checks that the byte starts what it expects
    /// (so `[1,]` fails there, at the `]`).
    mutating func nextArrayElement(first: Bool) throws(JSONFault) -> UInt8? {
        guard let b = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
        if b == 0x5D {
            pos += 1
            return nil
        }
        if first { return b }
        guard b == 0x2C else { throw unexpected(b, expected: "',' or ']'") }
        pos += 1
        guard let c = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
        return c
    }

    /// The error for byte `b` at `pos` where `expected` should be.
    func unexpected(_ b: UInt8, expected: StaticString) -> JSONFault {
        switch b {
        case 0x2F: return fault(.syntax("expected \(expected), found a comment (JSON has none)"))
        case 0x27: return fault(.syntax("expected \(expected), found a single quote (JSON strings use \")"))
        case 0x20...0x7E:
            return fault(.syntax("expected \(expected), found '\(Character(Unicode.Scalar(b)))'"))
        default:
            return fault(.syntax("expected \(expected), found byte 0x\(jsonHex2(b))"))
        }
    }

    /// The error for byte `b` at `pos` where a value should start.
    func notAValue(_ b: UInt8) -> JSONFault {
        switch b {
        case 0x4E: fault(.nonFiniteNumber("NaN"))
        case 0x49: fault(.nonFiniteNumber("Infinity"))
        default: unexpected(b, expected: "a value")
        }
    }

    /// Whether `b` can start a JSON value.
    static func startsValue(_ b: UInt8) -> Bool {
        switch b {
        case 0x22, 0x7B, 0x5B, 0x2D, 0x30...0x39, 0x74, 0x66, 0x6E: true
        default: false
        }
    }
}
