#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte level of the JSON reader: a window over the input, refilled in chunks, and the
/// lexical pieces of RFC 8259 (whitespace, strings with escapes and UTF-8 validation,
/// numbers, literals) plus a bounded, non-recursive skip of any value.
///
/// Buffer layout (`0 <= pos <= end <= capacity`):
///
///     buf[0 ..< pos]       consumed; discarded (and counted for lines) on the next refill
///     buf[pos ..< end]     read, not yet consumed
///     buf[end ..< capacity] free
///
/// `base` is the absolute offset of `buf[0]` in the input. A refill moves the unconsumed
/// bytes (never more than a few: a cut escape or UTF-8 sequence) to the front and reads up
/// to `readSize` bytes with `read(2)` (or copies them from the in-memory input), so the
/// memory used is one chunk plus the longest string (`JSONLimits.maxStringBytes`) at most.
///
/// Strings are returned as `UnsafeBufferPointer`s that point into the window (no escape, not
/// cut by a refill: the common case, no copy) or into `scratch`; either is valid only until
/// the next call on the scanner.
///
/// Line and column are not counted per byte: a refill counts the newlines of the part it
/// discards (eight bytes at a time), and the position of an error is worked out from there.
/// Two marks (the current segment's `{` and the current key) are resolved when the part
/// holding them is discarded, so errors can point back at them.
struct JSONScanner: ~Copyable {
    private(set) var buf: UnsafeMutablePointer<UInt8>
    let capacity: Int
    let readSize: Int
    var pos = 0
    var end = 0
    /// Absolute offset of `buf[0]`.
    private(set) var base = 0
    private var atEOF = false

    private let fd: Int32
    private let ownsFD: Bool
    private let memory: [UInt8]
    private var memoryCursor = 0

    /// Line (1-based) and column (scalars before, 0-based) of `buf[0]`.
    private var lineBase = 1
    private var columnBase = 0
    /// Newlines skipped as whitespace so far (NDJSON uses it to find records spanning lines).
    private(set) var whitespaceNewlines = 0

    struct Mark {
        var offset = -1
        var line = 0
        var column = 0
    }
    /// Offset of the current segment's `{` / current key's `"`, resolved to line and column
    /// when discarded.
    private(set) var segmentMark = Mark()
    private(set) var keyMark = Mark()

    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity: Int
    private var scratchCount = 0
    let maxStringBytes: Int
    let maxDepth: Int
    /// Lone surrogate escapes read so far, each decoded as U+FFFD (see `readUnicodeEscape`).
    /// Only grows; callers count a part of the input as the difference across it.
    private(set) var replacedSurrogates = 0

    /// Reads from `fd` (closing it at the end when `ownsFD`).
    init(fd: Int32, ownsFD: Bool, readSize: Int = 1 << 20,
         maxStringBytes: Int = JSONLimits.maxStringBytes, maxDepth: Int = JSONLimits.maxDepth) {
        self.init(fd: fd, ownsFD: ownsFD, memory: [], readSize: readSize,
                  maxStringBytes: maxStringBytes, maxDepth: maxDepth)
    }

    /// Reads from an in-memory buffer, copied into the window a chunk at a time.
    init(bytes: [UInt8], readSize: Int = 1 << 20,
         maxStringBytes: Int = JSONLimits.maxStringBytes, maxDepth: Int = JSONLimits.maxDepth) {
        self.init(fd: -1, ownsFD: false, memory: bytes, readSize: readSize,
                  maxStringBytes: maxStringBytes, maxDepth: maxDepth)
    }

