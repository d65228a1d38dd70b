/// The query engine over one project's index: BM25 over the AND of term and filter
/// postings in every source, or recency order. Runs on a reader's copy (`IndexPair.read`).
extension ProjectIndex {
    /// Runs a query: total live matches and the best `limit` hits.
    func search(terms: [[UInt8]], filters: SearchFilters, limit: Int, order: SearchOrder) -> (total: Int, hits: [Hit]) {
        // An empty time range matches nothing.
        guard let plan = SearchPlan(filters) else { return (0, []) }
        let meta = plan.meta, after = plan.after, before = plan.before

        // Global BM25 statistics: N, average length, and each term's df over all sources.
        let n = Double(max(allDocs, 1))
        let avgdl = max(Double(allWords) / n, 1)
        var idf: [Double] = []
        for t in terms {
            var df = 0
            t.withUnsafeBytes { key in
                for s in files { df += s.reader.term(key)?.df ?? 0 }
                if let id = memtable.termID(key) { df += memtable.postings.count(id) }
            }
            idf.append(log(1 + (n - Double(df) + 0.5) / (Double(df) + 0.5)))
        }
        var ctx = Execution(idf: idf, avgdl: avgdl, after: after, before: before,
                            byRecency: order == .recent || terms.isEmpty, top: TopK(limit: limit))
        for (i, s) in files.enumerated() {
            if terms.isEmpty && meta.isEmpty {
                ctx.total += recencyScan(s, source: i, &ctx)
                continue
            }
            var cursors: [PostingsCursor] = []
            var missing = false
            let source = FileSource(state: s)
            for t in terms {
                guard let c = t.withUnsafeBytes({ source.cursor(.word, $0) }) else { missing = true; break }
                cursors.append(c)
            }
            if missing { continue }
            for (f, v) in meta {
                guard let c = v.withUnsafeBytes({ source.metaCursor(f, $0) }) else { missing = true; break }
                cursors.append(c)
            }
            if missing { continue }
            let seg = s.reader
            ctx.total += intersect(&cursors, termCount: terms.count, source: i, dead: s.dead,
                                   createdAt: { seg.createdAt(Int($0)) }, words: { seg.normWords(Int($0)) }, &ctx)
        }
        // The memtable.
        let m = memtable
        let source = files.count
        if terms.isEmpty && meta.isEmpty {
            for d in 0..<m.docCount where !m.isDead(d) {
                let c = m.docs[d].createdAt
                guard c > after && c < before else { continue }
                ctx.total += 1
                ctx.top.offer(Hit(score: 0, createdAt: c, source: source, doc: UInt32(d)))
            }
        } else {
            var cursors: [PoolCursor] = []
            var missing = false
            for t in terms {
                guard let id = t.withUnsafeBytes({ m.termID($0) }) else { missing = true; break }
                cursors.append(m.postings.cursor(id))
            }
            if !missing {
                for (f, v) in meta {
                    guard let id = v.withUnsafeBytes({ m.metaID(f, $0) }) else { missing = true; break }
                    cursors.append(m.metaPostings[f.rawValue].cursor(id))
                }
            }
            if !missing {
                ctx.total += intersect(&cursors, termCount: terms.count, source: source, dead: m.dead,
                                       createdAt: { m.docs[Int($0)].createdAt }, words: { Ranking.clampedWords(m.docs[Int($0)].words) }, &ctx)
            }
        }
        return (ctx.total, ctx.top.sorted())
    }

    /// `all` mode with prefix terms (`mmap*`): a prefix clause matches a doc holding any
    /// word that starts with it (every expansion: the match set is exact), and scores the sum
    /// of its expansions' BM25. Each clause is decoded into memory per source, then ANDed.
    func searchWithPrefixes(_ q: QueryTerms, filters: SearchFilters, limit: Int, order: SearchOrder) -> (total: Int, hits: [Hit]) {
        guard let plan = SearchPlan(filters) else { return (0, []) }
        let mem = MemSource(memtable: memtable)
        let n = Double(max(allDocs, 1))
        // Each clause's keys and their global idf.
        var clauses: [[([UInt8], Double)]] = []
        for t in q.terms {
            var keys: [[UInt8]] = [t.bytes]
            if t.isPrefix {
                var found = Set<[UInt8]>()
                for f in files { FileSource(state: f).forEachKey(.word, withPrefix: t.bytes) { k, _ in found.insert(k) } }
                mem.forEachKey(.word, withPrefix: t.bytes) { k, _ in found.insert(k) }
                keys = found.sorted { $0.lexicographicallyPrecedes($1) }
            }
            clauses.append(keys.map { key in (key, Ranking.idf(df: documentFrequency(.word, key), n: n)) })
        }
        var ctx = Execution(idf: [], avgdl: max(Double(allWords) / n, 1), after: plan.after, before: plan.before,
                            byRecency: order == .recent, top: TopK(limit: limit))
        func run<S: SearchSource>(_ s: S, source: Int) {
            var cursors: [MaterializedCursor] = []
            for clause in clauses {
                var scores = [Double](repeating: 0, count: s.docCount)
                var bits = [UInt64](repeating: 0, count: (s.docCount + 63) / 64)
                for (key, idf) in clause {
                    guard var c = key.withUnsafeBytes({ s.cursor(.word, $0) }) else { continue }
                    while c.doc != .max {
                        let d = Int(c.doc)
                        if d < s.docCount {
                            let norm = Ranking.k1 * (1 - Ranking.b + Ranking.b * Double(s.words(c.doc)) / ctx.avgdl)
                            scores[d] += idf * Ranking.tfPart(Double(c.tf), norm: norm)
                            bits[d >> 6] |= 1 << UInt64(d & 63)
                        }
                        c.next()
                    }
                }
                var docs: [UInt32] = [], docScores: [Double] = []
                for w in bits.indices where bits[w] != 0 {
                    var x = bits[w]
                    while x != 0 {
                        let d = w * 64 + x.trailingZeroBitCount
                        x &= x - 1
                        docs.append(UInt32(d))
                        docScores.append(scores[d])
                    }
                }
                if docs.isEmpty { return }
                cursors.append(MaterializedCursor(docs: docs, scores: docScores))
            }
            for (f, v) in plan.meta {
                guard var c = v.withUnsafeBytes({ s.metaCursor(f, $0) }) else { return }
                var docs: [UInt32] = []
                while c.doc != .max { docs.append(c.doc); c.next() }
                cursors.append(MaterializedCursor(docs: docs, scores: []))
            }
            ctx.total += intersect(&cursors, termCount: clauses.count, source: source, dead: s.dead,
                                   createdAt: { s.createdAt($0) }, words: { s.words($0) }, &ctx)
        }
        for (i, f) in files.enumerated() { run(FileSource(state: f), source: i) }
        run(mem, source: files.count)
        return (ctx.total, ctx.top.sorted())
    }

