/// `any`-mode search over one project: a doc matches when it holds at least one weighted
/// list of the query (a word, a part of an identifier, a word of its file_path or tags, a
/// prefix's expansion) and passes the filters. Each source is done in two steps: a count
/// (the union of the lists, as a bitmap, intersected with the filters, the live docs and
/// the time range: `total_matches` is exact), then the top k by MaxScore over block maxima,
/// which skips the docs that only common (low-bound) lists hold and cannot make the cut.
/// `exhaustive` scores every match instead (the reference the tests compare with).
///
/// A doc's score is the sum of its lists' contributions added in the order of `scoredTerms`
/// whichever way it was found, so both ways give bit-identical scores and the same top k.
extension ProjectIndex {

    /// One scorer of a query: `weight` already holds its weight times the idf. A text scorer
    /// reads the word's whole-word list and its part list as one term, with tf = tf(word) +
    /// `Ranking.partWeight` * tf(part), saturated once (BM25F-like): a doc holding `region`
    /// both alone and in `mmap_region` scores once, not twice. A field scorer reads the
    /// word's file_path/tags list, a fixed weight per doc.
    struct ScoredTerm: Equatable {
        var field: Bool
        var key: [UInt8]
        var weight: Double
        /// The query word it stands for (an index of `QueryTerms.terms`, below 64), or -1
        /// (a part of a query identifier): what the coordination factor counts.
        var word: Int
    }

    /// The scorers of a query over this project, with dfs and idfs over every source;
    /// scorers no source holds are left out.
    func scoredTerms(_ q: QueryTerms) -> [ScoredTerm] {
        var out: [ScoredTerm] = []
        var at: [[UInt8]: Int] = [:]  // field flag + key -> index in out
        var word = -1
        func add(_ field: Bool, _ key: [UInt8], _ weight: Double) {
            let k = [field ? 1 : 0] + key
            if let i = at[k] {
                if weight > out[i].weight { out[i].weight = weight; out[i].word = word }
                return
            }
            at[k] = out.count
            out.append(ScoredTerm(field: field, key: key, weight: weight, word: word))
        }
        let mem = MemSource(memtable: memtable)
        func expansions(_ kinds: [TermKind], _ prefix: [UInt8]) -> [[UInt8]] {
            var dfs: [[UInt8]: Int] = [:]
            for kind in kinds {
                for f in files { FileSource(state: f).forEachKey(kind, withPrefix: prefix) { dfs[$0, default: 0] += $1 } }
                mem.forEachKey(kind, withPrefix: prefix) { dfs[$0, default: 0] += $1 }
            }
            let best = dfs.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
            return best.prefix(Ranking.maxPrefixExpansions).map(\.key)
        }
        for (i, t) in q.terms.enumerated() {
            word = i < 64 ? i : -1
            if t.isPrefix {
                for e in expansions([.word, .part], t.bytes) { add(false, e, Ranking.wordWeight) }
                for e in expansions([.field], t.bytes) { add(true, e, Ranking.fieldWeight) }
            } else {
                add(false, t.bytes, Ranking.wordWeight)
                add(true, t.bytes, Ranking.fieldWeight)
            }
        }
        word = -1
        for p in q.parts {
            add(false, p, Ranking.queryPartWeight * Ranking.wordWeight)
            add(true, p, Ranking.queryPartWeight * Ranking.fieldWeight)
        }
        let n = max(allDocs, 1)
        func df(_ kind: TermKind, _ key: [UInt8]) -> Int {
            key.withUnsafeBytes { k in files.reduce(mem.df(kind, k)) { $0 + FileSource(state: $1).df(kind, k) } }
        }
        // Stop words weigh little, unless the query has nothing else.
        let allStop = q.terms.allSatisfy { !$0.isPrefix && StopWords.english.contains($0.bytes) }
        var kept: [ScoredTerm] = []
        for var t in out {
            if !allStop && StopWords.english.contains(t.key) { t.weight *= Ranking.stopWordWeight }
            let word = df(.word, t.key)
            let own = t.field ? df(.field, t.key) : df(.part, t.key) + word
            guard t.field ? own > 0 : own > 0 else { continue }
            // A field match counts with the rarity of the word in the text too: a common
            // word that is seldom in paths ("the") must not weigh like a rare one.
            let effective = min(n, t.field ? own + word : own)
            t.weight *= Ranking.idf(df: effective, n: Double(n))
            kept.append(t)
        }
        return kept
    }

