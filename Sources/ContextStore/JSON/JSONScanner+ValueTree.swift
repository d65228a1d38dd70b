// The second reader on the scanner: any JSON document into a `JSONValue` tree (queries,
// tests, tools). Iterative, like `skipValue`: the open containers live in an array, so
// nesting costs heap, not stack, and is bounded by `maxDepth`.

extension JSONScanner {
    /// One whole document: BOM, value, then nothing but whitespace.
    mutating func readDocument() throws(JSONFault) -> JSONValue {
        if try peekByte() == 0xEF {
            _ = try ensure(3)
            if end - pos >= 3, buf[pos + 1] == 0xBB, buf[pos + 2] == 0xBF { pos += 3 }
        }
        let v = try readValueTree(depth: 1)
        if try peekNonWhitespace() != nil { throw fault(.trailingData) }
        return v
    }

    /// Reads the value at `pos` into a tree, without recursion.
    mutating func readValueTree(depth: Int) throws(JSONFault) -> JSONValue {
        enum Partial {
            case array([JSONValue])
            case object([JSONValue.Member], key: String)
        }
        var stack: [Partial] = []
        var needValue = true
        while true {
            var value: JSONValue
            if needValue {
                guard let b = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                switch b {
                case 0x7B, 0x5B:
                    if depth + stack.count > maxDepth { throw fault(.depthLimit(maxDepth)) }
                    pos += 1
                    guard let c = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                    if b == 0x7B {
                        if c == 0x7D {
                            pos += 1
                            value = .object([])
                        } else {
                            stack.append(.object([], key: try readKey(c)))
                            continue
                        }
                    } else {
                        if c == 0x5D {
                            pos += 1
                            value = .array([])
                        } else {
                            stack.append(.array([]))
                            continue
                        }
                    }
                case 0x22:
                    value = .string(try readStringValue())
                case 0x2D, 0x30...0x39:
                    var lexeme: [UInt8] = []
                    _ = try readNumber(lexeme: &lexeme)
                    value = .number(String(decoding: lexeme, as: UTF8.self))
                default:
                    switch try readLiteral() {
                    case .true: value = .bool(true)
                    case .false: value = .bool(false)
                    case .null: value = .null
                    }
                }
            } else {
                guard let top = stack.last else { preconditionFailure() }
                guard let b = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                switch (top, b) {
                case (.array, 0x2C):
                    pos += 1
                    needValue = true
                    continue
                case (.object(let members, _), 0x2C):
                    pos += 1
                    guard let c = try peekNonWhitespace() else { throw fault(.unexpectedEnd) }
                    stack[stack.count - 1] = .object(members, key: try readKey(c))
                    needValue = true
                    continue
                case (.array(let items), 0x5D):
                    pos += 1
                    stack.removeLast()
                    value = .array(items)
                case (.object(let members, _), 0x7D):
                    pos += 1
                    stack.removeLast()
                    value = .object(members)
                case (.array, _):
                    throw unexpected(b, expected: "',' or ']'")
                case (.object, _):
                    throw unexpected(b, expected: "',' or '}'")
                }
            }
            // Deliver `value` to its container (or return it).
            guard let top = stack.popLast() else { return value }
            switch top {
            case .array(var items):
                items.append(value)
                stack.append(.array(items))
            case .object(var members, let key):
                members.append(JSONValue.Member(key: key, value: value))
                stack.append(.object(members, key: ""))
            }
            needValue = false
        }
    }

    /// A key at `pos` (whose first byte is `c`) and the colon after it.
    private mutating func readKey(_ c: UInt8) throws(JSONFault) -> String {
        guard c == 0x22 else { throw unexpected(c, expected: "a key string") }
        let k = try readStringValue()
        try expect(0x3A, "':'")
        return k
    }
}
