import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `any` mode against a model: the live segments per project and the match rule spelled
/// out with the analyzers (a query word or one of the query's identifier parts is among the
/// segment's words, its identifiers' parts, or the words and parts of its file_path and
/// tags; a prefix word matches the start of one of those words or parts). Random puts,
/// updates and deletes with small seal thresholds (many index files, deletion files, a
/// memtable) and reopens; after each phase, random queries must give the model's match set
/// and `total_matches`, and the MaxScore top k must equal exhaustive scoring's, hit for hit.
@Suite struct AnyModeDifferentialTests {
    static let vocabulary = ["mmap_region", "parseHTTPHeader", "region", "header", "alpha", "Beta", "café", "x86_64",
                             "open_file", "fileOpen", "sha256", "the", "of", "ΣΊΣΥΦΟΣ", "naïveFunc", "io", "src/io/file.c"]
    static let queryWords = ["mmap", "region", "http", "header", "parse", "alpha", "beta", "café", "x86", "64", "open",
                             "file", "sha", "256", "the", "absent", "σίσυφος", "naïve", "func", "io", "src", "c",
                             "mmap_region", "parseHTTPHeader", "fileOpen", "re*", "he*", "o*", "zz*"]
    static let projects = ["p", "q"]
    static let paths = ["src/io/mmap_region.c", "docs/HTTPHeader.md", "a.c", nil]
    static let tags = ["alpha", "io_uring", "Beta"]

    /// What `any` mode matches, spelled out with the analyzers.
    static func matches(_ s: ContextSegment, _ q: QueryTerms) -> Bool {
        var words = KeywordAnalyzer.wordSet(s.text)
        for p in SubwordSplitter.parts(s.text) { words.insert(Array(p.utf8)) }
        for f in (s.filePath.map { [$0] } ?? []) + s.tags {
            words.formUnion(KeywordAnalyzer.wordSet(f))
            for p in SubwordSplitter.parts(f) { words.insert(Array(p.utf8)) }
        }
        for t in q.terms {
            if t.isPrefix ? words.contains(where: { $0.starts(with: t.bytes) }) : words.contains(t.bytes) { return true }
        }
        return q.parts.contains { words.contains($0) }
    }

    static func passes(_ s: ContextSegment, _ f: SearchFilters) -> Bool {
        if let v = f.filePath, s.filePath.map({ Array($0.utf8) }) != Array(v.utf8) || v.isEmpty { return false }
        if let v = f.type, s.type != v { return false }
        if let v = f.createdAfter, !(s.createdAt.instantMicroseconds > v.instantMicroseconds) { return false }
        for t in f.tags where !s.tags.contains(where: { Array($0.utf8) == Array(t.utf8) }) { return false }
        return true
    }

