import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The engine against a model: a dictionary of live segments per project and set
/// semantics built with the same analyzer. Thousands of random puts, updates and deletes,
/// with small seal thresholds (many index files and deletion files) and reopens; after each
/// phase, random queries with random filter combinations must give identical match sets and
/// `total_matches`, `get` must give the model's segments, and totals must agree.
@Suite struct IndexDifferentialTests {
    static let vocabulary = ["alpha", "beta", "Gamma", "delta", "café", "cafe\u{301}", "ΣΊΣΥΦΟΣ", "x_y", "123",
                             "naïve", "İstanbul", "日本", "hash0123456789abcdef0123456789abcdef01234567", "the", "of"]
    static let projects = ["p", "../q", "cafe\u{301}"]
    static let paths = ["a.c", "", "dir/c.swift", nil]
    static let tasks = ["t1", "", nil]
    /// Queries with no word character: the old layer matched nothing for them.
    static let wordless = ["!!!", "   ", "\u{1F600}", "-- ."]
    static let tagPool = ["x", "y", "z", "ü"]

    struct Model {
        var live: [String: [ByteKey: ContextSegment]] = [:]

        func matches(_ q: SearchQuery) -> [ContextSegment] {
            let words = KeywordAnalyzer.wordSet(q.query)
            // The old layer's edges: a non-empty query without words, and a "" filter on
            // file_path or task_id (fields it indexed only when non-empty), match nothing.
            if words.isEmpty && !q.query.isEmpty { return [] }
            if q.filters.filePath == "" || q.filters.taskID == "" { return [] }
            return (live[q.project!] ?? [:]).values.filter { s in
                let f = q.filters
                if !words.isSubset(of: KeywordAnalyzer.wordSet(s.text)) { return false }
                if let v = f.filePath, !(s.filePath.map { $0.utf8.elementsEqual(v.utf8) } ?? false) { return false }
                if let v = f.taskID, !(s.taskID.map { $0.utf8.elementsEqual(v.utf8) } ?? false) { return false }
                for t in f.tags where !s.tags.contains(where: { $0.utf8.elementsEqual(t.utf8) }) { return false }
                if let v = f.type, s.type != v { return false }
                if let v = f.tier, s.tier != v { return false }
                if let a = f.createdAfter, !(s.createdAt.instantMicroseconds > a.instantMicroseconds) { return false }
                if let b = f.createdBefore, !(s.createdAt.instantMicroseconds < b.instantMicroseconds) { return false }
                return true
            }
        }
    }

