import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// After `close()` every public method throws `StoreError.closed` (reads included), as the
/// doc of `close` says; the statistics stay readable.
@Suite struct ClosedStoreTests {
    static func segment(_ id: String) -> ContextSegment {
        ContextSegment(segmentID: id, text: "hello world", type: .note, projectID: "p", createdAt: .now(), tokens: 2)
    }

    /// Runs `body` and expects `.closed`.
    func expectClosed(_ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("\(what) succeeded on a closed store", sourceLocation: sourceLocation)
        } catch let e as StoreError {
            #expect(e == .closed, "\(what)", sourceLocation: sourceLocation)
        } catch let e as ImportError {
            #expect(e.reason == .store(.closed), "\(what)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what) threw \(error), not .closed", sourceLocation: sourceLocation)
        }
    }

    @Test func everyCallFailsWithClosedAfterClose() async throws {
        let tmp = TempDir("closed"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.sub("store"))
        try await store.put([Self.segment("a"), Self.segment("b")])
        try await store.store(Self.segment("w"))
        let transaction = try await store.beginImport()
        store.close()
        store.close()  // idempotent

        await expectClosed("put([])") { try await store.put([Self.segment("c")]) }
        await expectClosed("put") { try await store.put(Self.segment("c")) }
        await expectClosed("store") { try await store.store(Self.segment("c")) }
        await expectClosed("delete") { _ = try await store.delete(project: "p", ids: ["a"]) }
        await expectClosed("sync") { try await store.sync() }
        await expectClosed("scan") { _ = try store.scan(project: "p") }
        await expectClosed("search") { _ = try store.search(SearchQuery(project: "p", query: "hello")) }
        await expectClosed("get") { _ = try store.get(project: "p", ids: ["a"]) }
        await expectClosed("loadSegments") { _ = try store.loadSegments(project: "p") }
        await expectClosed("stash") { _ = try await store.stash(project: "p", ids: ["w"]) }
        await expectClosed("unstash") { _ = try await store.unstash(project: "p", ids: ["w"]) }
        await expectClosed("totals") { _ = try store.totals(project: "p") }
        await expectClosed("allTotals") { _ = try store.allTotals() }
        await expectClosed("projectIDs") { _ = try store.projectIDs() }
        await expectClosed("forEachLiveSegment") { try store.forEachLiveSegment(project: "p") { _ in } }
        await expectClosed("export") { _ = try await store.export(to: tmp.sub("out"), format: .ndjson) }
        await expectClosed("importFiles") { _ = try await store.importFiles([tmp.sub("none.ndjson")]) }
        await expectClosed("compact") { _ = try await store.compact() }
        await expectClosed("beginImport") { _ = try await store.beginImport() }
        await expectClosed("append") { try await transaction.append([Self.segment("t")]) }
        await expectClosed("commit") { _ = try await transaction.commit() }
        await transaction.rollback()  // never throws
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("out")), "a closed export writes nothing")

        // The counters stay readable, as they were at close.
        #expect(store.writeStatistics.records == 3)
        #expect(store.activeTierStatistics.segments == 3)  // new segments are working ones
        #expect(store.compactionStatistics.lastError == nil)
    }
}
