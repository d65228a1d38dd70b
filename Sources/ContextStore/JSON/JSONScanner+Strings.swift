// Strings: the fast path (a run with no escape, returned in place), the slow path
// (escapes, refills, long strings) through `scratch`, and UTF-8 validation of the
// plain bytes. Escapes themselves are in JSONScanner+Escapes.swift.

extension JSONScanner {
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

    /// Appends `p[0 ..< n]` to `scratch`; refuses to pass `maxStringBytes`.
    mutating func appendScratch(_ p: UnsafePointer<UInt8>, _ n: Int) throws(JSONFault) {
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
}
