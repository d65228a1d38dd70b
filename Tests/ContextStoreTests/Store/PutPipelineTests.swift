import ContextStoreTestSupport
import Foundation
import Testing

@testable import ContextStore

/// Issue 16, every ingest path at full speed: `PutPipeline` prepares the next batch while
/// the one before is written, yet writes batches in the order handed over (a later version
/// of an id wins) and stores a prefix of them when one fails (none after it).
@Suite struct PutPipelineTests {
    static func segment(_ id: String, _ text: String, project: String = "p") -> ContextSegment {
        ContextSegment(segmentID: id, text: text, type: .note, projectID: project,
                       createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000), tier: .stashed)
    }

    @Test func batchesAreWrittenInTheOrderHandedOver() async throws {
        let tmp = TempDir("put-pipeline"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        var pipeline = PutPipeline(store: store)
        // Every batch rewrites "x" in each of three projects, and adds ids of its own.
        for k in 0..<40 {
            var batch = (0..<3).map { Self.segment("x", "version \(k) of x", project: "p\($0)") }
            batch += (0..<25).map { Self.segment("b\(k)-\($0)", "pipeline words batch\(k) item\($0)", project: "p\($0 % 3)") }
            try await pipeline.put(batch)
        }
        try await pipeline.finish()
        #expect(pipeline.stored == 40 * 28)
        for p in 0..<3 {
            #expect(try store.get(project: "p\(p)", ids: ["x"]).first?.text == "version 39 of x", "the last batch wins in p\(p)")
            let r = try store.search(SearchQuery(project: "p\(p)", query: "pipeline", limit: 10_000))
            #expect(r.totalMatches == (0..<40).reduce(0) { n, _ in n + (0..<25).filter { $0 % 3 == p }.count })
        }
    }

    /// Batch 6 holds an invalid segment: batches 0-5 are stored, 6 and every one after it
    /// are not (though they were handed over, and prepared, before 6 failed), and the
    /// pipeline keeps throwing that failure.
    @Test func aFailedBatchStopsEveryBatchAfterIt() async throws {
        let tmp = TempDir("put-pipeline-fail"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        var pipeline = PutPipeline(store: store)
        var thrown: StoreError?
        for k in 0..<12 {
            var batch = (0..<10).map { Self.segment("b\(k)-\($0)", "words \(k) \($0)") }
            if k == 6 { batch[4].segmentID = "" }
            do { try await pipeline.put(batch) } catch { thrown = error; break }
        }
        if thrown == nil {
            do { try await pipeline.finish() } catch { thrown = error }
        }
        guard case .invalidSegment? = thrown else { Issue.record("the failure is thrown: \(String(describing: thrown))"); return }
        #expect(pipeline.stored == 60 && pipeline.failedBatchSize == 10)
        let ids = (0..<12).flatMap { k in (0..<10).map { "b\(k)-\($0)" } }
        let got = Set(try store.get(project: "p", ids: ids).map(\.segmentID))
        #expect(got == Set(ids.prefix(60)), "exactly the batches before the failed one: \(got.count)")
        await #expect(throws: StoreError.self) { try await pipeline.put([Self.segment("later", "later")]) }
        #expect(try store.get(project: "p", ids: ["later"]).isEmpty)
    }
}
