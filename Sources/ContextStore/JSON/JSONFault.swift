/// A problem found by the scanner: the reason and the absolute byte offset. The file
/// reader turns it into a `JSONImportError` with line, column and element index.
struct JSONFault: Error {
    var reason: JSONImportError.Reason
    var offset: Int
}

private let hexDigits: [Character] = Array("0123456789abcdef")

/// `b` as two lowercase hex digits, for the messages of faults that name a byte
/// (`found byte 0x1f`, `raw control character 0x0a`).
func jsonHex2(_ b: UInt8) -> String {
    String([hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]])
}