    func randomSegment(_ rng: inout TestRNG, id: String, project: String) -> ContextSegment {
        let n = 1 + Int(rng.next() % 10)
        let text = (0..<n).map { _ in Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))] }.joined(separator: rng.next() % 2 == 0 ? " " : "\n")
        return ContextSegment(
            segmentID: id, text: text, type: SegmentType.allCases[Int(rng.next() % 3)], projectID: project,
            createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(rng.next() % 30) * 1_000_000),
            filePath: Self.paths[Int(rng.next() % 4)],
            tags: (0..<Int(rng.next() % 2)).map { _ in Self.tags[Int(rng.next() % 3)] })
    }

    func randomQuery(_ rng: inout TestRNG) -> SearchQuery {
        let n = 1 + Int(rng.next() % 4)
        let words = (0..<n).map { _ in Self.queryWords[Int(rng.next() % UInt64(Self.queryWords.count))] }
        var f = SearchFilters()
        if rng.next() % 6 == 0 { f.filePath = Self.paths[Int(rng.next() % 3)] }
        if rng.next() % 6 == 0 { f.type = SegmentType.allCases[Int(rng.next() % 3)] }
        if rng.next() % 6 == 0 { f.tags = [Self.tags[Int(rng.next() % 3)]] }
        if rng.next() % 6 == 0 { f.createdAfter = Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(rng.next() % 30) * 1_000_000) }
        return SearchQuery(project: Self.projects[Int(rng.next() % 2)], query: words.joined(separator: " "), filters: f,
                           limit: [0, 1, 3, 10, 1000][Int(rng.next() % 5)], order: rng.next() % 5 == 0 ? .recent : .relevance,
                           mode: .any, fetchSegments: rng.next() % 2 == 0)
    }

    func check(_ store: ContextStore, _ live: [String: [String: ContextSegment]], _ rng: inout TestRNG, phase: Int) throws {
        for _ in 0..<150 {
            let q = randomQuery(&rng)
            let terms = QueryTerms(q.query)
            let expected = (live[q.project!] ?? [:]).values.filter { Self.matches($0, terms) && Self.passes($0, q.filters) }
            let r = try store.search(q)
            #expect(r.totalMatches == expected.count, "phase \(phase): \(q.query) \(q.filters)")
            #expect(r.hits.count == min(q.limit, expected.count), "phase \(phase): \(q.query)")
            let ids = Set(expected.map(\.segmentID))
            for h in r.hits { #expect(ids.contains(h.segmentID), "phase \(phase): \(h.segmentID) does not match \(q.query)") }
            if q.fetchSegments { #expect(r.segments.map(\.segmentID) == r.hits.map(\.segmentID)) }
            // MaxScore against exhaustive scoring: the same hits, scores bit for bit, in order.
            guard let pair = store.view.index(project: q.project!) else { continue }
            let (fast, slow) = pair.read { pi in
                (pi.searchAny(terms, filters: q.filters, limit: q.limit, order: q.order),
                 pi.searchAny(terms, filters: q.filters, limit: q.limit, order: q.order, exhaustive: true))
            }
            #expect(fast.total == slow.total)
            #expect(fast.hits.map { [$0.source, Int($0.doc)] } == slow.hits.map { [$0.source, Int($0.doc)] }, "\(q.query)")
            #expect(fast.hits.map(\.score) == slow.hits.map(\.score))
            if q.order == .recent {
                let times = r.hits.map { h in expected.first { $0.segmentID == h.segmentID }!.createdAt.instantMicroseconds }
                #expect(times == times.sorted(by: >))
            } else {
                #expect(r.hits.map(\.score) == r.hits.map(\.score).sorted(by: >))
            }
        }
    }

    @Test func anyModeMatchesTheModelAcrossUpdatesDeletesSealsAndReopens() async throws {
        let tmp = TempDir("anydiff"); defer { tmp.cleanup() }
        let config = Configuration(logFileSize: 16 << 10, batchTargetBytes: 1024, indexSealBytes: 1 << 20, indexSealDocs: 97)
        var rng = TestRNG(seed: testSeed)
        var live: [String: [String: ContextSegment]] = [:]
        var store = try ContextStore.open(directory: tmp.path, configuration: config)
        for phase in 0..<4 {
            for _ in 0..<400 {
                let p = Self.projects[Int(rng.next() % 2)]
                let id = "s\(rng.next() % 120)"
                if rng.next() % 6 == 0 {
                    try await store.delete(project: p, ids: [id])
                    live[p]?[id] = nil
                } else {
                    let s = randomSegment(&rng, id: id, project: p)
                    try await store.put(s)
                    live[p, default: [:]][id] = s
                }
            }
            try check(store, live, &rng, phase: phase)
            if phase % 2 == 1 {
                store.close()
                store = try ContextStore.open(directory: tmp.path, configuration: config)
                try check(store, live, &rng, phase: phase)
            }
        }
        _ = try await store.compact()
        try check(store, live, &rng, phase: 99)
        store.close()
    }

    /// Thousands of random queries over a store whose lists span many postings blocks (a
    /// skewed vocabulary, several sealed files and a memtable): MaxScore with block maxima
    /// returns exactly the exhaustive top k, every time.
    @Test func maxScoreEqualsExhaustiveTopK() async throws {
        let tmp = TempDir("maxscore"); defer { tmp.cleanup() }
        let config = Configuration(indexSealDocs: 800)
        var rng = TestRNG(seed: testSeed &+ 7)
        let store = try ContextStore.open(directory: tmp.path, configuration: config)
        defer { store.close() }
        let vocab = (0..<400).map { "w\($0)" } + (0..<60).map { "id_part\($0)" } + (0..<40).map { "camelCase\($0)x" }
        func word(_ rng: inout TestRNG) -> String {
            // Zipf-like: low indexes are common.
            let u = Double(rng.next() % 1_000_000) / 1_000_000
            return vocab[min(vocab.count - 1, Int(pow(u, 3) * Double(vocab.count)))]
        }
        var batch: [ContextSegment] = []
        for i in 0..<2500 {
            let n = 3 + Int(rng.next() % 40)
            let text = (0..<n).map { _ in word(&rng) }.joined(separator: " ")
            batch.append(ContextSegment(segmentID: "d\(i)", text: text, type: .code, projectID: "big",
                                        createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(rng.next() % 500) * 1_000_000),
                                        filePath: rng.next() % 3 == 0 ? "src/\(word(&rng)).c" : nil))
            if batch.count == 250 { try await store.put(batch); batch = [] }
        }
        let pair = try #require(store.view.index(project: "big"))
        // Seals run on the writer's own time: wait for them (a few seconds at most).
        for _ in 0..<200 where pair.read({ $0.files.count }) < 2 { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(pair.read { $0.files.count } >= 2)
        var compared = 0
        var scoredFast = 0, scoredAll = 0
        for _ in 0..<2000 {
            let n = 1 + Int(rng.next() % 8)
            var words = (0..<n).map { _ in rng.next() % 4 == 0 ? vocab[Int(rng.next() % UInt64(vocab.count))] : word(&rng) }
            if rng.next() % 10 == 0 { words[0] = "w1*" }
            if rng.next() % 10 == 0 { words.append("part") }
            let terms = QueryTerms(words.joined(separator: " "))
            let limit = [1, 5, 10, 50][Int(rng.next() % 4)]
            let (fast, slow) = pair.read { pi in
                (pi.searchAnyCounting(terms, filters: SearchFilters(), limit: limit, order: .relevance),
                 pi.searchAnyCounting(terms, filters: SearchFilters(), limit: limit, order: .relevance, exhaustive: true))
            }
            #expect(fast.total == slow.total)
            #expect(fast.hits.map { [$0.source, Int($0.doc)] } == slow.hits.map { [$0.source, Int($0.doc)] }, "\(words)")
            #expect(fast.hits.map(\.score) == slow.hits.map(\.score))
            scoredFast += fast.scored
            scoredAll += slow.scored
            compared += 1
        }
        #expect(compared == 2000)
        // The pruning is real: MaxScore scored well under all the matches.
        #expect(scoredFast * 2 < scoredAll, "MaxScore scored \(scoredFast) of \(scoredAll) docs")
    }
}
