/// Segments and tokens of one tier of a project.
public struct TierTotals: Sendable, Equatable {
    /// Live segments.
    public var segments: Int = 0
    /// Their tokens (cached counts).
    public var tokens: Int = 0

    /// Totals (for an app's own tests and stubs).
    public init(segments: Int = 0, tokens: Int = 0) {
        self.segments = segments
        self.tokens = tokens
    }
}

/// Per-tier totals of a project's live segments, kept as records come and go.
public struct ProjectTotals: Sendable, Equatable {
    /// Zero in every tier (for an app's own tests and stubs).
    public init() {}

    /// One entry per tier, in `SegmentTier.allCases` order (read it through the subscript).
    public var byTier: [TierTotals] = SegmentTier.allCases.map { _ in TierTotals() }

    /// The totals of one tier. Cost: constant.
    public subscript(tier: SegmentTier) -> TierTotals {
        get { byTier[Int(tier.code)] }
        set { byTier[Int(tier.code)] = newValue }
    }

    /// Live segments over all tiers.
    public var segments: Int { byTier.reduce(0) { $0 + $1.segments } }
    /// Tokens over all tiers.
    public var tokens: Int { byTier.reduce(0) { $0 + $1.tokens } }

    mutating func add(_ d: DocInfo, _ sign: Int) {
        byTier[Int(d.tier)].segments += sign
        byTier[Int(d.tier)].tokens += sign * Int(d.tokens)
    }
}

/// A sealed index file with its dead-doc bitmaps: `dead` is what readers see (persisted
/// deletions plus kills by records not yet sealed), `persisted` what its deletion file holds.
struct SealedSegment {
    let segment: IndexSegment
    var dead: Bitmap
    var persisted: Bitmap
    var deleteGeneration: UInt32
    var deadCount: Int
}

/// The index of one project: sealed index files (oldest first) and the memtable. It lives
/// in an `IndexPair`: the writer thread changes a copy no reader is in (no I/O inside);
/// searches and gets read the other copy without a lock.
final class ProjectIndex: @unchecked Sendable {
    // Sendable: `IndexPair` keeps readers and the writer on different copies.
    let number: UInt64
    let projectID: String
    private(set) var segments: [SealedSegment]
    private(set) var memtable: MemTable
    private(set) var totals: ProjectTotals
    /// Docs in all sources (dead included) and their words: BM25's N and average length.
    private var allDocs: Int
    private var allWords: UInt64

    init(number: UInt64, projectID: String, segments: [SealedSegment], memtableStart: LogPosition, totals: ProjectTotals) {
        self.number = number
        self.projectID = projectID
        self.segments = segments
        self.memtable = MemTable(start: memtableStart)
        self.totals = totals
        allDocs = segments.reduce(0) { $0 + $1.segment.docCount }
        allWords = segments.reduce(0) { $0 + $1.segment.totalWords }
    }

    // MARK: Writer side (through `IndexPair.write`)

    /// Applies a put at `location`: the previous live version of the id dies.
    func applyPut(_ s: ContextSegment, analyzed: AnalyzedText, location: RecordLocation) {
        killLive(ByteKey(s.segmentID), hash: TermHash.hash(s.segmentID))
        let doc = memtable.add(s, analyzed: analyzed, location: location)
        totals.add(memtable.docs[Int(doc)], 1)
        allDocs += 1
        allWords += UInt64(analyzed.wordCount)
    }

    func applyDelete(_ id: String) {
        killLive(ByteKey(id), hash: TermHash.hash(id))
    }

    private func killLive(_ key: ByteKey, hash: UInt64) {
        if let d = memtable.liveDoc(key) {
            totals.add(memtable.docs[Int(d)], -1)
            memtable.kill(d)
            return
        }
        for i in segments.indices.reversed() {
            let docs = key.bytes.withUnsafeBytes { segments[i].segment.docs(withID: $0, hash: hash) }
            for d in docs.reversed() where !segments[i].dead[d] {
                segments[i].dead.set(d)
                segments[i].deadCount += 1
                totals.add(segments[i].segment.doc(d), -1)
                memtable.recordKill(segment: segments[i].segment.number, doc: UInt32(d))
                return
            }
        }
    }

    /// Replaces the memtable by the index file it was sealed into (and the deletion files
    /// written with it); `next` starts where the memtable ended.
    func installSeal(newSegment: SealedSegment?, updated: [UInt32: (bitmap: Bitmap, generation: UInt32)], next: LogPosition) {
        for i in segments.indices {
            if let u = updated[segments[i].segment.number] {
                segments[i].persisted = u.bitmap
                segments[i].deleteGeneration = u.generation
            }
        }
        if let s = newSegment { segments.append(s) }
        memtable = MemTable(start: next)
    }

    /// Replaces the index files `range` (adjacent, oldest first) by the one a compaction
    /// wrote from their live docs (nil if none survived); `remap` gives, per input file
    /// number, each old doc's new doc (`UInt32.max`: not copied), to move pending kills.
    func installCompaction(range: Range<Int>, replacement: SealedSegment?, remap: [UInt32: [UInt32]]) {
        var next = Array(segments[..<range.lowerBound])
        if let r = replacement { next.append(r) }
        next += segments[range.upperBound...]
        segments = next
        if let r = replacement {
            let number = r.segment.number
            memtable.remapKills { seg, doc in
                guard let m = remap[seg], Int(doc) < m.count, m[Int(doc)] != .max else { return nil }
                return (number, m[Int(doc)])
            }
        }
        recountAll()
    }

