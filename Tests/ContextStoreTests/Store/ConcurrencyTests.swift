import Foundation
import Synchronization
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Readers, two writers, the background compactor, back-to-back full compactions and an
/// exporter, all at once, every result checked against what the writers had started and
/// acknowledged. Run in CI under ThreadSanitizer too (`Tools/test.sh`).
///
/// Each writer owns its ids and works on them one at a time, so for every id the versions
/// it writes are totally ordered. A read that starts after version `a` was acknowledged and
/// ends before version `s + 1` starts must see a version in `a...s` (or nothing, if one of
/// those is a delete): snapshots may lag, never go back, and never invent.
@Suite struct ConcurrencyTests {
    /// Per id: versions started and acknowledged, and which versions were deletes.
    final class Oracle: Sendable {
        struct History { var started = 0; var acked = 0; var deletes = Set<Int>() }
        let state = Locked<[String: History]>([:])

        func start(_ id: String, version: Int, delete: Bool) {
            state.withLock { s in
                s[id, default: History()].started = version
                if delete { s[id]!.deletes.insert(version) }
            }
        }
        func ack(_ id: String, version: Int) { state.withLock { $0[id, default: History()].acked = version } }
        func acked(_ id: String) -> Int { state.withLock { $0[id]?.acked ?? 0 } }
        func started(_ id: String) -> Int { state.withLock { $0[id]?.started ?? 0 } }
        func deleteIn(_ id: String, _ range: ClosedRange<Int>) -> Bool {
            state.withLock { s in range.contains(0) || (s[id]?.deletes.contains { range.contains($0) } ?? false) }
        }
        var snapshot: [String: History] { state.withLock { $0 } }
    }

    static let project = "conc"

    /// State the tasks share: how many writers finished, and what went wrong.
    final class Shared: Sendable {
        let writersDone = Atomic<Int>(0)
        let failures = Locked<[String]>([])
        var running: Bool { writersDone.load(ordering: .sequentiallyConsistent) < 2 }
        func fail(_ s: String) { failures.withLock { if $0.count < 20 { $0.append(s) } } }
    }

