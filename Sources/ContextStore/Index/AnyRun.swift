/// One `any`-mode query's state across the sources of a project: the shared top k (its
/// weakest hit is the threshold MaxScore prunes against) and the count.
struct AnyRun {
    let terms: [ProjectIndex.ScoredTerm]
    /// Each query word's idf mass (index: `ScoredTerm.word`); the coordination factor is
    /// the share of the total a doc matched.
    let mass: [Double]
    let totalMass: Double
    let plan: SearchPlan
    let avgdl: Double
    let byRecency: Bool
    let exhaustive: Bool
    var top: TopK
    var total = 0
    /// Docs scored in full.
    var scored = 0

    /// A scorer's lists in one source: for text, the whole-word list and the part list
    /// walked as one (its doc is the smaller of theirs); for a field, one list.
    private struct Scorer<C: MaximaCursor> {
        var word: C?
        var part: C?
        /// Index in `terms`: the order contributions are summed in.
        let canon: Int
        let weight: Double
        let hasTF: Bool
        /// Upper bound of its contribution to any doc of the source.
        var bound = 0.0
        private(set) var doc: UInt32 = .max

        init(word: C?, part: C?, canon: Int, weight: Double, hasTF: Bool) {
            self.word = word
            self.part = part
            self.canon = canon
            self.weight = weight
            self.hasTF = hasTF
            settle()
        }

        private mutating func settle() { doc = min(word?.doc ?? .max, part?.doc ?? .max) }

        /// tf at `doc`: the word's, plus the part's times the part weight.
        var tf: Double {
            var t = 0.0
            if let w = word, w.doc == doc { t += Double(w.tf) }
            if let p = part, p.doc == doc { t += Ranking.partWeight * Double(p.tf) }
            return t
        }

        mutating func next() {
            let d = doc
            if word?.doc == d { word!.next() }
            if part?.doc == d { part!.next() }
            settle()
        }

        mutating func seek(to target: UInt32) {
            word?.seek(to: target)
            part?.seek(to: target)
            settle()
        }

        private static func combine(_ a: BlockMaxima?, _ b: BlockMaxima?) -> (tf: Double, minWords: UInt32)? {
            guard a != nil || b != nil else { return nil }
            func tf(_ m: BlockMaxima?, _ w: Double) -> Double { m.map { $0.maxTF == .max ? .infinity : w * Double($0.maxTF) } ?? 0 }
            return (tf(a, 1) + tf(b, Ranking.partWeight), min(a?.minWords ?? .max, b?.minWords ?? .max))
        }

        mutating func blockMaxima(containing target: UInt32) -> (tf: Double, minWords: UInt32)? {
            Self.combine(word?.blockMaxima(containing: target), part?.blockMaxima(containing: target))
        }

        func listMaxima() -> (tf: Double, minWords: UInt32)? { Self.combine(word?.listMaxima(), part?.listMaxima()) }
    }

    /// The idf mass of a set of query words (bits of `ScoredTerm.word`). A doc's score is
    /// its lists' sum times the share of `totalMass` its words hold (the coordination
    /// factor): at most 1, so bounds on the sum bound the score; a doc holding both rare
    /// words of a question beats one holding a single rarer one.
    @inline(__always) private func massOf(_ words: UInt64) -> Double {
        var got = 0.0
        var m = words
        while m != 0 { got += mass[m.trailingZeroBitCount]; m &= m - 1 }
        return got
    }

    @inline(__always) private func norm(_ words: UInt32) -> Double {
        Ranking.k1 * (1 - Ranking.b + Ranking.b * Double(words) / avgdl)
    }

    @inline(__always) private func bound(_ weight: Double, _ hasTF: Bool, _ m: (tf: Double, minWords: UInt32)?) -> Double {
        guard let m else { return 0 }
        guard hasTF else { return weight }
        if m.tf == .infinity { return weight * (Ranking.k1 + 1) }
        return weight * Ranking.tfPart(m.tf, norm: norm(m.minWords))
    }