    func randomSegment(_ rng: inout TestRNG, id: String, project: String) -> ContextSegment {
        let n = Int(rng.next() % 8)
        let text = (0..<n).map { _ in Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))] }.joined(separator: rng.next() % 2 == 0 ? " " : ", ")
        return ContextSegment(
            segmentID: id, text: text, type: SegmentType.allCases[Int(rng.next() % 3)], projectID: project,
            taskID: Self.tasks[Int(rng.next() % 3)],
            createdAt: Timestamp(localMicroseconds: 1_700_000_000_000_000 + Int64(rng.next() % 50) * 1_000_000,
                                 utcOffsetSeconds: rng.next() % 2 == 0 ? nil : 3600, hasFraction: false),
            filePath: Self.paths[Int(rng.next() % 4)],
            tags: (0..<Int(rng.next() % 3)).map { _ in Self.tagPool[Int(rng.next() % 4)] },
            tier: SegmentTier.allCases[Int(rng.next() % 3)])
    }

    func randomQuery(_ rng: inout TestRNG) -> SearchQuery {
        var words: [String] = []
        for _ in 0..<Int(rng.next() % 3) { words.append(Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))]) }
        if rng.next() % 20 == 0 { words.append("absent") }
        if rng.next() % 10 == 0 { words = [Self.wordless[Int(rng.next() % UInt64(Self.wordless.count))]] }
        var f = SearchFilters()
        if rng.next() % 4 == 0 { f.filePath = Self.paths[Int(rng.next() % 3)] }
        if rng.next() % 4 == 0 { f.taskID = Self.tasks[Int(rng.next() % 2)] }
        if rng.next() % 4 == 0 { f.tags = [Self.tagPool[Int(rng.next() % 4)]] + (rng.next() % 3 == 0 ? [Self.tagPool[Int(rng.next() % 4)]] : []) }
        if rng.next() % 4 == 0 { f.type = SegmentType.allCases[Int(rng.next() % 3)] }
        if rng.next() % 4 == 0 { f.tier = SegmentTier.allCases[Int(rng.next() % 3)] }
        if rng.next() % 5 == 0 { f.createdAfter = Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(rng.next() % 50) * 1_000_000 - 3_600_000_000 * Int64(rng.next() % 2)) }
        if rng.next() % 5 == 0 { f.createdBefore = Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(rng.next() % 50) * 1_000_000) }
        return SearchQuery(project: Self.projects[Int(rng.next() % 3)], query: words.joined(separator: " "), filters: f,
                           limit: [0, 1, 5, 1000][Int(rng.next() % 4)], order: rng.next() % 2 == 0 ? .relevance : .recent)
    }

    func check(_ store: ContextStore, _ model: Model, _ rng: inout TestRNG, phase: Int) async throws {
        for _ in 0..<150 {
            let q = randomQuery(&rng)
            let expected = model.matches(q)
            let r = try store.search(q)
            #expect(r.totalMatches == expected.count, "phase \(phase): \(q)")
            #expect(r.segments.count == min(q.limit, expected.count), "phase \(phase): \(q)")
            let expectedIDs = Set(expected.map { ByteKey($0.segmentID) })
            for s in r.segments {
                #expect(expectedIDs.contains(ByteKey(s.segmentID)), "phase \(phase): \(s.segmentID) does not match \(q)")
                #expect(model.live[q.project!]?[ByteKey(s.segmentID)]?.withoutTokenCache == s.withoutTokenCache)
            }
            if q.order == .recent || q.query.isEmpty {
                let times = r.segments.map(\.createdAt.instantMicroseconds)
                #expect(times == times.sorted(by: >), "phase \(phase): not newest first")
                // The top by recency are the newest matches.
                if let last = times.last, r.segments.count < expected.count {
                    let newer = expected.filter { $0.createdAt.instantMicroseconds > last }.count
                    #expect(newer <= r.segments.count)
                }
            }
        }
        for p in Self.projects {
            let ids = (0..<40).map { "s\($0)" }
            let got = try store.get(project: p, ids: ids)
            let want = ids.compactMap { model.live[p]?[ByteKey($0)] }
            #expect(got.map(\.withoutTokenCache) == want.map(\.withoutTokenCache), "phase \(phase): get in \(p)")
            let totals = try store.totals(project: p)
            for tier in SegmentTier.allCases {
                let n = (model.live[p] ?? [:]).values.filter { $0.tier == tier }.count
                #expect((totals?[tier].segments ?? 0) == n, "phase \(phase): totals of \(p) \(tier)")
            }
        }
    }

    @Test func engineMatchesTheModelAcrossUpdatesDeletesSealsAndReopens() async throws {
        let tmp = TempDir("diff"); defer { tmp.cleanup() }
        let config = Configuration(logFileSize: 16 << 10, batchTargetBytes: 1024, indexSealBytes: 1 << 20, indexSealDocs: 97)
        var rng = TestRNG(seed: testSeed)
        var model = Model()
        var store = try ContextStore.open(directory: tmp.path, configuration: config)
        var compactions = 0
        for phase in 0..<6 {
            for _ in 0..<500 {
                let p = Self.projects[Int(rng.next() % 3)]
                let id = "s\(rng.next() % 40)"
                if rng.next() % 6 == 0 {
                    try await store.delete(project: p, ids: [id])
                    model.live[p]?[ByteKey(id)] = nil
                } else {
                    let s = randomSegment(&rng, id: id, project: p)
                    try await store.put(s)
                    model.live[p, default: [:]][ByteKey(id)] = s
                }
            }
            try await check(store, model, &rng, phase: phase)
            if phase % 2 == 1 {
                compactions += store.compactionStatistics.report.jobs
                store.close()
                store = try ContextStore.open(directory: tmp.path, configuration: config)
                #expect(store.recoveryReport.rebuiltIndexes.isEmpty)
                try await check(store, model, &rng, phase: phase)
            }
        }
        // A full compaction at the end must not change any answer either.
        let full = try await store.compact()
        #expect(full.jobs == Self.projects.count)
        try await check(store, model, &rng, phase: 6)
        compactions += store.compactionStatistics.report.jobs
        store.close()
        store = try ContextStore.open(directory: tmp.path, configuration: config)
        try await check(store, model, &rng, phase: 7)
        store.close()
        // Seals wrote index files every 97 docs, and background compaction merged them
        // while the checks ran.
        #expect(compactions > Self.projects.count, "background compaction should have run: \(compactions)")
        let indexFiles = try FileManager.default.subpathsOfDirectory(atPath: tmp.path).filter { $0.hasSuffix(".idx") }
        #expect(indexFiles.count == Self.projects.count, "one index file per project after a full compaction: \(indexFiles)")
    }
}
