import ContextStoreTestSupport
import Foundation
import Testing

@testable import ContextStore

/// Issue 16, memory while ingesting: the memtables of all projects together stay within
/// `memtableBudgetBytes` of text (the writer seals the largest past it), however many
/// projects are written in turn, and every segment is still found, before and after a
/// reopen.
@Suite struct MemtableBudgetTests {
    static func segment(_ project: Int, _ n: Int) -> ContextSegment {
        ContextSegment(segmentID: "s\(n)", text: "budget words project\(project) item\(n) " + String(repeating: "filler ", count: 12),
                       type: .note, projectID: "p\(project)",
                       createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(n)), tier: .stashed)
    }

    @Test func memtablesOfManyProjectsTogetherStayWithinTheBudget() async throws {
        let tmp = TempDir("memtable-budget"); defer { tmp.cleanup() }
        var c = Configuration()
        c.memtableBudgetBytes = 4096
        c.indexSealBytes = 1 << 20  // no project alone comes near its own threshold
        c.autoCompaction = false
        var store = try ContextStore.open(directory: tmp.path, configuration: c)
        var written = 0
        var most = 0
        for round in 0..<6 {
            for project in 0..<30 {
                let segments = (0..<4).map { Self.segment(project, round * 4 + $0) }
                try await store.put(segments)
                written += segments.reduce(0) { $0 + $1.text.utf8.count }
                let held = try store.localWriter().performBlocking { state in
                    state.indexes.values.reduce(0) { $0 + $1.writerView.memtable.textBytes }
                }
                most = max(most, held)
            }
        }
        #expect(written > 16 * 4096, "far more text written than the budget: \(written)")
        #expect(most <= 4096, "the memtables together held at most the budget after each put: \(most)")
        #expect(store.writeStatistics.budgetSeals > 0)
        func check(_ label: String) throws {
            for project in 0..<30 {
                let r = try store.search(SearchQuery(project: "p\(project)", query: "budget", limit: 100))
                #expect(r.totalMatches == 24 && Set(r.segments.map(\.segmentID)) == Set((0..<24).map { "s\($0)" }),
                        "\(label): p\(project) has all 24")
            }
        }
        try check("open")
        store.close()
        store = try ContextStore.open(directory: tmp.path, configuration: c)
        try check("reopened")
        store.close()
        #expect(try ContextStore.verify(directory: tmp.path).isSound)
    }
}
