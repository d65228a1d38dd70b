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

/// A full disk at the writer (the third write to the project's log) fails one batch of a
/// pipeline while later batches are already queued behind it: they are failed unwritten
/// (the store stays writable, so without the chain they would be stored), and exactly the
/// batches before the failed one survive a reopen.
/// (In the serialized suite: the fault injector is process-wide.)
extension FaultInjectionTests {
    @Test func aPipelineBatchThatFindsTheDiskFullStopsTheBatchesQueuedBehindIt() async throws {
        let tmp = TempDir("put-pipeline-enospc"); defer { tmp.cleanup() }
        let dir = tmp.sub("s")
        // No seal or roll comes near: the third write to the log is a group's frames.
        var c = Configuration()
        c.autoCompaction = false
        let store = try ContextStore.open(directory: dir, configuration: c)
        try await store.put([FaultInjectionTests.segment("first")])
        SystemCallFaults.install(SystemCallFault(.pwrite, nth: 3, errno: ENOSPC, scope: dir + "/projects/0000000000000001/log"))
        var pipeline = PutPipeline(store: store)
        var thrown: StoreError?
        for k in 0..<30 {
            do { try await pipeline.put((0..<3).map { FaultInjectionTests.segment("b\(k)-\($0)") }) } catch { thrown = error; break }
        }
        if thrown == nil { do { try await pipeline.finish() } catch { thrown = error } }
        let fired = SystemCallFaults.remove().fired
        #expect(fired && thrown != nil, "a batch failed: \(String(describing: thrown))")
        let stored = pipeline.stored
        #expect(stored % 3 == 0 && stored < 90 && pipeline.failedBatchSize == 3)
        // Still writable: the failed write was cut back.
        try await store.put([FaultInjectionTests.segment("after")])
        store.close()
        let again = try ContextStore.open(directory: dir, configuration: c)
        defer { again.close() }
        let ids = Set(try again.scan(project: "p").map(\.segmentID))
        let expected = Set((0..<stored / 3).flatMap { k in (0..<3).map { "b\(k)-\($0)" } } + ["first", "after"])
        #expect(ids == expected, "exactly the first \(stored) of the pipeline: \(ids.subtracting(expected).sorted().prefix(6))")
    }
}
