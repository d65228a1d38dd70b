// The word scanner of the keyword analyzer: one pass over UTF-8 that lowercases and
// splits into words at once, handing out unchanged words in place and changed ones
// from a scratch buffer (see KeywordAnalyzer.swift for the rules it reproduces).

extension KeywordAnalyzer {
    /// One pass over one text's UTF-8 (`p[0 ..< count]`, borrowed for the pass): `run` calls
    /// back with each word; `release` frees the scratch buffer. Not reusable across texts.
    struct Scanner {
        let p: UnsafePointer<UInt8>
        let count: Int
        let tables: Tables
        /// Scratch for words that lowercasing changes; allocated on first need.
        var scratch: UnsafeMutablePointer<UInt8>? = nil
        var capacity = 0
        var n = 0
        /// Input offset where the current word starts, or -1 outside a word.
        var wordStart = -1
        /// Whether the current word is in `scratch` (else it is the input bytes from `wordStart`).
        var copying = false

        init(base: UnsafePointer<UInt8>, count: Int, tables: Tables) {
            self.p = base
            self.count = count
            self.tables = tables
        }

        mutating func release() {
            scratch?.deallocate()
            scratch = nil
        }

        mutating func run(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            let kind = tables.asciiKind
            let p = self.p, count = self.count
            var i = 0
            while i < count {
                let b = p[i]
                let k = kind[Int(b)]
                if k == ASCIIKind.wordSame {
                    if wordStart < 0 {
                        wordStart = i
                        copying = false
                    }
                    if copying {
                        append(b)
                        i &+= 1
                    } else {
                        i &+= 1
                        while i < count && kind[Int(p[i])] == ASCIIKind.wordSame { i &+= 1 }
                    }
                } else if k == ASCIIKind.nonWord {
                    if wordStart >= 0 { emit(end: i, body) }
                    i &+= 1
                    while i < count && kind[Int(p[i])] == ASCIIKind.nonWord { i &+= 1 }
                } else if k == ASCIIKind.upper {
                    beginChanged(at: i)
                    append(b | 0x20)
                    i &+= 1
                } else {
                    i = nonASCII(at: i, body)
                }
            }
            if wordStart >= 0 { emit(end: count, body) }
        }

