/// How JSON is written; both are byte-for-byte Python's `json` module.
package enum JSONOutputStyle: Sendable {
    /// `json.dump(obj, f, indent=2)`: two-space indentation, one element a line, `": "`
    /// after keys, `,` at line ends, ASCII only (`\uXXXX`, lowercase, for control characters,
    /// DEL and everything non-ASCII; surrogate pairs above U+FFFF), no final newline.
    /// What the old layer wrote to its files.
    case indented
    /// `json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`: no whitespace, UTF-8
    /// as is; only `"`, `\` and control characters are escaped. NDJSON lines, CLI output.
    case compact
}

/// A sink that receives the output in large chunks. The bytes are valid only during the call.
package typealias JSONChunkSink = (UnsafeRawBufferPointer) throws -> Void

/// A fixed output buffer that hands full chunks to a sink, plus the primitive encodings.
/// Hot loops work on local copies of `buf`/`count` (fewer exclusivity checks).
final class JSONByteOutput {
    let buf: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var count = 0
    private let sink: JSONChunkSink
    private var timestampScratch: [UInt8] = []
    /// Total bytes handed to the sink so far.
    private(set) var bytesFlushed = 0

    static let minimumChunk = 64

    init(chunkSize: Int, sink: @escaping JSONChunkSink) {
        capacity = max(chunkSize, Self.minimumChunk)
        buf = .allocate(capacity: capacity)
        self.sink = sink
        timestampScratch.reserveCapacity(40)
    }

    deinit { buf.deallocate() }

    func flush() throws {
        guard count > 0 else { return }
        let n = count
        count = 0
        bytesFlushed += n
        try sink(UnsafeRawBufferPointer(start: buf, count: n))
    }

    /// Makes room for `n <= capacity` bytes.
    @inline(__always)
    func reserve(_ n: Int) throws {
        if capacity - count < n { try flush() }
    }

    @inline(__always)
    func byte(_ b: UInt8) throws {
        if count == capacity { try flush() }
        buf[count] = b
        count += 1
    }

    func bytes(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
        if n <= capacity - count {
            (buf + count).update(from: p, count: n)
            count += n
            return
        }
        var done = 0
        while done < n {
            if count == capacity { try flush() }
            let k = min(n - done, capacity - count)
            (buf + count).update(from: p + done, count: k)
            count += k
            done += k
        }
    }

    func bytes(_ a: [UInt8]) throws {
        try a.withUnsafeBufferPointer { try bytes($0.baseAddress!, $0.count) }
    }

    func bytes(_ s: StaticString) throws {
        try bytes(s.utf8Start, s.utf8CodeUnitCount)
    }

    private static let spaces: [UInt8] = [0x0A] + [UInt8](repeating: 0x20, count: 256)

    /// A newline and `2 * level` spaces.
    func newline(indent level: Int) throws {
        var n = 1 + 2 * level
        try Self.spaces.withUnsafeBufferPointer { sp in
            try bytes(sp.baseAddress!, min(n, sp.count))
            n -= sp.count
            while n > 0 {
                try bytes(sp.baseAddress! + 1, min(n, sp.count - 1))
                n -= sp.count - 1
            }
        }
    }

    func int(_ v: Int) throws {
        try reserve(20)
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes
        let n = withUnsafeMutableBytes(of: &tmp) { raw -> Int in
            let t = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var i = 24
            var m = v.magnitude
            repeat {
                i -= 1
                t[i] = UInt8(truncatingIfNeeded: 0x30 &+ m % 10)
                m /= 10
            } while m != 0
            if v < 0 {
                i -= 1
                t[i] = 0x2D
            }
            (buf + count).update(from: t + i, count: 24 - i)
            return 24 - i
        }
        count += n
    }

    func timestamp(_ t: Timestamp) throws {
        timestampScratch.removeAll(keepingCapacity: true)
        t.appendISO8601(to: &timestampScratch)
        try byte(0x22)
        try bytes(timestampScratch)
        try byte(0x22)
    }

    func string(_ s: String, _ style: JSONOutputStyle) throws {
        var s = s
        try s.withUTF8 { u in
            if style == .indented { try escapedASCII(u) } else { try escapedUTF8(u) }
        }
    }

