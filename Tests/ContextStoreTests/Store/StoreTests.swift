import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

@Suite struct StoreTests {
    func seg(_ id: String, _ project: String, _ text: String = "t") -> ContextSegment {
        ContextSegment(segmentID: id, text: text, type: .note, projectID: project,
                       createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000))
    }

    @Test func putScanDeleteAndSupersedeAcrossReopen() async throws {
        let tmp = TempDir("basic"); defer { tmp.cleanup() }
        var store = try ContextStore.open(directory: tmp.path)
        #expect(store.recoveryReport.created)
        try await store.put([seg("a", "p", "1"), seg("b", "p", "2"), seg("c", "p", "3")])
        try await store.put(seg("a", "p", "1 again"))  // supersedes, moves to the end
        try await store.delete(project: "p", ids: ["b", "nope"])
        try await store.put(seg("a", "q", "other project"))
        func check(_ s: ContextStore) async throws {
            #expect(try s.scan(project: "p").map(\.segmentID) == ["c", "a"])
            #expect(try s.scan(project: "p").last?.text == "1 again")
            #expect(try s.scan(project: "q").map(\.text) == ["other project"])
            #expect(try s.scan(project: "none").isEmpty)
        }
        try await check(store)
        store.close()
        store = try ContextStore.open(directory: tmp.path)
        #expect(!store.recoveryReport.created)
        try await check(store)
        store.close()
        #expect(try ContextStore.verify(directory: tmp.path).isSound)
    }

    /// With `forwardWrites` off, a second writer is refused (forwarding is in ForwardingTests).
    @Test func aSecondWriterIsRefusedInThisProcessAndAnother() async throws {
        let tmp = TempDir("lock"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        var alone = Configuration()
        alone.forwardWrites = false
        #expect(throws: StoreError.locked(path: tmp.path, holderPID: getpid())) {
            _ = try ContextStore.open(directory: tmp.path, configuration: alone)
        }
        // Another process (the CLI) is refused too, with a clear message and a failure status.
        let (status, _, err) = try runCtxstore(["crash-writer", "--store", tmp.path])
        #expect(status != 0)
        #expect(err.contains("locked"))
        store.close()
        let again = try ContextStore.open(directory: tmp.path)  // released by close
        again.close()
    }

    /// Project ids are data, never paths: whatever their content, every file the store
    /// creates is inside it, named by internal numbers, and distinct byte strings (NFC vs
    /// NFD) stay distinct projects.
    @Test func unsafeProjectIDsStayInsideTheStore() async throws {
        let tmp = TempDir("ids"); defer { tmp.cleanup() }
        let root = tmp.sub("store")
        let ids = ["../x", "a/b", ".", "..", "", String(repeating: "long", count: 2600), "nul\u{0}byte",
                   "/abs", "non-ascii ✓ 日本", "caf\u{E9}", "cafe\u{301}", "LOCK", "MANIFEST", "projects", "%2e%2e%2f", "C:\\x"]
        let store = try ContextStore.open(directory: root)
        for (i, id) in ids.enumerated() { try await store.put(seg("s", id, "text \(i)")) }
        for (i, id) in ids.enumerated() {
            let live = try store.scan(project: id)
            #expect(live.count == 1 && live[0].text == "text \(i)", "project \(debugQuote(id))")
            #expect(live[0].projectID.utf8.elementsEqual(id.utf8))
        }
        #expect(try store.projectIDs().count == ids.count)
        store.close()
        // Nothing outside the store directory, and only the store's own names inside.
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path) == ["store"])
        let pattern = /^(LOCK|MANIFEST|projects|projects\/[0-9a-f]{16}|projects\/[0-9a-f]{16}\/(log|index)|projects\/[0-9a-f]{16}\/log\/[0-9a-f]{8}\.log|projects\/[0-9a-f]{16}\/index\/[0-9a-f]{8}(\.idx|-[0-9a-f]{8}\.del))$/
        for rel in try FileManager.default.subpathsOfDirectory(atPath: root) {
            #expect(rel.wholeMatch(of: pattern) != nil, "unexpected path \(rel)")
        }
        let reopened = try ContextStore.open(directory: root)
        let nfd = ids.firstIndex { $0.utf8.elementsEqual("cafe\u{301}".utf8) }!
        #expect(nfd == 10)
        #expect(try reopened.scan(project: "cafe\u{301}").first?.text == "text \(nfd)")
        reopened.close()
    }

    @Test func concurrentAppendsShareWritesAndSyncs() async throws {
        let tmp = TempDir("group"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        let n = 400
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<n { group.addTask { try await store.put(seg("s\(i)", "p", String(repeating: "x", count: i))) } }
            try await group.waitForAll()
        }
        let stats = store.writeStatistics
        #expect(stats.records == n)
        #expect(stats.groups < n, "group commit: \(stats.groups) groups for \(n) appends")
        #expect(stats.syncs < n)
        #expect(try store.scan(project: "p").count == n)
        store.close()
    }

    @Test func filesRollAndEverythingSurvivesReopenInEveryDurabilityMode() async throws {
        for mode in [Durability.syncEachBatch, .periodic(milliseconds: 5), .buffered] {
            let tmp = TempDir("roll"); defer { tmp.cleanup() }
            var config = Configuration(durability: mode, logFileSize: 2048, batchTargetBytes: 512)
            config.autoCompaction = false  // every record stays in the log for the count below
            var rng = TestRNG(seed: testSeed)
            var expected: [String: ContextSegment] = [:]
            var store = try ContextStore.open(directory: tmp.path, configuration: config)
            for round in 0..<3 {
                for i in 0..<60 {
                    let s = Samples.segment(&rng, id: "s\(i % 45)", project: ["p", "q"][i % 2])
                    try await store.put(s)
                    expected[s.projectID + "/" + s.segmentID] = s
                }
                try await store.sync()
                store.close()
                store = try ContextStore.open(directory: tmp.path, configuration: config)
                #expect(store.recoveryReport.tornTails.isEmpty, "round \(round)")
            }
            for p in ["p", "q"] {
                let live = try store.scan(project: p)
                #expect(live.count == expected.keys.filter { $0.hasPrefix(p + "/") }.count)
                for s in live { #expect(expected[p + "/" + s.segmentID]?.withoutTokenCache == s.withoutTokenCache) }
            }
            store.close()
            let logs = try FileManager.default.subpathsOfDirectory(atPath: tmp.path).filter { $0.hasSuffix(".log") }
            #expect(logs.count > 4, "\(mode): files should have rolled")
            let report = try ContextStore.verify(directory: tmp.path)
            #expect(report.isSound && report.records == 180, "\(report.problems)")
        }
    }

    @Test func anInvalidSegmentWritesNothingAndATooLargeOneIsRefused() async throws {
        let tmp = TempDir("invalid"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        var bad = seg("", "p")
        await #expect(throws: StoreError.invalidSegment(segmentID: "", .emptySegmentID)) {
            try await store.put([seg("ok", "p"), bad])
        }
        bad = seg("big", "p", String(repeating: "x", count: SegmentLimits.maxRecordBytes + 1))
        await #expect(throws: StoreError.self) { try await store.put(bad) }
        #expect(try store.scan(project: "p").isEmpty)
        store.close()
    }

    @Test func aDirectoryThatIsNotAStoreIsRefused() throws {
        let tmp = TempDir("notastore"); defer { tmp.cleanup() }
        _ = FileManager.default.createFile(atPath: tmp.sub("notes.txt"), contents: Data("hi".utf8))
        #expect(throws: StoreError.notAStore(path: tmp.path)) { _ = try ContextStore.open(directory: tmp.path) }
    }
}
