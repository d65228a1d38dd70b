// The keyword analyzer: the default search semantics (Docs/FORMAT.md section 3).
//
// The words of a text are exactly what Python 3 gives for
//
//     re.findall(r"\b\w+\b", text.lower())
//
// with the Unicode data of the Python that generated AnalyzerTables.generated.swift
// (see Tools/gen/gen_analyzer_tables.py), not Swift's own Unicode data:
//   * `str.lower()`: full lowercase mappings (U+0130 -> "i\u{307}"), and the
//     context-sensitive final sigma of CPython's handle_capital_sigma: U+03A3 lowers to
//     U+03C2 when preceded by a cased scalar (skipping case-ignorable ones) and not
//     followed by one (skipping case-ignorable ones); otherwise to U+03C3.
//   * a word is a maximal run of scalars (of the lowered text) matched by `\w`:
//     `_` or `ch.isalnum()`. Combining marks are not word scalars and split words.
//
// Words are handed out as UTF-8 bytes and must be compared as bytes: canonically
// equivalent spellings (NFC / NFD) are different words, as in Python.
//
// Implementation: a hand-written scanner over UTF-8. ASCII goes through a 256-entry
// kind table; other scalars through a two-level page table for the BMP and a binary
// search over merged runs for astral planes, both built once, lazily, from the
// generated range tables. A word whose bytes are unchanged by lowercasing is passed
// to the callback as a slice of the input (no copy); otherwise it is built in one
// scratch buffer reused for the whole text.

/// The keyword analyzer: the default search semantics (Docs/FORMAT.md section 3).
enum KeywordAnalyzer {
    /// Calls `body` with the UTF-8 bytes of each lowercased word in order (words may repeat).
    /// The buffer is only valid during the call.
    static func forEachWord(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { forEachWord(inUTF8: $0, body) }
        if done != nil { return }
        var copy = text
        copy.makeContiguousUTF8()
        let again: Void? = copy.utf8.withContiguousStorageIfAvailable { forEachWord(inUTF8: $0, body) }
        if again != nil { return }
        Array(text.utf8).withUnsafeBufferPointer { forEachWord(inUTF8: $0, body) }
    }

    /// Same over raw UTF-8 (assumed valid; invalid input never crashes or reads out of
    /// bounds, but its words are unspecified).
    static func forEachWord(inUTF8 bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var scanner = Scanner(base: base, count: bytes.count, tables: Tables.shared)
        scanner.run(body)
        scanner.release()
    }