    // MARK: Escaping

    private static let hex: StaticString = "0123456789abcdef"

    /// `\uXXXX` with lowercase hex (room reserved by the caller).
    @inline(__always)
    private func unicodeEscape(_ u: UInt32) {
        let h = Self.hex.utf8Start
        let p = buf + count
        p[0] = 0x5C; p[1] = 0x75
        p[2] = h[Int((u >> 12) & 15)]; p[3] = h[Int((u >> 8) & 15)]
        p[4] = h[Int((u >> 4) & 15)]; p[5] = h[Int(u & 15)]
        count += 6
    }

    /// An ASCII byte that needs escaping (room for 6 reserved by the caller).
    @inline(__always)
    private func escapeASCII(_ b: UInt8) {
        let short: UInt8
        switch b {
        case 0x22: short = 0x22
        case 0x5C: short = 0x5C
        case 0x0A: short = 0x6E
        case 0x0D: short = 0x72
        case 0x09: short = 0x74
        case 0x08: short = 0x62
        case 0x0C: short = 0x66
        default:
            unicodeEscape(UInt32(b))
            return
        }
        buf[count] = 0x5C
        buf[count + 1] = short
        count += 2
    }

    /// `"..."` as `json.dumps(ensure_ascii=True)` writes it.
    private func escapedASCII(_ u: UnsafeBufferPointer<UInt8>) throws {
        try byte(0x22)
        guard let src = u.baseAddress else { return try byte(0x22) }
        let n = u.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i < n {
            var j = i
            while j + 8 <= n {
                let x = UnsafeRawPointer(src + j).loadUnaligned(as: UInt64.self)
                let q = x ^ (ones &* 0x22)
                let bs = x ^ (ones &* 0x5C)
                let del = x ^ (ones &* 0x7F)
                let special = (x | ((x &- ones &* 0x20) & ~x) | ((q &- ones) & ~q) | ((bs &- ones) & ~bs)
                               | ((del &- ones) & ~del)) & high
                if special != 0 { break }
                j += 8
            }
            while j < n {
                let b = src[j]
                if b < 0x20 || b >= 0x7F || b == 0x22 || b == 0x5C { break }
                j += 1
            }
            if j > i { try bytes(src + i, j - i) }
            if j == n { break }
            try reserve(12)
            let b = src[j]
            if b < 0x80 {
                escapeASCII(b)
                i = j + 1
                continue
            }
            // A valid UTF-8 sequence (Swift strings are valid UTF-8).
            var v: UInt32
            let len: Int
            if b < 0xE0 {
                v = UInt32(b & 0x1F); len = 2
            } else if b < 0xF0 {
                v = UInt32(b & 0x0F); len = 3
            } else {
                v = UInt32(b & 0x07); len = 4
            }
            for k in 1..<len { v = v << 6 | UInt32(src[j + k] & 0x3F) }
            if v >= 0x10000 {
                let w = v - 0x10000
                unicodeEscape(0xD800 + (w >> 10))
                unicodeEscape(0xDC00 + (w & 0x3FF))
            } else {
                unicodeEscape(v)
            }
            i = j + len
        }
        try byte(0x22)
    }

    /// `"..."` as `json.dumps(ensure_ascii=False)` writes it.
    private func escapedUTF8(_ u: UnsafeBufferPointer<UInt8>) throws {
        try byte(0x22)
        guard let src = u.baseAddress else { return try byte(0x22) }
        let n = u.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i < n {
            var j = i
            while j + 8 <= n {
                let x = UnsafeRawPointer(src + j).loadUnaligned(as: UInt64.self)
                let q = x ^ (ones &* 0x22)
                let bs = x ^ (ones &* 0x5C)
                let special = (((x &- ones &* 0x20) & ~x) | ((q &- ones) & ~q) | ((bs &- ones) & ~bs)) & high
                if special != 0 { break }
                j += 8
            }
            while j < n {
                let b = src[j]
                if b < 0x20 || b == 0x22 || b == 0x5C { break }
                j += 1
            }
            if j > i { try bytes(src + i, j - i) }
            if j == n { break }
            try reserve(6)
            escapeASCII(src[j])
            i = j + 1
        }
        try byte(0x22)
    }
}
