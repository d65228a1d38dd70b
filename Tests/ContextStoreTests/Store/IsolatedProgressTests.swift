import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Progress and visitor closures that mutate an actor's state: `export`, `importFiles` and
/// `compact` run off the caller and call back on the caller's isolation; `forEachLiveSegment`
/// calls its visitor synchronously on the caller. This file compiling in Swift 6 mode is half
/// the test; the other half checks what the closures saw.
@Suite struct IsolatedProgressTests {
    static let count = 600

    static func segments(_ project: String) -> [ContextSegment] {
        (0..<count).map {
            ContextSegment(segmentID: "s\($0)", text: "text number \($0) of \(project)", type: .note,
                           projectID: project, createdAt: Timestamp(utcMicroseconds: Int64($0)), tokens: 4)
        }
    }

    /// What an app's actor would keep: counters the closures mutate.
    actor Tally {
        var exported = 0
        var visited: [String] = []
        var importReports: [ImportProgress] = []
        var compactReports: [(Int64, Int64)] = []

        func run(_ store: ContextStore, _ out: String) async throws -> (ExportReport, ImportReport, CompactionReport) {
            let exportReport = try await store.export(to: out, format: .ndjson) { n in self.exported += n }
            try store.forEachLiveSegment(project: "p") { s in self.visited.append(s.segmentID) }
            let target = try ContextStore.open(directory: out + "-target")
            defer { target.close() }
            let importReport = try await target.importFiles([out + "/segments.ndjson"]) { p in self.importReports.append(p) }
            let compactReport = try await store.compact { done, total in self.compactReports.append((done, total)) }
            return (exportReport, importReport, compactReport)
        }
    }

    /// The same from the main actor, as an IDE plugin would hold it.
    @MainActor final class Panel {
        var exported = 0
        var visited = 0
        var lastImport: ImportProgress?
        var compactCalls = 0

        func run(_ store: ContextStore, _ out: String) async throws -> ExportReport {
            let report = try await store.export(to: out, format: .sharded) { n in
                MainActor.assertIsolated("export progress runs on the main actor")
                self.exported += n
            }
            try store.forEachLiveSegment(project: "q") { _ in self.visited += 1 }
            let target = try ContextStore.open(directory: out + "-target")
            defer { target.close() }
            _ = try await target.importFiles([out]) { p in
                MainActor.assertIsolated("import progress runs on the main actor")
                self.lastImport = p
            }
            try await store.compact { _, _ in
                MainActor.assertIsolated("compaction progress runs on the main actor")
                self.compactCalls += 1
            }
            return report
        }
    }

    @Test func anActorsClosuresSeeEveryReportInOrder() async throws {
        let tmp = TempDir("isolated-actor"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.sub("store"))
        defer { store.close() }
        try await store.put(Self.segments("p"))
        let tally = Tally()
        let (exported, imported, compacted) = try await tally.run(store, tmp.sub("out"))
        #expect(exported.segments == Self.count)
        #expect(await tally.exported == Self.count, "one progress call of 1 per segment")
        #expect(await tally.visited == (0..<Self.count).map { "s\($0)" })
        let reports = await tally.importReports
        #expect(imported.segments == Self.count)
        #expect(!reports.isEmpty && reports.last?.bytesRead == reports.last?.totalBytes)
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.bytesRead <= $1.bytesRead }, "in order")
        let compactReports = await tally.compactReports
        #expect(compacted.jobs == 0 || !compactReports.isEmpty)
        #expect(zip(compactReports, compactReports.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "in order")
    }

    @MainActor @Test func mainActorClosuresRunOnTheMainActor() async throws {
        let tmp = TempDir("isolated-main"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.sub("store"))
        defer { store.close() }
        try await store.put(Self.segments("q"))
        let panel = Panel()
        let report = try await panel.run(store, tmp.sub("out"))
        #expect(report.segments == Self.count && panel.exported == Self.count)
        #expect(panel.visited == Self.count)
        #expect(panel.lastImport?.segments == Self.count)
        #expect(panel.compactCalls >= 0)
    }

    /// The work itself runs off the caller: from the main actor, `OffCaller.run`'s work waits
    /// for a job that needs the main actor (it would wait in vain, for 30 s, if the work
    /// held the main actor), while the reports are delivered on the main actor, in order.
    @MainActor @Test func theWorkRunsOffTheMainActor() async {
        var seen: [Int] = []
        let mainActorRan = DispatchSemaphore(value: 0)
        Task { @MainActor in mainActorRan.signal() }
        let mainActorWasFree = await OffCaller.run(progress: { (n: Int) in
            MainActor.assertIsolated()
            seen.append(n)
        }) { report in
            for i in 0..<1_000 { report?(i) }
            return mainActorRan.wait(timeout: .now() + 30) == .success
        }
        #expect(mainActorWasFree)
        #expect(seen == Array(0..<1_000))
    }
}