        /// Handles the non-ASCII scalar at `i`; returns the offset after it.
        @inline(__always)
        mutating func nonASCII(at i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Int {
            let (c, len) = decode(at: i)
            let e = tables.entry(c)
            if e & Entry.special != 0 {
                special(c, at: i, length: len, body)
            } else if e & Entry.word != 0 {
                let delta = e & Entry.deltaMask
                if delta == 0 {
                    if wordStart < 0 {
                        wordStart = i
                        copying = false
                    } else if copying {
                        append(p + i, len)
                    }
                } else {
                    beginChanged(at: i)
                    append(scalar: (c &+ delta) & Entry.deltaMask)
                }
            } else if wordStart >= 0 {
                emit(end: i, body)
            }
            return i &+ len
        }

        /// U+03A3 and the multi-scalar mappings.
        mutating func special(_ c: UInt32, at i: Int, length: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            if c == 0x3A3 {
                beginChanged(at: i)
                append(scalar: isFinalSigma(at: i, length: length) ? 0x3C2 : 0x3C3)
                return
            }
            guard let m = tables.multiSources.firstIndex(of: c) else { return }
            for (out, isWord) in tables.multiOutputs[m] {
                if isWord {
                    beginChanged(at: i)
                    append(scalar: out)
                } else if wordStart >= 0 {
                    emit(end: i, body)
                }
            }
        }

        /// CPython's handle_capital_sigma over the original text: final iff preceded by a
        /// cased scalar (skipping case-ignorable ones) and not followed by one (idem).
        func isFinalSigma(at i: Int, length: Int) -> Bool {
            var j = i
            var precededByCased = false
            while j > 0 {
                var k = j &- 1
                while k > 0 && p[k] & 0xC0 == 0x80 { k &-= 1 }
                let e = tables.entry(decode(at: k).scalar)
                j = k
                if e & Entry.caseIgnorable != 0 { continue }
                precededByCased = e & Entry.cased != 0
                break
            }
            if !precededByCased { return false }
            var q = i &+ length
            while q < count {
                let (c, len) = decode(at: q)
                let e = tables.entry(c)
                if e & Entry.caseIgnorable == 0 { return e & Entry.cased == 0 }
                q &+= len
            }
            return true
        }

        /// Decodes the scalar at `i` (valid UTF-8 assumed; never reads past the end).
        @inline(__always)
        func decode(at i: Int) -> (scalar: UInt32, length: Int) {
            let b0 = UInt32(p[i])
            if b0 < 0x80 { return (b0, 1) }
            if b0 < 0xE0 {
                guard i &+ 1 < count else { return (0xFFFD, count &- i) }
                return ((b0 & 0x1F) &<< 6 | UInt32(p[i &+ 1]) & 0x3F, 2)
            }
            if b0 < 0xF0 {
                guard i &+ 2 < count else { return (0xFFFD, count &- i) }
                return ((b0 & 0x0F) &<< 12 | (UInt32(p[i &+ 1]) & 0x3F) &<< 6 | UInt32(p[i &+ 2]) & 0x3F, 3)
            }
            guard i &+ 3 < count else { return (0xFFFD, count &- i) }
            return ((b0 & 0x07) &<< 18 | (UInt32(p[i &+ 1]) & 0x3F) &<< 12
                    | (UInt32(p[i &+ 2]) & 0x3F) &<< 6 | UInt32(p[i &+ 3]) & 0x3F, 4)
        }

        /// The scalar at `i` lowercases to something else: make sure the word is in scratch.
        @inline(__always)
        mutating func beginChanged(at i: Int) {
            if wordStart < 0 {
                wordStart = i
                copying = true
                n = 0
            } else if !copying {
                let len = i &- wordStart
                reserve(len)
                scratch!.update(from: p + wordStart, count: len)
                n = len
                copying = true
            }
        }

        @inline(__always)
        mutating func emit(end: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            if copying {
                body(UnsafeBufferPointer(start: scratch, count: n))
            } else {
                body(UnsafeBufferPointer(start: p + wordStart, count: end &- wordStart))
            }
            wordStart = -1
            copying = false
            n = 0
        }

        @inline(__always)
        mutating func reserve(_ extra: Int) {
            if n &+ extra > capacity { grow(n &+ extra) }
        }

        mutating func grow(_ needed: Int) {
            var newCapacity = max(capacity * 2, 64)
            while newCapacity < needed { newCapacity *= 2 }
            let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            if let old = scratch {
                fresh.update(from: old, count: n)
                old.deallocate()
            }
            scratch = fresh
            capacity = newCapacity
        }

        @inline(__always)
        mutating func append(_ b: UInt8) {
            reserve(1)
            scratch![n] = b
            n &+= 1
        }

        @inline(__always)
        mutating func append(_ src: UnsafePointer<UInt8>, _ len: Int) {
            reserve(len)
            (scratch! + n).update(from: src, count: len)
            n &+= len
        }

        @inline(__always)
        mutating func append(scalar c: UInt32) {
            reserve(4)
            let s = scratch! + n
            if c < 0x80 {
                s[0] = UInt8(truncatingIfNeeded: c)
                n &+= 1
            } else if c < 0x800 {
                s[0] = UInt8(truncatingIfNeeded: 0xC0 | c &>> 6)
                s[1] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3F)
                n &+= 2
            } else if c < 0x10000 {
                s[0] = UInt8(truncatingIfNeeded: 0xE0 | c &>> 12)
                s[1] = UInt8(truncatingIfNeeded: 0x80 | (c &>> 6) & 0x3F)
                s[2] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3F)
                n &+= 3
            } else {
                s[0] = UInt8(truncatingIfNeeded: 0xF0 | (c &>> 18) & 0x07)
                s[1] = UInt8(truncatingIfNeeded: 0x80 | (c &>> 12) & 0x3F)
                s[2] = UInt8(truncatingIfNeeded: 0x80 | (c &>> 6) & 0x3F)
                s[3] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3F)
                n &+= 4
            }
        }
    }
}