    /// Total live matches and the best `limit` (see the type's comment).
    func searchAny(_ q: QueryTerms, filters: SearchFilters, limit: Int, order: SearchOrder,
                   exhaustive: Bool = false) -> (total: Int, hits: [Hit]) {
        let r = searchAnyCounting(q, filters: filters, limit: limit, order: order, exhaustive: exhaustive)
        return (r.total, r.hits)
    }

    /// `searchAny`, also saying how many docs were scored in full (what MaxScore saves).
    func searchAnyCounting(_ q: QueryTerms, filters: SearchFilters, limit: Int, order: SearchOrder,
                           exhaustive: Bool = false) -> (total: Int, hits: [Hit], scored: Int) {
        guard let plan = SearchPlan(filters) else { return (0, [], 0) }
        let terms = scoredTerms(q)
        guard !terms.isEmpty else { return (0, [], 0) }
        // Each query word's mass: the largest idf weight among its text scorers.
        var mass = [Double](repeating: 0, count: 64)
        for t in terms where t.word >= 0 && !t.field { mass[t.word] = max(mass[t.word], t.weight) }
        var run = AnyRun(terms: terms, mass: mass, totalMass: mass.reduce(0, +), plan: plan, avgdl: max(Double(allWords) / Double(max(allDocs, 1)), 1),
                         byRecency: order == .recent, exhaustive: exhaustive, top: TopK(limit: limit))
        for (i, f) in files.enumerated() { run.search(FileSource(state: f), source: i) }
        run.search(MemSource(memtable: memtable), source: files.count)
        return (run.total, run.top.sorted(), run.scored)
    }
}

/// The filters of a query as the engine applies them: metadata values (postings) and a
/// time range. Nil when the range is empty (nothing can match).
struct SearchPlan {
    var meta: [(MetaField, [UInt8])] = []
    var after: Int64
    var before: Int64

    init?(_ filters: SearchFilters) {
        if let v = filters.filePath { meta.append((.filePath, Array(v.utf8))) }
        if let v = filters.taskID { meta.append((.taskID, Array(v.utf8))) }
        for t in Set(filters.tags.map { ByteKey($0) }) { meta.append((.tag, t.bytes)) }
        if let v = filters.type { meta.append((.type, Array(v.rawValue.utf8))) }
        if let v = filters.tier { meta.append((.tier, Array(v.rawValue.utf8))) }
        after = filters.createdAfter?.instantMicroseconds ?? Int64.min
        before = filters.createdBefore?.instantMicroseconds ?? Int64.max
        if after != Int64.min && before != Int64.max && after >= before - 1 { return nil }
    }

    var hasTimeRange: Bool { after != Int64.min || before != Int64.max }

    /// The docs of `s` that pass the filters, live and in the time range, restricted to
    /// `within` (nil: all docs); nil when a filter value is absent from `s` (nothing passes).
    func admitted<S: SearchSource>(_ s: S, within: [UInt64]?) -> [UInt64]? {
        let n = s.docCount
        var bits = within ?? [UInt64](repeating: ~0, count: (n + 63) / 64)
        if within == nil, n % 64 != 0, !bits.isEmpty { bits[bits.count - 1] = (1 << UInt64(n % 64)) - 1 }
        for (f, v) in meta {
            guard var c = v.withUnsafeBytes({ s.metaCursor(f, $0) }) else { return nil }
            var m = [UInt64](repeating: 0, count: bits.count)
            while c.doc != .max { let d = Int(c.doc); if d < n { m[d >> 6] |= 1 << UInt64(d & 63) }; c.next() }
            for i in bits.indices { bits[i] &= m[i] }
        }
        let dead = s.dead
        for i in 0..<min(bits.count, dead.words.count) { bits[i] &= ~dead.words[i] }
        if hasTimeRange {
            for w in bits.indices where bits[w] != 0 {
                var x = bits[w]
                while x != 0 {
                    let b = x.trailingZeroBitCount
                    x &= x - 1
                    let c = s.createdAt(UInt32(w * 64 + b))
                    if !(c > after && c < before) { bits[w] &= ~(1 << UInt64(b)) }
                }
            }
        }
        return bits
    }
}

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
            guard c != nil else { return }
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
                top.offer(Hit(score: score, createdAt: s.createdAt(d), source: source, doc: d))
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