    private init(fd: Int32, ownsFD: Bool, memory: [UInt8], readSize: Int, maxStringBytes: Int, maxDepth: Int) {
        precondition(readSize >= 1)
        self.fd = fd
        self.ownsFD = ownsFD
        self.memory = memory
        self.readSize = readSize
        // Room for the chunk plus the few unconsumed bytes a refill keeps (at most 12: a
        // `\uXXXX\uXXXX` pair, or a cut UTF-8 sequence or literal).
        self.capacity = readSize + 16
        self.buf = .allocate(capacity: capacity)
        self.scratchCapacity = 256
        self.scratch = .allocate(capacity: scratchCapacity)
        self.maxStringBytes = maxStringBytes
        self.maxDepth = maxDepth
    }

    deinit {
        buf.deallocate()
        scratch.deallocate()
        if ownsFD { close(fd) }
    }

    /// The absolute offset of `buf[pos]`.
    var offset: Int { base + pos }

    func fault(_ reason: JSONImportError.Reason, at offset: Int) -> JSONFault {
        JSONFault(reason: reason, offset: offset)
    }

    func fault(_ reason: JSONImportError.Reason) -> JSONFault {
        JSONFault(reason: reason, offset: base + pos)
    }

    // MARK: - Refill

    /// Reads more input after `end`, first discarding `buf[0 ..< pos]`. False at the end.
    mutating func fill() throws(JSONFault) -> Bool {
        if atEOF { return false }
        if pos > 0 { discardConsumed() }
        let room = min(readSize, capacity - end)
        precondition(room > 0, "JSONScanner: unconsumed bytes fill the window")
        if fd >= 0 {
            while true {
                let n = read(fd, buf + end, room)
                if n > 0 {
                    end += n
                    return true
                }
                if n == 0 {
                    atEOF = true
                    return false
                }
                let e = errno
                if e == EINTR { continue }
                throw fault(.io(operation: "read", errno: e), at: base + end)
            }
        } else {
            let n = min(room, memory.count - memoryCursor)
            if n == 0 {
                atEOF = true
                return false
            }
            let dst = buf + end
            let from = memoryCursor
            memory.withUnsafeBufferPointer { src in
                dst.update(from: src.baseAddress! + from, count: n)
            }
            memoryCursor += n
            end += n
            return true
        }
    }

    /// Makes at least `n` unconsumed bytes available; false if the input ends first.
    @inline(__always)
    mutating func ensure(_ n: Int) throws(JSONFault) -> Bool {
        while end - pos < n {
            if try !fill() { return false }
        }
        return true
    }

    private mutating func discardConsumed() {
        let n = pos
        let discardEnd = base + n
        // Walk the discarded part once, stopping at unresolved marks on the way.
        var at = 0
        var line = lineBase
        var column = columnBase
        for which in 0..<2 {
            let m = which == 0 ? segmentMark : keyMark
            guard m.offset >= base, m.offset < discardEnd, m.line == 0 else { continue }
            let rel = m.offset - base
            guard rel >= at else { continue }
            JSONScanner.advance(buf, from: at, to: rel, line: &line, column: &column)
            at = rel
            let resolved = Mark(offset: m.offset, line: line, column: column + 1)
            if which == 0 { segmentMark = resolved } else { keyMark = resolved }
        }
        // The key mark may lie before the segment mark (it never does today; stay correct).
        if keyMark.offset >= base, keyMark.offset < discardEnd, keyMark.line == 0 {
            var l = lineBase, c = columnBase
            JSONScanner.advance(buf, from: 0, to: keyMark.offset - base, line: &l, column: &c)
            keyMark = Mark(offset: keyMark.offset, line: l, column: c + 1)
        }
        JSONScanner.advance(buf, from: at, to: n, line: &line, column: &column)
        lineBase = line
        columnBase = column
        let keep = end - n
        if keep > 0 { buf.update(from: buf + n, count: keep) }
        base += n
        end = keep
        pos = 0
    }

