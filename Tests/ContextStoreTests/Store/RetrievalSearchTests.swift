import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Search for assistants through the store: sub-word terms, prefixes, snippets, token
/// budgets, collapse, every project, explanations, and index files of the older analyzer.
@Suite struct RetrievalSearchTests {
    static let t0: Int64 = 1_700_000_000_000_000

    static func segment(_ id: String, _ text: String, project: String = "p", path: String? = nil, lines: LineRange? = nil,
                        task: String? = nil, tags: [String] = [], at second: Int64 = 0) -> ContextSegment {
        ContextSegment(segmentID: id, text: text, type: .code, projectID: project, taskID: task,
                       createdAt: Timestamp(utcMicroseconds: t0 + second * 1_000_000), filePath: path, lineRange: lines, tags: tags)
    }

    func ids(_ r: SearchResult) -> [String] { r.hits.map(\.segmentID) }

    @Test func subWordPartsMatchInAnyModeOnly() async throws {
        let tmp = TempDir("subword"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        try await store.put([
            Self.segment("a", "we fixed the crash in mmap_region when unmapping", at: 1),
            Self.segment("b", "let h = parseHTTPHeader(raw)", at: 2),
            Self.segment("c", "open src/io/file.c for reading", at: 3),
            Self.segment("d", "nothing relevant here", at: 4),
        ])
        // all mode keeps the old semantics: a part is not a word.
        #expect(try store.search(SearchQuery(project: "p", query: "region")).totalMatches == 0)
        #expect(ids(try store.search(SearchQuery(project: "p", query: "mmap_region"))) == ["a"])
        #expect(ids(try store.search(SearchQuery(project: "p", query: "src io file c"))) == ["c"])
        // any mode finds parts, and ranks the doc holding more of the question first.
        for (q, want) in [("region", "a"), ("mmap", "a"), ("http", "b"), ("header", "b"), ("parse", "b")] {
            #expect(ids(try store.search(SearchQuery(project: "p", query: q, mode: .any))) == [want], "\(q)")
        }
        let r = try store.search(SearchQuery(project: "p", query: "how did we fix the mmap crash in the region code", mode: .any))
        #expect(r.hits.first?.segmentID == "a")
        #expect(r.hits.first?.matchedWords == ["we", "fix", "the", "mmap", "crash", "in", "region"].filter { w in
            ["we", "the", "mmap", "crash", "in", "region"].contains(w) })
        #expect(r.hits.allSatisfy { $0.score > 0 })
        #expect(r.hits.map(\.score) == r.hits.map(\.score).sorted(by: >))
        // A query identifier's parts match too: parseHTTPHeader asks for parse, http, header.
        #expect(ids(try store.search(SearchQuery(project: "p", query: "HTTPHeader", mode: .any))) == ["b"])
    }

    @Test func prefixesInBothModes() async throws {
        let tmp = TempDir("prefix"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        try await store.put([
            Self.segment("a", "mmap flags", at: 1), Self.segment("b", "mmap_region flags", at: 2),
            Self.segment("c", "xmmap flags", at: 3), Self.segment("d", "munmap", at: 4),
        ])
        #expect(Set(ids(try store.search(SearchQuery(project: "p", query: "mmap*")))) == ["a", "b"])
        #expect(Set(ids(try store.search(SearchQuery(project: "p", query: "mmap* flags")))) == ["a", "b"])
        #expect(try store.search(SearchQuery(project: "p", query: "mmap* nothing")).totalMatches == 0)
        // In any mode a prefix reaches parts: regi* finds mmap_region.
        #expect(ids(try store.search(SearchQuery(project: "p", query: "regi*", mode: .any))) == ["b"])
        // A lone * or a * after punctuation is just text.
        #expect(try store.search(SearchQuery(project: "p", query: "*")).totalMatches == 0)
        #expect(try store.search(SearchQuery(project: "p", query: "flags -*")).totalMatches == 3)
    }

    @Test func snippetsCarryLineNumbersAndByteOffsets() async throws {
        let tmp = TempDir("snippets"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        let text = "// header\nlet größe = mmap_region(size)\nunrelated line\nfree(région) // crash here\n"
        try await store.put([Self.segment("a", text, path: "src/m.c", lines: LineRange(100, 103), at: 1),
                             Self.segment("b", "crash\nregion", at: 2)])
        var q = SearchQuery(project: "p", query: "region crash größe", mode: .any)
        q.snippets = 2
        let r = try store.search(q)
        let hit = try #require(r.hits.first { $0.segmentID == "a" })
        #expect(hit.snippets.count == 2)
        let tokenizer = try Tokenizer.load()
        for s in hit.snippets {
            let line = text.split(separator: "\n", omittingEmptySubsequences: false)[s.line - 1]
            #expect(s.text == String(line))
            #expect(s.sourceLine == 100 + s.line - 1)
            #expect(s.tokens == tokenizer.count(s.text))
            let bytes = Array(s.text.utf8)
            for h in s.highlights {
                let word = String(decoding: bytes[h], as: UTF8.self)
                #expect(["größe", "mmap_region", "crash"].contains(word), "\(word)")
            }
        }
        #expect(hit.snippets.map(\.line).sorted() == [2, 4])
        let other = try #require(r.hits.first { $0.segmentID == "b" })
        #expect(other.snippets.allSatisfy { $0.sourceLine == nil })
        #expect(hit.tokens == hit.snippets.reduce(0) { $0 + $1.tokens })
    }

    @Test func budgetPacksInRankOrderAndNeverOverflows() async throws {
        let tmp = TempDir("budget"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        var segments: [ContextSegment] = []
        var rng = TestRNG(seed: testSeed)
        for i in 0..<40 {
            let n = 1 + Int(rng.next() % 60)
            segments.append(Self.segment("s\(i)", "needle " + (0..<n).map { "w\($0 % 7)" }.joined(separator: " "), at: Int64(i)))
        }
        try await store.put(segments)
        let full = try store.search(SearchQuery(project: "p", query: "needle w3", limit: 40, mode: .any))
        for budget in [0, 5, 30, 100, 400, 100_000] {
            var q = SearchQuery(project: "p", query: "needle w3", limit: 40, mode: .any)
            q.budgetTokens = budget
            let r = try store.search(q)
            let report = try #require(r.budget)
            #expect(report.usedTokens <= budget)
            #expect(report.usedTokens == r.hits.reduce(0) { $0 + $1.tokens })
            #expect(report.omittedHits == full.hits.count - r.hits.count)
            // Rank order kept: the packed hits are a subsequence of the full ranking.
            var it = full.hits.map(\.segmentID).makeIterator()
            for id in ids(r) { while let next = it.next(), next != id {} }
            #expect(ids(r).allSatisfy { id in full.hits.contains { $0.segmentID == id } })
            // Greedy: every hit left out would not have fit in what was left when it came.
            var left = budget
            var kept = Set(ids(r))
            for h in full.hits {
                let cost = h.segment!.tokens!
                if kept.contains(h.segmentID) { left -= cost; kept.remove(h.segmentID) } else { #expect(cost > left) }
            }
        }
    }

    @Test func collapseKeepsTheBestHitsPerFile() async throws {
        let tmp = TempDir("collapse"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        var segments: [ContextSegment] = []
        for i in 0..<8 { segments.append(Self.segment("a\(i)", "alpha " + String(repeating: "alpha ", count: i), path: "a.c", at: Int64(i))) }
        for i in 0..<3 { segments.append(Self.segment("b\(i)", "alpha beta", path: "b.c", task: "t", at: Int64(10 + i))) }
        segments.append(Self.segment("n", "alpha", at: 20))
        segments.append(Self.segment("n2", "alpha", at: 21))
        try await store.put(segments)
        let plain = try store.search(SearchQuery(project: "p", query: "alpha", limit: 20))
        for perGroup in [1, 2] {
            var q = SearchQuery(project: "p", query: "alpha", limit: 5)
            q.collapse = SearchCollapse(.filePath, perGroup: perGroup)
            let r = try store.search(q)
            #expect(r.hits.count == min(5, perGroup * 2 + 2))
            var counts: [String: Int] = [:]
            for h in r.hits { if let p = h.segment?.filePath { counts[p, default: 0] += 1 } }
            #expect(counts.values.allSatisfy { $0 <= perGroup })
            // The kept ones are the best of their group, in the plain ranking's order.
            let order = plain.hits.map(\.segmentID)
            #expect(ids(r) == order.filter { ids(r).contains($0) })
            #expect(r.totalMatches == plain.totalMatches)
        }
        var byTask = SearchQuery(project: "p", query: "beta")
        byTask.collapse = SearchCollapse(.taskID)
        #expect(try store.search(byTask).hits.count == 1)
    }

    @Test func searchWithoutAProjectSearchesThemAll() async throws {
        let tmp = TempDir("allprojects"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        try await store.put([Self.segment("a", "shared word here", project: "one", at: 1),
                             Self.segment("b", "shared word", project: "two", at: 2),
                             Self.segment("c", "other", project: "two", at: 3)])
        for mode in SearchMode.allCases {
            let r = try store.search(SearchQuery(project: nil, query: "shared word", mode: mode))
            #expect(r.totalMatches == 2)
            #expect(Set(r.hits.map { "\($0.projectID)/\($0.segmentID)" }) == ["one/a", "two/b"])
            #expect(r.hits.allSatisfy { $0.segment?.projectID == $0.projectID })
        }
        let empty = try store.search(SearchQuery(project: nil, query: "", limit: 10, order: .recent))
        #expect(ids(empty) == ["c", "b", "a"])
    }

    @Test func explainSaysWhatEmptiedTheResult() async throws {
        let tmp = TempDir("explain"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        try await store.put([Self.segment("a", "alpha beta", at: 1), Self.segment("b", "alpha", at: 2)])
        func explain(_ q: SearchQuery) throws -> SearchExplanation? {
            var q = q
            q.explain = true
            return try store.search(q).explanation
        }
        let e = try #require(try explain(SearchQuery(project: "p", query: "alpha zeta beta")))
        #expect(e.emptiedBy == "word:zeta")
        #expect(e.words == [.init(word: "alpha", documentFrequency: 2), .init(word: "zeta", documentFrequency: 0),
                            .init(word: "beta", documentFrequency: 1)])
        var typed = SearchQuery(project: "p", query: "alpha")
        typed.filters.type = .message
        #expect(try explain(typed)?.emptiedBy == "filter:type")
        #expect(try explain(SearchQuery(project: "nope", query: "alpha"))?.emptiedBy == "project")
        #expect(try explain(SearchQuery(project: "p", query: "zeta", mode: .any))?.emptiedBy == "query")
        #expect(try explain(SearchQuery(project: "p", query: "!!!"))?.emptiedBy == "query")
        // A result with hits has no explanation.
        #expect(try explain(SearchQuery(project: "p", query: "alpha")) == nil)
    }

    /// A store whose index files were written by the older analyzer (format 1): `all` mode
    /// answers as before, `any` mode matches their docs by whole words only; a compaction
    /// rewrites them with parts and fields, and then `any` mode finds parts.
    @Test func olderAnalyzerFilesAreAnsweredThenRebuiltByCompaction() async throws {
        let tmp = TempDir("oldanalyzer"); defer { tmp.cleanup() }
        var old = Configuration(indexSealDocs: 3)
        old.indexFormatVersion = 1
        old.autoCompaction = false  // a compaction would rewrite the old files at once
        var store = try ContextStore.open(directory: tmp.path, configuration: old)
        try await store.put([Self.segment("a", "fix mmap_region crash", at: 1), Self.segment("b", "region alone", at: 2),
                             Self.segment("c", "alpha", at: 3), Self.segment("d", "beta", at: 4)])
        store.close()
        var current = Configuration()
        current.autoCompaction = false
        store = try ContextStore.open(directory: tmp.path, configuration: current)
        let pair = try #require(store.view.index(project: "p"))
        #expect(pair.read { $0.files.map(\.reader.analyzerVersion) }.contains(0))
        #expect(ids(try store.search(SearchQuery(project: "p", query: "mmap_region"))) == ["a"])
        #expect(ids(try store.search(SearchQuery(project: "p", query: "region", mode: .any))) == ["b"])
        _ = try await store.compact()
        #expect(pair.read { $0.files.allSatisfy { $0.reader.analyzerVersion == SubwordSplitter.version } })
        #expect(Set(ids(try store.search(SearchQuery(project: "p", query: "region", mode: .any)))) == ["a", "b"])
        #expect(ids(try store.search(SearchQuery(project: "p", query: "mmap_region"))) == ["a"])
        store.close()
    }
}