    /// What a committed import changes in an existing project's index (the writer builds
    /// it before the publish, `installImport` applies it after).
    struct ImportInstall {
        /// Older versions the import supersedes: (source segment, doc).
        var kills: [(segment: Int, doc: Int)]
        /// The new persisted dead bitmaps, and their deletion files' generations, by index file number.
        var updated: [UInt32: (bitmap: Bitmap, generation: UInt32)]
        /// The import's index files, appended after the existing ones.
        var staged: [SealedSegment]
        var totals: ProjectTotals
    }

    /// Installs a committed import: the older versions it supersedes die (persisted in
    /// `updated`), its index files follow the existing ones.
    func installImport(_ x: ImportInstall) {
        for (src, d) in x.kills where !segments[src].dead[d] {
            segments[src].dead.set(d)
            segments[src].deadCount += 1
        }
        for i in segments.indices {
            if let u = x.updated[segments[i].segment.number] {
                segments[i].persisted = u.bitmap
                segments[i].deleteGeneration = u.generation
            }
        }
        segments += x.staged
        totals = x.totals
        recountAll()
    }

    /// BM25's N and total length after index files were replaced (dead docs included).
    private func recountAll() {
        allDocs = segments.reduce(0) { $0 + $1.segment.docCount } + memtable.docCount
        allWords = segments.reduce(0) { $0 + $1.segment.totalWords } + memtable.totalWords
    }

    // MARK: Reader side (through `IndexPair.read`)

    /// The live doc of each id: (source, doc, location). Sources: segments by index, the
    /// memtable as `segments.count`.
    func locate(_ id: String) -> (source: Int, doc: UInt32, location: RecordLocation)? {
        let key = ByteKey(id)
        if let d = memtable.liveDoc(key) { return (segments.count, d, memtable.docs[Int(d)].location) }
        let hash = TermHash.hash(id)
        for i in segments.indices.reversed() {
            let docs = key.bytes.withUnsafeBytes { segments[i].segment.docs(withID: $0, hash: hash) }
            if let d = docs.last(where: { !segments[i].dead[$0] }) {
                return (i, UInt32(d), segments[i].segment.doc(d).location)
            }
        }
        return nil
    }

    func docInfo(source: Int, doc: UInt32) -> DocInfo {
        source == segments.count ? memtable.docs[Int(doc)] : segments[source].segment.doc(Int(doc))
    }

    func segmentID(source: Int, doc: UInt32) -> String {
        source == segments.count ? memtable.ids[Int(doc)] : segments[source].segment.segmentID(Int(doc))
    }

    /// Runs a query: total live matches and the best `limit` hits.
    func search(terms: [[UInt8]], filters: SearchFilters, limit: Int, order: SearchOrder) -> (total: Int, hits: [Hit]) {
        var meta: [(MetaField, [UInt8])] = []
        if let v = filters.filePath { meta.append((.filePath, Array(v.utf8))) }
        if let v = filters.taskID { meta.append((.taskID, Array(v.utf8))) }
        for t in Set(filters.tags.map { ByteKey($0) }) { meta.append((.tag, t.bytes)) }
        if let v = filters.type { meta.append((.type, Array(v.rawValue.utf8))) }
        if let v = filters.tier { meta.append((.tier, Array(v.rawValue.utf8))) }
        let after = filters.createdAfter?.instantMicroseconds ?? Int64.min
        let before = filters.createdBefore?.instantMicroseconds ?? Int64.max
        // An empty range matches nothing (and `after + 1` below cannot overflow past it).
        if after != Int64.min && before != Int64.max && after >= before - 1 { return (0, []) }

        // Global BM25 statistics: N, average length, and each term's df over all sources.
        let n = Double(max(allDocs, 1))
        let avgdl = max(Double(allWords) / n, 1)
        var idf: [Double] = []
        for t in terms {
            var df = 0
            t.withUnsafeBytes { key in
                for s in segments { df += s.segment.term(key)?.df ?? 0 }
                if let id = memtable.termID(key) { df += memtable.postings.count(id) }
            }
            idf.append(log(1 + (n - Double(df) + 0.5) / (Double(df) + 0.5)))
        }
        var ctx = Execution(idf: idf, avgdl: avgdl, after: after, before: before,
                            byRecency: order == .recent || terms.isEmpty, top: TopK(limit: limit))
        for (i, s) in segments.enumerated() {
            if terms.isEmpty && meta.isEmpty {
                ctx.total += recencyScan(s, source: i, &ctx)
                continue
            }
            var cursors: [PostingsCursor] = []
            var missing = false
            for t in terms {
                guard let p = t.withUnsafeBytes({ s.segment.term($0) }) else { missing = true; break }
                cursors.append(PostingsCursor(list: p.list, df: p.df, hasTF: true))
            }
            if missing { continue }
            for (f, v) in meta {
                guard let p = v.withUnsafeBytes({ s.segment.meta(f, $0) }) else { missing = true; break }
                cursors.append(PostingsCursor(list: p.list, df: p.df, hasTF: false))
            }
            if missing { continue }
            let seg = s.segment
            ctx.total += intersect(&cursors, termCount: terms.count, source: i, dead: s.dead,
                                   createdAt: { seg.createdAt(Int($0)) }, words: { seg.words(Int($0)) }, &ctx)
        }
        // The memtable.
        let m = memtable
        let source = segments.count
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
                                       createdAt: { m.docs[Int($0)].createdAt }, words: { m.docs[Int($0)].words }, &ctx)
            }
        }
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
    private func intersect<C: DocCursor>(_ cursors: inout [C], termCount: Int, source: Int, dead: Bitmap,
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
    private func recencyScan(_ s: SealedSegment, source: Int, _ ctx: inout Execution) -> Int {
        let seg = s.segment
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