    mutating func search<S: SearchSource>(_ s: S, source: Int) {
        // The lists this source holds; then the union of their docs, admitted by the filters.
        var scorers: [Scorer<S.Cursor>] = []
        let words = s.docCount
        var union = [UInt64](repeating: 0, count: (words + 63) / 64)
        func mark(_ c: inout S.Cursor?) {
            guard c != nil, !union.isEmpty else { return }
            union.withUnsafeMutableBufferPointer { c!.markRemaining(into: $0.baseAddress!, limit: words) }
            c!.rewind()
        }
        for (i, t) in terms.enumerated() {
            var word = t.key.withUnsafeBytes { s.cursor(t.field ? .field : .word, $0) }
            var part = t.field ? nil : t.key.withUnsafeBytes { s.cursor(.part, $0) }
            guard word != nil || part != nil else { continue }
            mark(&word)
            mark(&part)
            var scorer = Scorer(word: word, part: part, canon: i, weight: t.weight, hasTF: !t.field)
            scorer.bound = bound(t.weight, !t.field, scorer.listMaxima())
            scorers.append(scorer)
        }
        guard !scorers.isEmpty, let admitted = plan.admitted(s, within: union) else { return }
        var count = 0
        for w in admitted { count += w.nonzeroBitCount }
        total += count
        guard count > 0, top.limit > 0 else { return }
        @inline(__always) func isAdmitted(_ d: UInt32) -> Bool { admitted[Int(d) >> 6] & (1 << UInt64(d & 63)) != 0 }

        if byRecency {
            for w in admitted.indices where admitted[w] != 0 {
                var x = admitted[w]
                while x != 0 {
                    let d = UInt32(w * 64 + x.trailingZeroBitCount)
                    x &= x - 1
                    top.offer(Hit(score: 0, createdAt: s.createdAt(d), source: source, doc: d))
                }
            }
            return
        }

        // MaxScore: scorers by bound, ascending; the first `split` (non-essential) cannot
        // lift a doc into the top k on their own, so only docs of the others are candidates.
        // Bounds take the coordination factor into account: a doc held only by lists of
        // common words matches little of the query's idf mass, so its score is bounded by
        // the lists' bounds times that share.
        scorers.sort { $0.bound != $1.bound ? $0.bound < $1.bound : $0.canon < $1.canon }
        let n = scorers.count
        var below = [Double](repeating: 0, count: n + 1)      // sum of bounds of scorers[..<i]
        var belowMass = [Double](repeating: 0, count: n + 1)  // idf mass of their words
        var wordBit = [UInt64](repeating: 0, count: n)
        var mask: UInt64 = 0
        for i in 0..<n {
            below[i + 1] = below[i] + scorers[i].bound
            let w = terms[scorers[i].canon].word
            if w >= 0 { wordBit[i] = 1 << UInt64(w) }
            mask |= wordBit[i]
            belowMass[i + 1] = massOf(mask)
        }
        @inline(__always) func share(_ m: Double) -> Double { totalMass > 0 ? min(1, m / totalMass) : 1 }
        var contrib = [Double](repeating: 0, count: terms.count)
        var touched: [Int] = []
        touched.reserveCapacity(terms.count)
        var split = 0
        var threshold = -Double.infinity
        func refresh() {
            guard !exhaustive, top.isFull, let w = top.weakest else { return }
            // A doc whose bound is below the weakest kept score can neither beat nor tie it.
            threshold = w.score - 1e-9 * (1 + abs(w.score))
            while split < n && below[split + 1] * share(belowMass[split + 1]) < threshold { split += 1 }
        }
        refresh()
        while split < n {
            var d = UInt32.max
            for i in split..<n where scorers[i].doc < d { d = scorers[i].doc }
            if d == .max { break }
            var partial = 0.0
            var matched: UInt64 = 0
            let admittedDoc = isAdmitted(d)
            if admittedDoc && threshold > -Double.infinity {
                // First a bound from the block maxima alone: most candidates stop here,
                // before their length is read (a cache miss into the doc table).
                var most = below[split]
                var words: UInt64 = 0
                for i in split..<n where scorers[i].doc == d {
                    most += bound(scorers[i].weight, scorers[i].hasTF, scorers[i].blockMaxima(containing: d))
                    words |= wordBit[i]
                }
                if most * share(massOf(words) + belowMass[split]) < threshold {
                    for i in split..<n where scorers[i].doc == d { scorers[i].next() }
                    continue
                }
            }
            let dl = admittedDoc ? norm(s.words(d)) : 0
            for i in split..<n where scorers[i].doc == d {
                if admittedDoc {
                    let c = scorers[i].hasTF ? scorers[i].weight * Ranking.tfPart(scorers[i].tf, norm: dl) : scorers[i].weight
                    contrib[scorers[i].canon] = c
                    touched.append(scorers[i].canon)
                    partial += c
                    matched |= wordBit[i]
                }
                scorers[i].next()
            }
            guard admittedDoc else { continue }
            var remaining = below[split]
            var matchedMass = massOf(matched)
            var pruned = false
            var i = split - 1
            while i >= 0 {
                // Lists i, i-1, ..., 0 may still add; the words they stand for bound the share.
                let most = share(matchedMass + belowMass[i + 1])
                if (partial + remaining) * most < threshold { pruned = true; break }
                let blockBound = bound(scorers[i].weight, scorers[i].hasTF, scorers[i].blockMaxima(containing: d))
                if (partial + remaining - scorers[i].bound + blockBound) * most < threshold { pruned = true; break }
                remaining -= scorers[i].bound
                if blockBound > 0 {
                    scorers[i].seek(to: d)
                    if scorers[i].doc == d {
                        let c = scorers[i].hasTF ? scorers[i].weight * Ranking.tfPart(scorers[i].tf, norm: dl) : scorers[i].weight
                        contrib[scorers[i].canon] = c
                        touched.append(scorers[i].canon)
                        partial += c
                        if matched & wordBit[i] == 0 { matched |= wordBit[i]; matchedMass = massOf(matched) }
                    }
                }
                i -= 1
            }
            if !pruned {
                // The same sum in the same order whichever lists found the doc.
                touched.sort()
                var score = 0.0
                for t in touched { score += contrib[t] }
                score *= share(massOf(matched))
                scored += 1
                top.offer(Hit(score: score, createdAt: s.createdAt(d), source: source, doc: d, words: matched))
                refresh()
            }
            for t in touched { contrib[t] = 0 }
            touched.removeAll(keepingCapacity: true)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
