/// A JSON document as a tree, for inputs that are not segments (queries, tests, tools).
/// Numbers keep their text (`lexeme`) so nothing is lost to floating point; objects keep
/// their members in order, duplicates included (RFC 8259 leaves them to the reader).
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    package struct Member: Sendable, Equatable {
        package var key: String
        package var value: JSONValue
        package init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Parses one complete document (strict RFC 8259, a leading BOM skipped, nesting at most
    /// `JSONLimits.maxDepth`, strings at most `JSONLimits.maxStringBytes`); errors carry the
    /// byte offset, line and column, with `name` as the file.
    package static func parse(_ bytes: [UInt8], name: String? = nil) throws(JSONImportError) -> JSONValue {
        var scanner = JSONScanner(bytes: bytes)
        do throws(JSONFault) {
            return try scanner.readDocument()
        } catch {
            let (line, column) = scanner.lineColumn(at: error.offset)
            throw JSONImportError(file: name, byteOffset: error.offset, line: line, column: column,
                                  elementIndex: nil, reason: error.reason)
        }
    }

    /// The value at `key` of an object (the last one if the key is repeated).
    package subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }
}
