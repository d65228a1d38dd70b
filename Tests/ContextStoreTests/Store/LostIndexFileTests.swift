import ContextStoreTestSupport
import Foundation
import Testing

@testable import ContextStore

/// Index and deletion files are derived data (SPEC.md section 6): when one is missing, open
/// rebuilds the project's index from its log, says so in the recovery report, records in
/// the MANIFEST that the project has no index files (so the next open does not rebuild
/// again), and answers exactly as before; `verify` finds nothing wrong afterwards.
@Suite struct LostIndexFileTests {
    static func configuration() -> Configuration {
        var c = Configuration()
        c.indexSealDocs = 8
        c.autoCompaction = false
        return c
    }

    /// Project p: 40 segments over several index files, 6 of them deleted (deletion files).
    static func makeStore(_ dir: String) async throws {
        let store = try ContextStore.open(directory: dir, configuration: configuration())
        for k in 0..<4 {
            // Deletes of sealed docs before the last seal, so that it writes deletion files
            // (a clean close does not seal a memtable of a few kills).
            if k == 3 { _ = try await store.delete(project: "p", ids: ["s1", "s2", "s11", "s21"]) }
            try await store.put((0..<10).map { i in
                ContextSegment(segmentID: "s\(k * 10 + i)", text: "word\(i) group\(k) common text \(k * 10 + i)", type: .note,
                               projectID: "p", createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(k * 10 + i)),
                               tier: .stashed)
            })
        }
        _ = try await store.delete(project: "p", ids: ["s31", "s39"])
        store.close()
    }

    /// What a reader sees: every search we ask, and the live ids.
    static func answers(_ store: ContextStore) throws -> [String] {
        var out: [String] = []
        for q in ["common", "word1", "group2", "word3 group0", ""] {
            let r = try store.search(SearchQuery(project: "p", query: q, limit: 100, order: .recent))
            out.append("\(q): \(r.totalMatches) \(r.segments.map(\.segmentID))")
        }
        out.append("live: \(try store.scan(project: "p").map(\.segmentID).sorted())")
        out.append("totals: \(String(describing: try store.totals(project: "p")))")
        return out
    }

    @Test(arguments: ["idx", "del"])
    func aMissingFileIsRebuiltFromTheLogOnce(kind: String) async throws {
        let tmp = TempDir("lost-index"); defer { tmp.cleanup() }
        let dir = tmp.sub("s")
        try await Self.makeStore(dir)
        let truth = try { () throws -> [String] in
            let s = try ContextStore.open(directory: dir, configuration: Self.configuration())
            defer { s.close() }
            return try Self.answers(s)
        }()
        let indexDir = dir + "/projects/0000000000000001/index"
        let victims = try FileManager.default.contentsOfDirectory(atPath: indexDir).filter { $0.hasSuffix("." + kind) }.sorted()
        try #require(!victims.isEmpty, "the store has .\(kind) files")
        try FileManager.default.removeItem(atPath: indexDir + "/" + victims[0])

        let store = try ContextStore.open(directory: dir, configuration: Self.configuration())
        #expect(store.recoveryReport.rebuiltIndexes.count == 1, "\(store.recoveryReport.rebuiltIndexes)")
        #expect(try Self.answers(store) == truth)
        // It goes on working: more writes, a seal, a compaction.
        try await store.put(ContextSegment(segmentID: "later", text: "common later", type: .note, projectID: "p",
                                           createdAt: Timestamp(utcMicroseconds: 1_800_000_000_000_000), tier: .stashed))
        try await store.compact()
        #expect(try store.search(SearchQuery(project: "p", query: "common", limit: 100)).totalMatches == 35)
        store.close()
        #expect(try ContextStore.verify(directory: dir).problems.isEmpty)
        let again = try ContextStore.open(directory: dir, configuration: Self.configuration())
        defer { again.close() }
        #expect(again.recoveryReport.rebuiltIndexes.isEmpty, "rebuilt once: the MANIFEST no longer names the lost file")
        #expect(try again.get(project: "p", ids: ["later", "s0", "s1"]).map(\.segmentID) == ["later", "s0"])
    }
}