    static func segment(id: String, version: Int) -> ContextSegment {
        // Self-describing text: the id and version, and words for searches.
        ContextSegment(segmentID: id, text: "item \(id) ver\(version) common shared words \(id.hasPrefix("a") ? "alpha" : "beta")",
                       type: .note, projectID: project,
                       createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(version)),
                       tags: ["t\(version % 3)"], tier: version % 4 == 0 ? .working : .stashed)
    }

    static func version(of s: ContextSegment) -> Int? {
        let words = s.text.split(separator: " ")
        guard words.count >= 3, words[0] == "item", words[1] == s.segmentID, words[2].hasPrefix("ver") else { return nil }
        return Int(words[2].dropFirst(3))
    }

    @Test func readersWritersCompactionAndExportAgreeWithTheOracle() async throws {
        let tmp = TempDir("conc"); defer { tmp.cleanup() }
        var config = Configuration(logFileSize: 32 << 10, batchTargetBytes: 2048, indexSealDocs: 60)
        config.compactionMergeFactor = 3
        config.activeTierMaxSegments = 50
        let store = try ContextStore.open(directory: tmp.path, configuration: config)
        let oracle = Oracle()
        let opsPerWriter = 500
        let idsPerWriter = 60
        let shared = Shared()
        let fail = shared.fail

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (w, prefix) in ["a", "b"].enumerated() {
                group.addTask {
                    var rng = TestRNG(seed: testSeed &+ UInt64(w))
                    var versions = [Int](repeating: 0, count: idsPerWriter)
                    for _ in 0..<opsPerWriter {
                        let k = Int(rng.next() % UInt64(idsPerWriter))
                        let id = "\(prefix)\(k)"
                        versions[k] += 1
                        let v = versions[k]
                        let delete = v > 1 && rng.next() % 5 == 0
                        oracle.start(id, version: v, delete: delete)
                        if delete {
                            try await store.delete(project: Self.project, ids: [id])
                        } else {
                            try await store.put(Self.segment(id: id, version: v))
                        }
                        oracle.ack(id, version: v)
                    }
                    shared.writersDone.add(1, ordering: .sequentiallyConsistent)
                }
            }
            // Readers: gets and searches, checked against the oracle's window.
            for r in 0..<3 {
                group.addTask {
                    var rng = TestRNG(seed: testSeed &+ 100 &+ UInt64(r))
                    while shared.running {
                        // Reads never suspend (nothing to wait for), so a loop of them must
                        // yield, or it could keep the writers' continuations off the pool.
                        await Task.yield()
                        let id = "\(rng.next() % 2 == 0 ? "a" : "b")\(rng.next() % UInt64(idsPerWriter))"
                        let before = oracle.acked(id)
                        let got = try store.get(project: Self.project, ids: [id])
                        let after = oracle.started(id)
                        if let s = got.first {
                            guard let v = Self.version(of: s) else { fail("get \(id): invented text \(s.text)"); continue }
                            if v < before || v > after { fail("get \(id): version \(v) outside \(before)...\(after)") }
                            if oracle.snapshot[id]?.deletes.contains(v) == true { fail("get \(id): version \(v) was a delete") }
                        } else if !oracle.deleteIn(id, before...max(before, after)) {
                            fail("get \(id): nothing, but versions \(before)...\(after) are all puts")
                        }
                        let word = rng.next() % 2 == 0 ? "alpha" : "beta"
                        let result = try store.search(SearchQuery(project: Self.project, query: "shared \(word)", limit: 20))
                        if result.totalMatches < result.segments.count { fail("search: total below hits") }
                        for s in result.segments {
                            guard let v = Self.version(of: s), s.text.contains(word) else { fail("search \(word): bad hit \(s.text)"); continue }
                            if v > oracle.started(s.segmentID) { fail("search: \(s.segmentID) version \(v) not yet started") }
                        }
                    }
                }
            }
            // Full compactions back to back (the background compactor runs as well).
            group.addTask {
                while shared.running {
                    try await store.compact()
                    try await Task.sleep(nanoseconds: 2_000_000)
                }
            }
            // An exporter: every pass sees each id at most once, each a version that was written.
            group.addTask {
                while shared.running {
                    await Task.yield()
                    var seen = Set<String>()
                    try store.forEachLiveSegment(project: Self.project) { s in
                        if !seen.insert(s.segmentID).inserted { fail("export: \(s.segmentID) twice") }
                        if let v = Self.version(of: s) {
                            if v > oracle.started(s.segmentID) { fail("export: \(s.segmentID) version \(v) not yet started") }
                        } else {
                            fail("export: invented \(s.text)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let failures = shared.failures.withLock { $0 }
        #expect(failures.isEmpty, "\(failures)")

        // Quiescent: the store is exactly the oracle's final state, before and after a full
        // compaction and a reopen.
        let final = oracle.snapshot
        let live = final.filter { !$0.value.deletes.contains($0.value.acked) }
        func checkFinal(_ s: ContextStore, _ when: String) async throws {
            for (id, h) in final {
                let got = try s.get(project: Self.project, ids: [id])
                if h.deletes.contains(h.acked) {
                    #expect(got.isEmpty, "\(when): \(id) deleted at version \(h.acked) but present")
                } else {
                    #expect(got.first.flatMap(Self.version) == h.acked, "\(when): \(id) should be version \(h.acked)")
                }
            }
            let all = try s.search(SearchQuery(project: Self.project, query: "common", limit: 0))
            #expect(all.totalMatches == live.count, "\(when): search total")
            #expect(try s.totals(project: Self.project)?.segments == live.count, "\(when): totals")
            var exported = 0
            try s.forEachLiveSegment(project: Self.project) { _ in exported += 1 }
            #expect(exported == live.count, "\(when): export count")
        }
        try await checkFinal(store, "after the run")
        let stats = store.compactionStatistics
        #expect(stats.report.jobs > 0 && stats.lastError == nil, "compaction ran without failing: \(stats)")
        try await store.compact()
        try await checkFinal(store, "after a full compaction")
        store.close()
        let reopened = try ContextStore.open(directory: tmp.path, configuration: config)
        try await checkFinal(reopened, "after reopen")
        reopened.close()
        #expect(try ContextStore.verify(directory: tmp.path).isSound)
    }
}
