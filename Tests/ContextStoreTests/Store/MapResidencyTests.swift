import Foundation
import Synchronization
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// A handle forgets the pages its index and log maps hold resident once they pass
/// `Configuration.mappedResidentBudgetBytes` (`MapResidency`), so a process that searches
/// for long does not count every page it ever read; the answers stay the same.
@Suite struct MapResidencyTests {
    /// A model of the process's resident file-backed bytes, moved by the test.
    final class Resident: Sendable {
        let bytes = Atomic<Int>(0)
        func add(_ n: Int) { bytes.add(n, ordering: .relaxed) }
        func set(_ n: Int) { bytes.store(n, ordering: .relaxed) }
        var now: Int { bytes.load(ordering: .relaxed) }
    }

    @Test func sweepsOnlyPastTheBudgetAboveTheFloorAndOnlyAtChecks() {
        let resident = Resident()
        resident.set(1000)  // what the process holds at open: the floor
        let r = MapResidency(budget: 100, checkInterval: 4) { resident.now }
        var swept = 0
        func read(_ grows: Int) -> Bool {
            resident.add(grows)
            return r.note {
                swept += 1
                resident.set(1010)  // what the handle cannot forget stays
            }
        }
        // Three reads are not a check, however much they grew.
        for _ in 0..<3 { #expect(!read(60)) }
        // The fourth is: 1,180 resident, 180 above the floor of 1,000.
        #expect(read(0))
        #expect(swept == 1 && r.sweeps == 1)
        // The floor is now 1,010: 100 more is not past the budget, 101 is (at the next check).
        for _ in 0..<3 { #expect(!read(25)) }
        #expect(!read(25))
        for _ in 0..<3 { #expect(!read(0)) }
        resident.add(1)
        #expect(read(0))
        #expect(swept == 2)
        // Another handle lets go of its pages: the floor falls with what is measured, so
        // growth is counted from there.
        resident.set(500)
        for _ in 0..<4 { _ = read(0) }
        #expect(swept == 2)
        resident.set(601)
        for _ in 0..<3 { #expect(!read(0)) }
        #expect(read(0))
        #expect(swept == 3)
    }

    @Test func aNoteOfManyReadsCountsAsMany() {
        let resident = Resident()
        let r = MapResidency(budget: 0, checkInterval: 32) { resident.now }
        resident.add(1)
        var swept = 0
        #expect(!r.note(31) { swept += 1 })
        #expect(r.note(1) { swept += 1 })
        resident.add(1)
        #expect(r.note(100) { swept += 1 })
        #expect(swept == 2)
    }

    @Test func withoutAMeasureNothingIsSwept() {
        let r = MapResidency(budget: 0, checkInterval: 1) { nil }
        for _ in 0..<10 { #expect(!r.note { Issue.record("swept without a measure") }) }
        #expect(r.sweeps == 0)
    }

    @Test func theStatmFieldIsRead() {
        #if os(Linux)
        let bytes = ProcessMemory.residentFileBytes()
        // The test binary's own text is file-backed and resident.
        #expect((bytes ?? 0) > 1 << 20, "\(String(describing: bytes))")
        #endif
    }

    /// Searches of every word with the text of their hits, through a handle with no budget
    /// and through one with none left: the second keeps next to nothing of the store's files
    /// resident, the first keeps what it read, and both answer the same.
    @Test func aHandleOverItsBudgetForgetsItsMappedPages() async throws {
        #if os(Linux)
        let tmp = TempDir("residency"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        let words = (0..<3000).map { "word\($0)" }
        do {
            let store = try ContextStore.open(directory: dir)
            for chunk in 0..<4 {
                let segments = (0..<2000).map { n in
                    let i = chunk * 2000 + n
                    return ContextSegment(segmentID: "s\(i)", text: (0..<40).map { words[($0 * 131 + i * 17) % words.count] + " n\(($0 + i) &* 7919 % 100_003)" }
                        .joined(separator: " "), type: .note, projectID: "p", createdAt: .now(), tokens: 40)
                }
                try await store.put(segments)
            }
            _ = try await store.compact()
            store.close()
        }
        let projectDir = StoreLayout(root: dir).projectDirectory(1)
        func searchAll(budget: Int) throws -> (answers: [[String]], residentKB: Int, sweeps: Int) {
            var c = Configuration()
            c.mappedResidentBudgetBytes = budget
            c.mappedResidencyCheckInterval = 1
            let store = try ContextStore.open(directory: dir, mode: .readOnly, configuration: c)
            defer { store.close() }
            var answers: [[String]] = []
            for w in words.indices where w % 7 == 0 {
                let r = try store.search(SearchQuery(project: "p", query: words[w], limit: 20))
                answers.append(r.segments.map { $0.segmentID + ":" + String($0.text.count) })
            }
            return (answers, ResidentMemory.kilobytes(under: projectDir), store.residency.sweeps)
        }
        let kept = try searchAll(budget: Int.max)
        let forgotten = try searchAll(budget: 0)
        #expect(kept.answers == forgotten.answers)
        #expect(kept.answers.allSatisfy { !$0.isEmpty })
        #expect(kept.sweeps == 0)
        #expect(forgotten.sweeps > 0)
        #expect(kept.residentKB >= 256, "the unbounded handle keeps what it read (\(kept.residentKB) KB)")
        #expect(forgotten.residentKB * 4 < kept.residentKB,
                "\(forgotten.residentKB) KB resident over budget 0, \(kept.residentKB) KB without a budget")
        #endif
    }

    /// Writes that supersede ids make the writer read the index files' id tables; a holder
    /// over its budget forgets those pages too (noted as each write is acknowledged).
    @Test func aHolderForgetsThePagesItsWritesRead() async throws {
        #if os(Linux)
        let tmp = TempDir("residency-writes"); defer { tmp.cleanup() }
        func segments(_ version: Int) -> [ContextSegment] {
            (0..<12_000).map { i in
                ContextSegment(segmentID: "segment-\(i)-\(i &* 2_654_435_761 % 1_000_003)", text: "version \(version) of \(i)",
                               type: .note, projectID: "p", createdAt: .now(), tokens: 5)
            }
        }
        func rewrite(budget: Int) async throws -> (residentKB: Int, sweeps: Int, live: Int) {
            let dir = tmp.sub("store-\(budget == 0 ? "bounded" : "unbounded")")
            var c = Configuration()
            c.autoCompaction = false
            c.mappedResidentBudgetBytes = budget
            c.mappedResidencyCheckInterval = 1
            let store = try ContextStore.open(directory: dir, configuration: c)
            defer { store.close() }
            try await store.put(segments(1))
            _ = try await store.compact()
            // Every id again, a few at a time: each is looked up in the index file.
            let next = segments(2)
            for start in stride(from: 0, to: next.count, by: 200) { try await store.put(Array(next[start..<(start + 200)])) }
            var pipeline = PutPipeline(store: store)
            for start in stride(from: 0, to: next.count, by: 200) { try await pipeline.put(Array(next[start..<(start + 200)])) }
            try await pipeline.finish()
            let resident = ResidentMemory.kilobytes(under: StoreLayout(root: dir).indexDirectory(1))
            let totals = try store.totals(project: "p")
            return (resident, store.residency.sweeps, totals?.segments ?? -1)
        }
        let kept = try await rewrite(budget: Int.max)
        let forgotten = try await rewrite(budget: 0)
        #expect(kept.live == 12_000 && forgotten.live == 12_000)
        #expect(kept.sweeps == 0 && forgotten.sweeps > 0)
        #expect(kept.residentKB >= 64, "the unbounded holder keeps the pages its lookups read (\(kept.residentKB) KB)")
        #expect(forgotten.residentKB * 4 < kept.residentKB,
                "\(forgotten.residentKB) KB resident over budget 0, \(kept.residentKB) KB without a budget")
        #endif
    }
}
