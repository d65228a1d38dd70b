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
///
/// This file holds the window: its storage, refilling, marks, positions and the next byte
/// (whitespace skipped or not). The lexical pieces are extensions, one concern a file:
/// JSONScanner+Punctuation (`,` `:` `]`, the "expected X, found Y" errors), +Strings
/// (strings and UTF-8 validation), +Escapes (backslash escapes), +Numbers, +Literals,
/// +Skipping (a whole value, unread).
/// Two readers are built on it: JSONScanner+ValueTree (`JSONValue`) and
/// JSONSegmentDecoding.swift (a segment object).
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

    /// Where a string that cannot be returned in place (an escape, a refill inside it) is
    /// decoded: `scratch[0 ..< scratchCount]`, grown by doubling up to `maxStringBytes`.
    /// Written only by the string code (JSONScanner+Strings.swift, +Escapes.swift).
    var scratch: UnsafeMutablePointer<UInt8>
    var scratchCapacity: Int
    var scratchCount = 0
    let maxStringBytes: Int
    let maxDepth: Int
    /// Lone surrogate escapes read so far, each decoded as U+FFFD (see `readUnicodeEscape`).
    /// Only grows; callers count a part of the input as the difference across it. Written
    /// only by `readUnicodeEscape` (JSONScanner+Escapes.swift).
    var replacedSurrogates = 0

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

    // MARK: - The next byte

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
}
