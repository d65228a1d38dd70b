// The sub-word analyzer of `any`-mode search (SPEC.md, "Analyzer versions"): the parts of
// code identifiers, indexed beside the keyword analyzer's whole words.
//
// An identifier is a maximal run of ASCII letters, digits and `_`, and of non-ASCII bytes
// (taken as lowercase letters: they never start a part). It splits
//   * at `_` (dropped): `mmap_region` -> mmap, region; `__init__` -> init
//   * before an upper-case letter that follows a lowercase one: `parseHeader` -> parse, header
//   * before the last of a run of capitals followed by a lowercase letter:
//     `HTTPHeader` -> http, header
//   * between letters and digits: `sha256` -> sha, 256
// Dots, slashes and every other character end an identifier, so `src/io/file.c` is already
// four whole words (src, io, file, c) for the keyword analyzer.
//
// An identifier yields its parts only when they differ from the identifier itself (two or
// more parts, or one part that lost an `_`); each part is lowercased by the keyword
// analyzer (which may split a non-ASCII part further), so a query word, analyzed by it,
// compares byte for byte. Parts repeat as often as they occur (they have frequencies).
//
// Changing these rules changes what index files hold: bump `version` (the index files
// record it, and files of another version are rebuilt by compaction).

/// Splits code identifiers into their parts (see the rules above).
enum SubwordSplitter {
    /// The analyzer version index files record (SPEC.md, "Analyzer versions"): 0 is the
    /// keyword analyzer alone (index format 1), 1 adds these parts and field words.
    static let version: UInt16 = 1

    private enum Kind: UInt8 { case other = 0, underscore, lower, upper, digit }

    private static let kinds: [Kind] = (0..<256).map { b in
        switch UInt8(b) {
        case UInt8(ascii: "_"): .underscore
        case UInt8(ascii: "a")...UInt8(ascii: "z"), 0x80...0xFF: .lower
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): .upper
        case UInt8(ascii: "0")...UInt8(ascii: "9"): .digit
        default: .other
        }
    }

    /// Calls `body` with each part (lowercased UTF-8, valid only during the call) of each
    /// identifier of `text` that splits, in order.
    static func forEachPart(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        text.withUTF8 { forEachPart(inUTF8: $0, body) }
    }

    /// The same over UTF-8 bytes.
    static func forEachPart(inUTF8 bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let p = bytes.baseAddress else { return }
        let n = bytes.count
        var scratch = [UInt8](repeating: 0, count: 64)
        var parts: [(Int, Int)] = []
        kinds.withUnsafeBufferPointer { kind in
            var i = 0
            while i < n {
                guard kind[Int(p[i])] != .other else { i += 1; continue }
                let start = i
                while i < n && kind[Int(p[i])] != .other { i += 1 }
                split(p, start, i, kind, into: &parts)
                if parts.count >= 2 || (parts.count == 1 && (parts[0].0 != start || parts[0].1 != i)) {
                    for (a, b) in parts { emit(p, a, b, kind, &scratch, body) }
                }
            }
        }
    }

    /// The parts of `text`'s identifiers as Strings, in order (repeats kept).
    static func parts(_ text: String) -> [String] {
        var out: [String] = []
        forEachPart(in: text) { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    /// Part boundaries of the identifier `p[start..<end]`.
    private static func split(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ kind: UnsafeBufferPointer<Kind>,
                              into parts: inout [(Int, Int)]) {
        parts.removeAll(keepingCapacity: true)
        var partStart = -1
        var i = start
        while i < end {
            let k = kind[Int(p[i])]
            if k == .underscore {
                if partStart >= 0 { parts.append((partStart, i)); partStart = -1 }
                i += 1
                continue
            }
            if partStart >= 0 {
                let prev = kind[Int(p[i - 1])]
                var boundary = false
                switch (prev, k) {
                case (.lower, .upper): boundary = true
                case (.upper, .upper):
                    boundary = i + 1 < end && kind[Int(p[i + 1])] == .lower && p[i + 1] < 0x80
                case (.digit, .lower), (.digit, .upper), (.lower, .digit), (.upper, .digit): boundary = true
                default: break
                }
                if boundary { parts.append((partStart, i)); partStart = i }
            } else {
                partStart = i
            }
            i += 1
        }
        if partStart >= 0 { parts.append((partStart, end)) }
    }

    private static func emit(_ p: UnsafePointer<UInt8>, _ a: Int, _ b: Int, _ kind: UnsafeBufferPointer<Kind>,
                             _ scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var ascii = true
        for j in a..<b where p[j] >= 0x80 { ascii = false; break }
        if ascii {
            if scratch.count < b - a { scratch = [UInt8](repeating: 0, count: b - a) }
            scratch.withUnsafeMutableBufferPointer { s in
                for j in a..<b { let c = p[j]; s[j - a] = kind[Int(c)] == .upper ? c | 0x20 : c }
                body(UnsafeBufferPointer(rebasing: s[0..<(b - a)]))
            }
        } else {
            KeywordAnalyzer.forEachWord(inUTF8: UnsafeBufferPointer(start: p + a, count: b - a), body)
        }
    }
}