    /// Convenience: the words as Strings, in order (duplicates kept).
    static func words(_ text: String) -> [String] {
        var out: [String] = []
        forEachWord(in: text) { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    /// Convenience: the distinct words, as UTF-8 bytes.
    static func wordSet(_ text: String) -> Set<[UInt8]> {
        var out = Set<[UInt8]>()
        forEachWord(in: text) { out.insert(Array($0)) }
        return out
    }
}

// MARK: - Tables and scanner

extension KeywordAnalyzer {
    /// The per-scalar entry, one UInt32:
    ///   bits 0-20  delta of the single-scalar lowercase mapping, modulo 2^21 (0: unchanged)
    ///   bit 21     the lowercased scalar is a word scalar (`\w`)
    ///   bit 22     cased (Python's CASED flag, of the scalar itself)
    ///   bit 23     case-ignorable (Python's CASE_IGNORABLE flag, of the scalar itself)
    ///   bit 24     special: U+03A3 (final sigma) or a multi-scalar lowercase mapping
    enum Entry {
        static let deltaMask: UInt32 = 0x1F_FFFF
        static let word: UInt32 = 1 << 21
        static let cased: UInt32 = 1 << 22
        static let caseIgnorable: UInt32 = 1 << 23
        static let special: UInt32 = 1 << 24
    }

    /// ASCII kinds (256 entries, indexed by any byte).
    enum ASCIIKind {
        static let nonWord: UInt8 = 0
        static let wordSame: UInt8 = 1   // word byte, unchanged by lowercasing
        static let upper: UInt8 = 2      // A-Z: lowercases to byte | 0x20
        static let nonASCII: UInt8 = 3   // >= 0x80: lead or continuation byte
    }

    /// The lookup structures, built once at first use from `AnalyzerTables`. Immutable after
    /// initialization (the memory is never freed: it lives as long as the process).
    final class Tables: @unchecked Sendable {
        static let shared = Tables()

        /// 256 entries: BMP page number -> index of its (deduplicated) 256-entry page.
        let bmpIndex: UnsafeMutablePointer<UInt16>
        /// Deduplicated pages, 256 entries each.
        let bmpPages: UnsafeMutablePointer<UInt32>
        let bmpPageCount: Int
        /// Astral scalars: sorted run starts (the first is 0x10000) and their entries.
        let astralStarts: UnsafeMutablePointer<UInt32>
        let astralEntries: UnsafeMutablePointer<UInt32>
        let astralCount: Int
        /// 256-entry ASCII kind table.
        let asciiKind: UnsafeMutablePointer<UInt8>
        /// Multi-scalar lowercase mappings: source scalars, and their outputs with word-ness.
        let multiSources: [UInt32]
        let multiOutputs: [[(scalar: UInt32, isWord: Bool)]]

        private init() {
            let single = Self.singleMappings()
            var multiSources: [UInt32] = []
            var multiOutputs: [[(scalar: UInt32, isWord: Bool)]] = []
            let m = AnalyzerTables.lowercaseMulti
            var k = 0
            while k < m.count {
                let n = Int(m[k + 1])
                multiSources.append(m[k])
                multiOutputs.append(m[(k + 2)..<(k + 2 + n)].map { ($0, Self.contains(AnalyzerTables.wordRanges, $0)) })
                k += 2 + n
            }
            self.multiSources = multiSources
            self.multiOutputs = multiOutputs

            func entry(_ c: UInt32) -> UInt32 {
                var e: UInt32 = 0
                if Self.contains(AnalyzerTables.casedRanges, c) { e |= Entry.cased }
                if Self.contains(AnalyzerTables.caseIgnorableRanges, c) { e |= Entry.caseIgnorable }
                if c == 0x3A3 || multiSources.contains(c) {
                    return e | Entry.special
                }
                let lowered = single[c] ?? c
                if Self.contains(AnalyzerTables.wordRanges, lowered) { e |= Entry.word }
                e |= (lowered &- c) & Entry.deltaMask
                return e
            }

            // BMP: fill a flat table through the ranges, then deduplicate its pages.
            var flat = [UInt32](repeating: 0, count: 0x10000)
            func mark(_ ranges: [UInt32], _ bit: UInt32) {
                var r = 0
                while r < ranges.count {
                    let lo = ranges[r], hi = min(ranges[r + 1], 0xFFFF)
                    if lo <= hi { for c in Int(lo)...Int(hi) { flat[c] |= bit } }
                    r += 2
                }
            }
            mark(AnalyzerTables.wordRanges, Entry.word)
            mark(AnalyzerTables.casedRanges, Entry.cased)
            mark(AnalyzerTables.caseIgnorableRanges, Entry.caseIgnorable)
            for (c, _) in single where c < 0x10000 { flat[Int(c)] = entry(c) }
            for c in multiSources where c < 0x10000 { flat[Int(c)] = entry(c) }
            flat[0x3A3] = entry(0x3A3)

            var pageOf: [[UInt32]: UInt16] = [:]
            var pages: [UInt32] = []
            bmpIndex = .allocate(capacity: 256)
            for page in 0..<256 {
                let content = Array(flat[(page << 8)..<((page + 1) << 8)])
                if let existing = pageOf[content] {
                    bmpIndex[page] = existing
                } else {
                    let id = UInt16(pageOf.count)
                    pageOf[content] = id
                    pages += content
                    bmpIndex[page] = id
                }
            }
            bmpPageCount = pageOf.count
            bmpPages = .allocate(capacity: pages.count)
            bmpPages.initialize(from: pages, count: pages.count)

            // Astral: cut the range 0x10000...0x10FFFF wherever any property may change,
            // compute each segment's entry, and merge equal neighbours.
            var cuts: Set<UInt32> = [0x10000]
            for ranges in [AnalyzerTables.wordRanges, AnalyzerTables.casedRanges, AnalyzerTables.caseIgnorableRanges] {
                var r = 0
                while r < ranges.count {
                    if ranges[r] >= 0x10000 { cuts.insert(ranges[r]) }
                    if ranges[r + 1] >= 0xFFFF && ranges[r + 1] < 0x10FFFF { cuts.insert(ranges[r + 1] + 1) }
                    r += 2
                }
            }
            for (c, _) in single where c >= 0x10000 {
                // A segment of its own for each mapped scalar.
                cuts.insert(c)
                if c < 0x10FFFF { cuts.insert(c + 1) }
            }
            // Every scalar of a segment has the entry of the segment's start; equal neighbours
            // merge (an equal entry means an equal delta, which is relative to the scalar).
            var starts: [UInt32] = []
            var entries: [UInt32] = []
            for s in cuts.sorted() {
                let e = entry(s)
                if let last = entries.last, last == e { continue }
                starts.append(s)
                entries.append(e)
            }
            astralCount = starts.count
            astralStarts = .allocate(capacity: starts.count)
            astralStarts.initialize(from: starts, count: starts.count)
            astralEntries = .allocate(capacity: entries.count)
            astralEntries.initialize(from: entries, count: entries.count)

            asciiKind = .allocate(capacity: 256)
            for b in 0..<256 {
                if b >= 0x80 {
                    asciiKind[b] = ASCIIKind.nonASCII
                    continue
                }
                let e = flat[b]
                if e & Entry.word == 0 {
                    asciiKind[b] = ASCIIKind.nonWord
                } else if e & Entry.deltaMask == 0 {
                    asciiKind[b] = ASCIIKind.wordSame
                } else {
                    precondition(e & Entry.deltaMask == 32 && b >= 0x41 && b <= 0x5A, "unexpected ASCII mapping")
                    asciiKind[b] = ASCIIKind.upper
                }
            }
        }

        /// The single-scalar lowercase mappings, expanded from their runs.
        private static func singleMappings() -> [UInt32: UInt32] {
            var out: [UInt32: UInt32] = [:]
            let runs = AnalyzerTables.lowercaseRuns
            var r = 0
            while r < runs.count {
                let start = Int(runs[r]), count = Int(runs[r + 1]), stride = Int(runs[r + 2]), delta = Int(runs[r + 3])
                for k in 0..<count {
                    let c = start + k * stride
                    out[UInt32(c)] = UInt32(c + delta)
                }
                r += 4
            }
            return out
        }

        /// Binary search in flattened inclusive [lo, hi] range pairs.
        static func contains(_ ranges: [UInt32], _ c: UInt32) -> Bool {
            var lo = 0, hi = ranges.count / 2
            while lo < hi {
                let mid = (lo + hi) >> 1
                if ranges[2 * mid + 1] < c { lo = mid + 1 } else { hi = mid }
            }
            return lo < ranges.count / 2 && ranges[2 * lo] <= c
        }

        /// The entry of any scalar (or of any value below 2^21, for invalid input).
        @inline(__always)
        func entry(_ c: UInt32) -> UInt32 {
            if c < 0x10000 {
                return bmpPages[Int(bmpIndex[Int(c &>> 8)]) &<< 8 | Int(c & 0xFF)]
            }
            return astralEntry(c)
        }

        func astralEntry(_ c: UInt32) -> UInt32 {
            // Last run whose start <= c (the first start is 0x10000 <= c).
            var lo = 0, hi = astralCount
            while hi - lo > 1 {
                let mid = (lo + hi) >> 1
                if astralStarts[mid] <= c { lo = mid } else { hi = mid }
            }
            return astralEntries[lo]
        }
    }

    // MARK: - Scanner

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
