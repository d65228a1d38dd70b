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
    /// One weighted list of a query: `weight` already holds the kind's weight times the idf.
    struct ScoredTerm: Equatable {
        var kind: TermKind
        var key: [UInt8]
        var weight: Double
        /// The query word it stands for (an index of `QueryTerms.terms`, below 64), or -1
        /// (a part of a query identifier): what the coordination factor counts.
        var word: Int
    }

    /// The weighted lists of a query over this project: global dfs and idfs (over every
    /// source); lists no source holds are left out.
    func scoredTerms(_ q: QueryTerms) -> [ScoredTerm] {
        var out: [ScoredTerm] = []
        var at: [[UInt8]: Int] = [:]  // kind byte + key -> index in out
        var word = -1
        func add(_ kind: TermKind, _ key: [UInt8], _ weight: Double) {
            let k = [UInt8(kind.rawValue)] + key
            if let i = at[k] {
                if weight > out[i].weight { out[i].weight = weight; out[i].word = word }
                return
            }
            at[k] = out.count
            out.append(ScoredTerm(kind: kind, key: key, weight: weight, word: word))
        }
        let mem = MemSource(memtable: memtable)
        for (i, t) in q.terms.enumerated() {
            word = i < 64 ? i : -1
            if !t.isPrefix {
                add(.word, t.bytes, Ranking.wordWeight)
                add(.part, t.bytes, Ranking.partWeight)
                add(.field, t.bytes, Ranking.fieldWeight)
                continue
            }
            for (kind, w) in [(TermKind.word, Ranking.wordWeight), (.part, Ranking.partWeight)] {
                var dfs: [[UInt8]: Int] = [:]
                for f in files { FileSource(state: f).forEachKey(kind, withPrefix: t.bytes) { dfs[$0, default: 0] += $1 } }
                mem.forEachKey(kind, withPrefix: t.bytes) { dfs[$0, default: 0] += $1 }
                let best = dfs.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
                for (key, _) in best.prefix(Ranking.maxPrefixExpansions) { add(kind, key, w) }
            }
        }
        word = -1
        for p in q.parts {
            add(.word, p, Ranking.queryPartWeight * Ranking.wordWeight)
            add(.part, p, Ranking.queryPartWeight * Ranking.partWeight)
            add(.field, p, Ranking.queryPartWeight * Ranking.fieldWeight)
        }
        let n = Double(max(allDocs, 1))
        func df(_ kind: TermKind, _ key: [UInt8]) -> Int {
            key.withUnsafeBytes { k in files.reduce(mem.df(kind, k)) { $0 + FileSource(state: $1).df(kind, k) } }
        }
        var kept: [ScoredTerm] = []
        for var t in out {
            let own = df(t.kind, t.key)
            guard own > 0 else { continue }
            // A part or field match of a word counts with the rarity of the word in any of
            // its roles: a common word that is seldom a part ("the" in the_value) must not
            // weigh like a rare one.
            let effective = t.kind == .word ? own : min(allDocs, own + df(.word, t.key))
            t.weight *= Ranking.idf(df: effective, n: n)
            kept.append(t)
        }
        return kept
    }

    /// Total live matches and the best `limit` (see the type's comment).
    func searchAny(_ q: QueryTerms, filters: SearchFilters, limit: Int, order: SearchOrder,
                   exhaustive: Bool = false) -> (total: Int, hits: [Hit]) {
        guard let plan = SearchPlan(filters) else { return (0, []) }
        let terms = scoredTerms(q)
        guard !terms.isEmpty else { return (0, []) }
        let words = Set(terms.map(\.word).filter { $0 >= 0 }).count
        var run = AnyRun(terms: terms, words: words, plan: plan, avgdl: max(Double(allWords) / Double(max(allDocs, 1)), 1),
                         byRecency: order == .recent, exhaustive: exhaustive, top: TopK(limit: limit))
        for (i, f) in files.enumerated() { run.search(FileSource(state: f), source: i) }
        run.search(MemSource(memtable: memtable), source: files.count)
        return (run.total, run.top.sorted())
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
    /// Distinct query words the lists stand for (the coordination factor's denominator).
    let words: Int
    let plan: SearchPlan
    let avgdl: Double
    let byRecency: Bool
    let exhaustive: Bool
    var top: TopK
    var total = 0

    private struct Scorer<C: MaximaCursor> {
        var cursor: C
        /// Index in `terms`: the order contributions are summed in.
        let canon: Int
        let weight: Double
        let hasTF: Bool
        /// Upper bound of its contribution to any doc of the source.
        let bound: Double
    }

    /// The share of the query's words a doc matched, raised to `Ranking.coordination`: at
    /// most 1, so a doc's bound (the sum of its lists' bounds) still bounds its score.
    @inline(__always) private func coordination(_ matched: UInt64) -> Double {
        guard words > 1, Ranking.coordination > 0 else { return 1 }
        return pow(Double(matched.nonzeroBitCount) / Double(words), Ranking.coordination)
    }

    @inline(__always) private func norm(_ words: UInt32) -> Double {
        Ranking.k1 * (1 - Ranking.b + Ranking.b * Double(words) / avgdl)
    }

    @inline(__always) private func bound(_ weight: Double, _ hasTF: Bool, _ m: BlockMaxima) -> Double {
        guard hasTF else { return weight }
        if m.maxTF == .max { return weight * (Ranking.k1 + 1) }
        return weight * Ranking.tfPart(Double(m.maxTF), norm: norm(m.minWords))
    }

    mutating func search<S: SearchSource>(_ s: S, source: Int) {
        // The lists this source holds; then the union of their docs, admitted by the filters.
        var scorers: [Scorer<S.Cursor>] = []
        let words = s.docCount
        var union = [UInt64](repeating: 0, count: (words + 63) / 64)
        for (i, t) in terms.enumerated() {
            guard var c = t.key.withUnsafeBytes({ s.cursor(t.kind, $0) }) else { continue }
            let hasTF = t.kind != .field
            scorers.append(Scorer(cursor: c, canon: i, weight: t.weight, hasTF: hasTF,
                                  bound: bound(t.weight, hasTF, c.listMaxima())))
            while c.doc != .max { let d = Int(c.doc); if d < words { union[d >> 6] |= 1 << UInt64(d & 63) }; c.next() }
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
        scorers.sort { $0.bound != $1.bound ? $0.bound < $1.bound : $0.canon < $1.canon }
        var below = [Double](repeating: 0, count: scorers.count + 1)  // below[i]: sum of bounds of scorers[..<i]
        for i in scorers.indices { below[i + 1] = below[i] + scorers[i].bound }
        var contrib = [Double](repeating: 0, count: terms.count)
        var touched: [Int] = []
        touched.reserveCapacity(terms.count)
        var split = 0
        var threshold = -Double.infinity
        func refresh() {
            guard !exhaustive, top.isFull, let w = top.weakest else { return }
            // A doc whose bound is below the weakest kept score can neither beat nor tie it.
            threshold = w.score - 1e-9 * (1 + abs(w.score))
            while split < scorers.count && below[split + 1] < threshold { split += 1 }
        }
        refresh()
        while split < scorers.count {
            var d = UInt32.max
            for i in split..<scorers.count where scorers[i].cursor.doc < d { d = scorers[i].cursor.doc }
            if d == .max { break }
            var partial = 0.0
            let admittedDoc = isAdmitted(d)
            let dl = admittedDoc ? norm(s.words(d)) : 0
            for i in split..<scorers.count where scorers[i].cursor.doc == d {
                if admittedDoc {
                    let c = scorers[i].hasTF ? scorers[i].weight * Ranking.tfPart(Double(scorers[i].cursor.tf), norm: dl) : scorers[i].weight
                    contrib[scorers[i].canon] = c
                    touched.append(scorers[i].canon)
                    partial += c
                }
                scorers[i].cursor.next()
            }
            guard admittedDoc else { continue }
            var remaining = below[split]
            var pruned = false
            var i = split - 1
            while i >= 0 {
                if partial + remaining < threshold { pruned = true; break }
                let blockBound = scorers[i].cursor.blockMaxima(containing: d).map { bound(scorers[i].weight, scorers[i].hasTF, $0) } ?? 0
                if partial + remaining - scorers[i].bound + blockBound < threshold { pruned = true; break }
                remaining -= scorers[i].bound
                if blockBound > 0 {
                    scorers[i].cursor.seek(to: d)
                    if scorers[i].cursor.doc == d {
                        let c = scorers[i].hasTF ? scorers[i].weight * Ranking.tfPart(Double(scorers[i].cursor.tf), norm: dl) : scorers[i].weight
                        contrib[scorers[i].canon] = c
                        touched.append(scorers[i].canon)
                        partial += c
                    }
                }
                i -= 1
            }
            if !pruned {
                touched.sort()
                var score = 0.0
                var matched: UInt64 = 0
                for t in touched {
                    score += contrib[t]
                    if terms[t].word >= 0 { matched |= 1 << UInt64(terms[t].word) }
                }
                score *= coordination(matched)
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
