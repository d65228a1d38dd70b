// Skipping a whole value without building it (a legacy file's `indexes`), checked as
// strictly as a value that is read.

extension JSONScanner {
    /// Skips the value at `pos` (after whitespace), checking it fully. `depth` is the depth
    /// the value has (1 for a top-level value); containers deeper than `maxDepth` are refused.
    /// Iterative: the nesting lives in a bit stack, not on the call stack.
    mutating func skipValue(depth: Int) throws(JSONFault) {
        // Bit k of `kinds` words: 1 = object, 0 = array, for container k (0-based).
        var kinds = [UInt64](repeating: 0, count: (maxDepth + 64) / 64 + 1)
        var open = 0
        var needValue = true
        while true {
            if needValue {
                guard let b = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                switch b {
                case 0x7B, 0x5B:
                    if depth + open > maxDepth { throw fault(.depthLimit(maxDepth)) }
                    let isObject = b == 0x7B
                    if isObject { kinds[open >> 6] |= 1 << UInt64(open & 63) } else { kinds[open >> 6] &= ~(1 << UInt64(open & 63)) }
                    open += 1
                    pos += 1
                    guard let c = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                    if c == (isObject ? 0x7D : 0x5D) {
                        pos += 1
                        open -= 1
                        needValue = false
                    } else if isObject {
                        try skipKeyAndColon(c)
                    }
                    continue
                case 0x22:
                    try skipString()
                case 0x2D, 0x30...0x39:
                    _ = try readNumber()
                default:
                    _ = try readLiteral()
                }
                needValue = false
            }
            if open == 0 { return }
            let isObject = kinds[(open - 1) >> 6] & (1 << UInt64((open - 1) & 63)) != 0
            guard let b = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
            if b == 0x2C {
                pos += 1
                if isObject {
                    guard let c = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                    try skipKeyAndColon(c)
                }
                needValue = true
            } else if b == (isObject ? 0x7D : 0x5D) {
                pos += 1
                open -= 1
            } else {
                throw unexpected(b, expected: isObject ? "',' or '}'" : "',' or ']'")
            }
        }
    }

    private mutating func skipKeyAndColon(_ c: UInt8) throws(JSONFault) {
        guard c == 0x22 else { throw unexpected(c, expected: "a key string") }
        try skipString()
        try expect(0x3A, "':'")
    }
}