    /// Moves (line, column) over `p[from ..< to]`: newlines are counted eight bytes at a
    /// time; the column counts the scalars (non-continuation bytes) after the last newline.
    static func advance(_ p: UnsafeMutablePointer<UInt8>, from: Int, to: Int, line: inout Int, column: inout Int) {
        guard to > from else { return }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        var newlines = 0
        var i = from
        while i + 8 <= to {
            let x = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) ^ (ones &* 0x0A)
            // 0x80 exactly in the bytes of x that are zero.
            let t = ~(((x & low7) &+ low7) | x | low7)
            newlines += t.nonzeroBitCount
            i += 8
        }
        while i < to {
            if p[i] == 0x0A { newlines += 1 }
            i += 1
        }
        var tail = from
        if newlines > 0 {
            line += newlines
            column = 0
            var j = to - 1
            while p[j] != 0x0A { j -= 1 }
            tail = j + 1
        }
        // Scalars = bytes - continuation bytes (10xxxxxx).
        var cont = 0
        i = tail
        while i + 8 <= to {
            let x = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            cont += (x & ~(x << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
            i += 8
        }
        while i < to {
            if p[i] & 0xC0 == 0x80 { cont += 1 }
            i += 1
        }
        column += (to - tail) - cont
    }

    /// 1-based line and column of an absolute offset in the window or at a resolved mark;
    /// (0, 0) if it is no longer known.
    func lineColumn(at offset: Int) -> (line: Int, column: Int) {
        if offset >= base && offset <= base + end {
            var line = lineBase, column = columnBase
            JSONScanner.advance(buf, from: 0, to: offset - base, line: &line, column: &column)
            return (line, column + 1)
        }
        for m in [segmentMark, keyMark] where m.offset == offset && m.line > 0 {
            return (m.line, m.column)
        }
        return (0, 0)
    }

    mutating func markSegmentStart() { segmentMark = Mark(offset: base + pos) }
    mutating func markKeyStart() { keyMark = Mark(offset: base + pos) }

    // MARK: - Whitespace and punctuation

    /// Skips whitespace; returns the next byte without consuming it, or nil at the end.
    @inline(__always)
    mutating func peekNonWhitespace() throws(JSONFault) -> UInt8? {
        while true {
            while pos < end {
                let b = buf[pos]
                if b > 0x20 { return b }
                switch b {
                case 0x20, 0x09, 0x0D: pos += 1
                case 0x0A:
                    whitespaceNewlines += 1
                    pos += 1
                default: return b
                }
            }
            if try !fill() { return nil }
        }
    }

    /// The next byte without consuming it (no whitespace skipped), or nil at the end.
    @inline(__always)
    mutating func peekByte() throws(JSONFault) -> UInt8? {
        if pos < end { return buf[pos] }
        if try !fill() { return nil }
        return buf[pos]
    }

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

    // MARK: - Strings

    /// Reads a string whose opening quote is at `pos`; returns its decoded UTF-8 bytes,
    /// valid until the next call on the scanner.
    @inline(__always)
    mutating func readString() throws(JSONFault) -> UnsafeBufferPointer<UInt8> {
        pos += 1
        let stop = try scanStringRun(pos)
        if stop < end && buf[stop] == 0x22 {
            let start = pos
            guard stop - start <= maxStringBytes else {
                throw fault(.valueTooLarge(limit: maxStringBytes), at: base + start + maxStringBytes)
            }
            pos = stop + 1
            return UnsafeBufferPointer(start: buf + start, count: stop - start)
        }
        return try readStringSlow(stop)
    }

    /// Reads a string at `pos` as a Swift `String`.
    @inline(__always)
    mutating func readStringValue() throws(JSONFault) -> String {
        String(decoding: try readString(), as: UTF8.self)
    }

    /// Skips over a string at `pos`, checking it as `readString` does.
    mutating func skipString() throws(JSONFault) {
        _ = try readString()
    }

    /// The part of a string after the first run: escapes, refills, long strings.
    private mutating func readStringSlow(_ firstStop: Int) throws(JSONFault) -> UnsafeBufferPointer<UInt8> {
        scratchCount = 0
        var stop = firstStop
        while true {
            if stop > pos {
                try appendScratch(buf + pos, stop - pos)
                pos = stop
            }
            // Stopped at the end of the window or at a UTF-8 sequence the window cuts:
            // read more (a refill moves the unconsumed bytes to the front).
            if pos == end || buf[pos] >= 0x80 {
                if try !fill() { throw fault(.unexpectedEnd, at: base + end) }
                stop = try scanStringRun(pos)
                continue
            }
            let b = buf[pos]
            if b == 0x22 {
                pos += 1
                return UnsafeBufferPointer(start: scratch, count: scratchCount)
            }
            if b == 0x5C {
                try readEscape()
                stop = try scanStringRun(pos)
                continue
            }
            throw fault(.controlCharacter(b))
        }
    }

    private mutating func appendScratch(_ p: UnsafePointer<UInt8>, _ n: Int) throws(JSONFault) {
        let need = scratchCount + n
        if need > maxStringBytes {
            throw fault(.valueTooLarge(limit: maxStringBytes), at: base + pos + (maxStringBytes - scratchCount))
        }
        if need > scratchCapacity {
            var cap = scratchCapacity
            while cap < need { cap *= 2 }
            let new = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
            new.update(from: scratch, count: scratchCount)
            scratch.deallocate()
            scratch = new
            scratchCapacity = cap
        }
        (scratch + scratchCount).update(from: p, count: n)
        scratchCount = need
    }

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
    private mutating func readEscape() throws(JSONFault) {
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

    /// From `start`, passes over plain string bytes (validating UTF-8) and returns the
    /// index of the first `"`, `\`, control byte, or UTF-8 sequence cut by `end` (or `end`).
    @inline(__always)
    func scanStringRun(_ start: Int) throws(JSONFault) -> Int {
        let p = buf
        let e = end
        var i = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        while true {
            while i &+ 8 <= e {
                let x = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let q = x ^ (ones &* 0x22)
                let bs = x ^ (ones &* 0x5C)
                let special = (x | ((x &- ones &* 0x20) & ~x) | ((q &- ones) & ~q) | ((bs &- ones) & ~bs)) & high
                if special != 0 { break }
                i &+= 8
            }
            if i >= e { return i }
            let b = p[i]
            if b < 0x80 {
                if b == 0x22 || b == 0x5C || b < 0x20 { return i }
                i &+= 1
                continue
            }
            let n = try JSONScanner.utf8Sequence(p, i, e, base: base)
            if n == 0 { return i }
            i &+= n
        }
    }

    /// Length of the valid UTF-8 sequence whose lead byte (>= 0x80) is `p[i]`; 0 if `end`
    /// cuts it (what is there is a valid start); throws `invalidUTF8` otherwise.
    @inline(__always)
    static func utf8Sequence(_ p: UnsafeMutablePointer<UInt8>, _ i: Int, _ e: Int, base: Int) throws(JSONFault) -> Int {
        let b = p[i]
        let n: Int
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch b {
        case 0xC2...0xDF: n = 2
        case 0xE0: n = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: n = 3
        case 0xED: n = 3; hi = 0x9F
        case 0xF0: n = 4; lo = 0x90
        case 0xF1...0xF3: n = 4
        case 0xF4: n = 4; hi = 0x8F
        default: throw JSONFault(reason: .invalidUTF8, offset: base + i)
        }
        let avail = min(n, e - i)
        if avail >= 2 {
            let c = p[i + 1]
            guard c >= lo && c <= hi else { throw JSONFault(reason: .invalidUTF8, offset: base + i) }
        }
        var k = 2
        while k < avail {
            guard p[i + k] & 0xC0 == 0x80 else { throw JSONFault(reason: .invalidUTF8, offset: base + i) }
            k += 1
        }
        return avail == n ? n : 0
    }

    // MARK: - Numbers and literals

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

    // MARK: - Skipping

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
