// The lookup structures of the keyword analyzer: what one scalar is (word, cased,
// case-ignorable) and what it lowercases to, from the generated range tables
// (AnalyzerTables.generated.swift). Read by the scanner (KeywordAnalyzer.Scanner.swift).

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
}