    struct Execution {
        let idf: [Double]
        let avgdl: Double
        let after: Int64
        let before: Int64
        let byRecency: Bool
        var top: TopK
        var total = 0
    }

    /// AND of all cursors (the rarest leads, the others seek), minus dead docs and docs
    /// outside the time range; scores matches with BM25 (k1 1.2, b 0.75) unless ordering by
    /// recency. The first `termCount` cursors are the query terms, in `idf` order.
    fileprivate func intersect<C: DocCursor>(_ cursors: inout [C], termCount: Int, source: Int, dead: Bitmap,
                                         createdAt: (UInt32) -> Int64, words: (UInt32) -> UInt32,
                                         _ ctx: inout Execution) -> Int {
        guard !cursors.isEmpty else { return 0 }
        var lead = 0
        for i in cursors.indices where cursors[i].count < cursors[lead].count { lead = i }
        var matches = 0
        let k1 = 1.2, b = 0.75
        outer: while true {
            let d = cursors[lead].doc
            if d == .max { break }
            for j in cursors.indices where j != lead {
                cursors[j].seek(to: d)
                let o = cursors[j].doc
                if o != d {
                    if o == .max { break outer }
                    cursors[lead].seek(to: o)
                    continue outer
                }
            }
            if !dead[Int(d)] {
                let c = createdAt(d)
                if c > ctx.after && c < ctx.before {
                    matches += 1
                    if ctx.top.limit > 0 {
                        var score = 0.0
                        if !ctx.byRecency {
                            let norm = k1 * (1 - b + b * Double(words(d)) / ctx.avgdl)
                            for t in 0..<termCount {
                                if let p = cursors[t].precomputedScore { score += p; continue }
                                let tf = Double(cursors[t].tf)
                                score += ctx.idf[t] * tf * (k1 + 1) / (tf + norm)
                            }
                        }
                        ctx.top.offer(Hit(score: score, createdAt: c, source: source, doc: d))
                    }
                }
            }
            cursors[lead].next()
        }
        return matches
    }

    /// An empty, unfiltered query on a sealed file: walk its recency order for the top hits
    /// (stopping once nothing older can make the cut) and count without visiting every doc.
    fileprivate func recencyScan(_ s: IndexFileState, source: Int, _ ctx: inout Execution) -> Int {
        let seg = s.reader
        let n = seg.docCount
        // Recency order is by created_at descending: find the range inside the bounds.
        func firstIndex(where pred: (Int64) -> Bool) -> Int {
            var lo = 0, hi = n
            while lo < hi {
                let mid = (lo + hi) / 2
                if pred(seg.createdAt(seg.recency(mid))) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        let start = firstIndex { $0 < ctx.before }
        let end = firstIndex { $0 <= ctx.after }
        guard start < end else { return 0 }
        var deadInRange = 0
        if s.deadCount > 0 {
            for (w, word) in s.dead.words.enumerated() where word != 0 {
                var bits = word
                while bits != 0 {
                    let d = w * 64 + bits.trailingZeroBitCount
                    bits &= bits - 1
                    if d < n { let c = seg.createdAt(d); if c > ctx.after && c < ctx.before { deadInRange += 1 } }
                }
            }
        }
        var i = start
        while i < end {
            let d = seg.recency(i)
            i += 1
            if s.dead[d] { continue }
            let c = seg.createdAt(d)
            let hit = Hit(score: 0, createdAt: c, source: source, doc: UInt32(d))
            if ctx.top.isFull, let w = ctx.top.weakest, !hit.outranks(w) { break }
            ctx.top.offer(hit)
        }
        return end - start - deadInRange
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
