import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Stores whose index files are of the previous format (2: varint postings, plain
/// dictionaries) open under this build and answer exactly as the current format (3) and as
/// the memtable do: same matches, same order, same scores, in `all` and `any` mode, with
/// prefixes and filters; a compaction rewrites them in the current format and the answers
/// stay the same. The words are spread so that lists span one block, several full (packed)
/// blocks and a partial one.
@Suite struct IndexFormatVersionTests {
    static let t0: Int64 = 1_700_000_000_000_000

    static func corpus() -> [ContextSegment] {
        var rng = TestRNG(seed: testSeed ^ 0xF3)
        // Word w appears in about 1 / (w + 1) of the docs: "w0" in all, "w1" in half, ...
        let words = (0..<40).map { "w\($0)" } + ["mmap_region", "parseHTTPHeader", "the", "of"]
        return (0..<900).map { i in
            var text: [String] = []
            for (w, word) in words.enumerated() where rng.next() % UInt64(w + 1) == 0 {
                text += Array(repeating: word, count: 1 + Int(rng.next() % 3))
            }
            text.append("u\(i)")  // a word of one doc
            return ContextSegment(segmentID: "s\(i)", text: text.joined(separator: " "), type: i % 3 == 0 ? .note : .code,
                                  projectID: "p", createdAt: Timestamp(utcMicroseconds: t0 + Int64(i % 50) * 1_000_000),
                                  filePath: "src/dir\(i % 7)/file_\(i % 13).swift", tags: i % 4 == 0 ? ["hot"] : [])
        }
    }

    static let queries: [SearchQuery] = {
        var qs: [SearchQuery] = []
        for q in ["w0", "w1 w2", "w3 w7 w12", "w0 w39", "u17", "u899 w0", "w1*", "mmap*", "w3", "absent", ""] {
            qs.append(SearchQuery(project: "p", query: q, limit: 50))
            var typed = SearchQuery(project: "p", query: q, limit: 20)
            typed.filters.type = .note
            typed.filters.tags = ["hot"]
            qs.append(typed)
            qs.append(SearchQuery(project: "p", query: q, limit: 30, order: .recent))
        }
        for q in ["region parse", "w5 w9 u3", "http header w30", "file dir3", "the of w2", "w20 w21 w22 w23"] {
            qs.append(SearchQuery(project: "p", query: q, limit: 40, mode: .any))
        }
        return qs
    }()

    /// (ids, scores, total) of every query.
    static func answers(_ store: ContextStore) throws -> [[String]] {
        try queries.map { q in
            let r = try store.search(q)
            return ["\(r.totalMatches)"] + r.hits.map { "\($0.segmentID):\(String(format: "%.9f", $0.score))" }
        }
    }

    static func formats(_ store: ContextStore) -> Set<UInt16> {
        Set(store.view.index(project: "p")?.read { $0.files.map(\.reader.formatVersion) } ?? [])
    }

    @Test func previousFormatFilesAnswerAsTheCurrentOnesAndCompactionRewritesThem() async throws {
        let segments = Self.corpus()
        // The reference: everything in the memtable (no index file).
        let memDir = TempDir("fmt-mem"); defer { memDir.cleanup() }
        var memConfig = Configuration()
        memConfig.autoCompaction = false
        let mem = try ContextStore.open(directory: memDir.path, configuration: memConfig)
        try await mem.put(segments)
        #expect(Self.formats(mem).isEmpty)
        let expected = try Self.answers(mem)
        mem.close()
        #expect(expected.contains { $0.count > 10 }, "queries with many hits")

        for format in [UInt16(2), 3] {
            let dir = TempDir("fmt\(format)"); defer { dir.cleanup() }
            var write = Configuration(indexSealDocs: 400)  // files of 400 docs: full blocks and a tail
            write.indexFormatVersion = format
            write.autoCompaction = false
            var store = try ContextStore.open(directory: dir.path, configuration: write)
            try await store.put(Array(segments[..<450]))
            try await store.put(Array(segments[450...]))
            store.close()

            var current = Configuration()
            current.autoCompaction = false
            store = try ContextStore.open(directory: dir.path, configuration: current)
            #expect(Self.formats(store) == [format], "format \(format) files were written")
            #expect(try Self.answers(store) == expected, "format \(format) answers as the memtable")
            _ = try await store.compact()
            store.close()
            store = try ContextStore.open(directory: dir.path, configuration: current)
            #expect(Self.formats(store) == [IndexFormat.version], "compaction writes the current format")
            #expect(try Self.answers(store) == expected, "after compaction, format \(format)")
            store.close()
        }
    }
}
