import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The reference LRU: an array, most recently used first, every operation a linear scan.
/// Same contract as `LRUCache` (see its `insert`), written the obvious way; it also records
/// which bound forced each eviction.
private struct ModelLRU<Key: Equatable, Value> {
    let maxCount: Int
    let maxBytes: Int
    var entries: [(key: Key, value: Value, cost: Int)] = []
    var countEvictions = 0
    var byteEvictions = 0
    var rejections = 0

    var bytes: Int { entries.reduce(0) { $0 + $1.cost } }
    var keys: [Key] { entries.map(\.key) }

    mutating func get(_ key: Key) -> Value? {
        guard let i = entries.firstIndex(where: { $0.key == key }) else { return nil }
        let e = entries.remove(at: i)
        entries.insert(e, at: 0)
        return e.value
    }

    func peek(_ key: Key) -> Value? { entries.first { $0.key == key }?.value }

    mutating func insert(_ key: Key, _ value: Value, cost: Int) -> [Key] {
        entries.removeAll { $0.key == key }
        guard cost <= maxBytes, maxCount > 0 else {
            rejections += 1
            return [key]
        }
        entries.insert((key, value, cost), at: 0)
        var evicted: [Key] = []
        while entries.count > maxCount || bytes > maxBytes {
            if entries.count > maxCount { countEvictions += 1 } else { byteEvictions += 1 }
            evicted.append(entries.removeLast().key)
        }
        return evicted
    }

    mutating func remove(_ key: Key) -> Value? {
        guard let i = entries.firstIndex(where: { $0.key == key }) else { return nil }
        return entries.remove(at: i).value
    }
}

/// Counts live instances, to see that the cache releases what it drops.
private final class LiveCounter { var live = 0 }
private final class Tracked {
    let counter: LiveCounter
    init(_ counter: LiveCounter) { self.counter = counter; counter.live += 1 }
    deinit { counter.live -= 1 }
}

/// Resident set size of this process in bytes (VmRSS of /proc/self/status); nil where
/// there is no /proc (macOS).
private func residentBytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
    }
    return nil
}

@Suite struct ActiveTierCacheTests {
    // MARK: - LRUCache

    @Test func touchUpdateAndEvictionFollowRecency() {
        var lru = LRUCache<String, Int>(maxCount: 3, maxBytes: 100)
        #expect(lru.insert("a", 1, cost: 10).isEmpty)
        #expect(lru.insert("b", 2, cost: 10).isEmpty)
        #expect(lru.insert("c", 3, cost: 10).isEmpty)
        #expect(lru.keysInRecencyOrder == ["c", "b", "a"])
        #expect(lru.get("a") == 1)  // touch
        #expect(lru.keysInRecencyOrder == ["a", "c", "b"])
        #expect(lru.peek("b") == 2)  // peek does not touch
        #expect(lru.keysInRecencyOrder == ["a", "c", "b"])
        #expect(lru.insert("b", 20, cost: 30).isEmpty)  // update: new value and cost, now MRU
        #expect(lru.keysInRecencyOrder == ["b", "a", "c"] && lru.bytes == 50 && lru.peek("b") == 20)
        #expect(lru.insert("d", 4, cost: 10) == ["c"])  // count bound: exactly the LRU goes
        #expect(lru.keysInRecencyOrder == ["d", "b", "a"])
        #expect(lru.insert("e", 5, cost: 75) == ["a", "b"])  // byte bound: LRU first, until it fits
        #expect(lru.keysInRecencyOrder == ["e", "d"] && lru.bytes == 85 && lru.count == 2)
        #expect(lru.insert("d", 6, cost: 40) == ["e"])  // an update can evict by bytes too
        #expect(lru.keysInRecencyOrder == ["d"] && lru.bytes == 40)
        #expect(lru.get("zz") == nil && lru.invariantViolation() == nil)
    }

    @Test func boundsOversizeEntriesAndRemoval() {
        var lru = LRUCache<Int, Int>(maxCount: 4, maxBytes: 100)
        lru.insert(1, 1, cost: 40)
        lru.insert(2, 2, cost: 40)
        // Larger than maxBytes by itself: not kept, and nothing else is evicted for it.
        #expect(lru.insert(3, 3, cost: 101) == [3])
        #expect(!lru.contains(3) && lru.keysInRecencyOrder == [2, 1] && lru.bytes == 80)
        // An oversize update drops the old value too (it would be stale).
        #expect(lru.insert(1, 10, cost: 500) == [1])
        #expect(lru.peek(1) == nil && lru.keysInRecencyOrder == [2] && lru.bytes == 40)
        // Exactly maxBytes fits (alone).
        #expect(lru.insert(4, 4, cost: 100) == [2])
        #expect(lru.keysInRecencyOrder == [4] && lru.bytes == 100)
        // Removing frees the bytes, and the freed room is usable without evictions.
        #expect(lru.remove(4) == 4 && lru.remove(4) == nil)
        #expect(lru.count == 0 && lru.bytes == 0)
        for k in 10..<14 { #expect(lru.insert(k, k, cost: 25).isEmpty) }
        #expect(lru.bytes == 100 && lru.count == 4 && lru.invariantViolation() == nil)
        lru.removeAll()
        #expect(lru.count == 0 && lru.bytes == 0 && lru.keysInRecencyOrder.isEmpty && lru.invariantViolation() == nil)
        // Degenerate bounds keep nothing (or only free entries) and never crash.
        var none = LRUCache<Int, Int>(maxCount: 0, maxBytes: 100)
        #expect(none.insert(1, 1, cost: 0) == [1] && none.count == 0)
        var zeroBytes = LRUCache<Int, Int>(maxCount: 2, maxBytes: 0)
        #expect(zeroBytes.insert(1, 1, cost: 1) == [1])
        #expect(zeroBytes.insert(2, 2, cost: 0).isEmpty && zeroBytes.keysInRecencyOrder == [2])
    }

    @Test func droppedValuesAreReleased() {
        let counter = LiveCounter()
        do {
            var lru = LRUCache<Int, Tracked>(maxCount: 5, maxBytes: 1000)
            for k in 0..<50 { lru.insert(k % 9, Tracked(counter), cost: k % 7 * 40) }
            #expect(counter.live == lru.count)  // evicted and replaced values are gone
            lru.remove(lru.keysInRecencyOrder[0])
            #expect(counter.live == lru.count)
            lru.insert(99, Tracked(counter), cost: 5000)  // rejected
            #expect(counter.live == lru.count)
        }
        #expect(counter.live == 0)
    }

    /// 20,000 random operations against the reference model with small bounds: recency
    /// order, returned values, evicted keys, count and bytes must match after every
    /// operation, the invariants must hold, and both bounds must have caused evictions.
    @Test func matchesReferenceModel() throws {
        let main = try runAgainstModel(maxCount: 8, maxBytes: 100, keySpace: 20, maxCost: 30, operations: 20_000, seed: testSeed)
        #expect(main.countEvictions > 100, "count-bound evictions must occur (seed \(testSeed))")
        #expect(main.byteEvictions > 100, "byte-bound evictions must occur (seed \(testSeed))")
        #expect(main.rejections > 10, "oversize entries must occur (seed \(testSeed))")
        // Edge-shaped bounds.
        for (i, (count, bytes)) in [(1, 10), (0, 50), (5, 0), (64, 300), (3, 1 << 20)].enumerated() {
            _ = try runAgainstModel(maxCount: count, maxBytes: bytes, keySpace: 80, maxCost: 12, operations: 3_000, seed: testSeed &+ UInt64(i + 1))
        }
    }

    private func runAgainstModel(maxCount: Int, maxBytes: Int, keySpace: UInt64, maxCost: UInt64, operations: Int,
                                 seed: UInt64) throws -> ModelLRU<Int, Int> {
        var rng = TestRNG(seed: seed)
        var lru = LRUCache<Int, Int>(maxCount: maxCount, maxBytes: maxBytes)
        var model = ModelLRU<Int, Int>(maxCount: maxCount, maxBytes: maxBytes)
        let where_ = "bounds (\(maxCount), \(maxBytes)), seed \(seed)"
        for step in 0..<operations {
            let key = Int(rng.next() % keySpace)
            let roll = rng.next() % 100
            if roll < 50 {
                // Mostly small costs, some zero, a few larger than maxBytes.
                let cost = rng.next() % 50 == 0 ? maxBytes + 1 + Int(rng.next() % 20)
                    : rng.next() % 10 == 0 ? 0 : Int(rng.next() % (maxCost + 1))
                let got = lru.insert(key, step, cost: cost)
                let want = model.insert(key, step, cost: cost)
                try #require(got == want, "step \(step): insert(\(key), cost \(cost)) evicted \(got), model \(want); \(where_)")
            } else if roll < 80 {
                try #require(lru.get(key) == model.get(key), "step \(step): get(\(key)); \(where_)")
            } else if roll < 88 {
                try #require(lru.peek(key) == model.peek(key) && lru.contains(key) == (model.peek(key) != nil),
                             "step \(step): peek(\(key)); \(where_)")
            } else if roll < 99 || step % 2 == 0 {
                try #require(lru.remove(key) == model.remove(key), "step \(step): remove(\(key)); \(where_)")
            } else {
                lru.removeAll()
                model.entries.removeAll()
            }
            try #require(lru.keysInRecencyOrder == model.keys, "step \(step): order; \(where_)")
            try #require(lru.count == model.entries.count && lru.bytes == model.bytes, "step \(step): totals; \(where_)")
            try #require(lru.count <= maxCount && lru.bytes <= maxBytes, "step \(step): bounds; \(where_)")
            if let violation = lru.invariantViolation() {
                Issue.record("step \(step): \(violation); \(where_)")
                break
            }
        }
        return model
    }

    // MARK: - ActiveTierCache

    private static let stamp = Timestamp(utcMicroseconds: 1_700_000_000_000_000)

    private static func segment(_ id: String, project: String = "p", text: String = "") -> ContextSegment {
        ContextSegment(segmentID: id, text: text, type: .note, projectID: project, createdAt: stamp)
    }

    @Test func costCountsUTF8BytesOfEveryStringField() {
        let base = Self.segment("id")
        let c0 = ActiveTierCache.cost(of: base)
        // The fixed overhead plus the ids, counted for the segment and again for the key.
        #expect(c0 == ActiveTierCache.entryOverhead + 2 * (2 + 1))
        func delta(_ change: (inout ContextSegment) -> Void) -> Int {
            var s = base
            change(&s)
            return ActiveTierCache.cost(of: s) - c0
        }
        #expect(delta { $0.text = "é" } == 2)  // UTF-8 bytes, not characters
        #expect(delta { $0.text = "e\u{301}" } == 3)  // NFD spelling of the same character
        #expect(delta { $0.text = String(repeating: "x", count: 10_000) } == 10_000)
        #expect(delta { $0.text = "🙂" } == 4)
        #expect(delta { $0.segmentID = "id123" } == 2 * 3)  // field + key copy
        #expect(delta { $0.projectID = "p日" } == 2 * 3)
        #expect(delta { $0.taskID = "task" } == 4)
        #expect(delta { $0.filePath = "src/a.swift" } == 11)
        #expect(delta { $0.topicID = "t" } == 1)
        #expect(delta { $0.textHash = String(repeating: "ab", count: 32) } == 64)
        #expect(delta { $0.tags = ["ab", "ü"] } == 2 + 2 + 2 * ActiveTierCache.tagOverhead)
        #expect(delta { $0.tokens = 5; $0.pinned = true; $0.lineRange = LineRange(1, 2) } == 0)  // fixed-size fields

        // The cache accounts exactly the costs of what it holds, through puts, updates and removes.
        var rng = TestRNG(seed: testSeed)
        let cache = ActiveTierCache(maxSegments: 1_000, maxBytes: 1 << 30)
        var held: [String: ContextSegment] = [:]
        for i in 0..<300 {
            let s = Samples.segment(&rng, id: "s\(rng.next() % 120)", project: "p\(i % 2)")
            cache.put(s)
            held[s.projectID + "/" + s.segmentID] = s
            if i % 5 == 0, let victim = held.keys.sorted().first, let v = held.removeValue(forKey: victim) {
                #expect(cache.remove(project: v.projectID, id: v.segmentID))
            }
            let stats = cache.statistics
            #expect(stats.count == held.count && stats.evictions == 0)
            #expect(stats.bytes == held.values.reduce(0) { $0 + ActiveTierCache.cost(of: $1) })
        }
        for s in held.values { #expect(cache.get(project: s.projectID, id: s.segmentID) == s) }
        #expect(cache.invariantViolation() == nil)
    }

    @Test func keysCompareByUTF8BytesAndProject() {
        let cache = ActiveTierCache(maxSegments: 10, maxBytes: 1 << 20)
        let nfc = Self.segment("caf\u{E9}", text: "nfc"), nfd = Self.segment("cafe\u{301}", text: "nfd")
        cache.put(nfc)
        #expect(cache.get(project: "p", id: "cafe\u{301}") == nil)  // a distinct id
        cache.put(nfd)
        cache.put(Self.segment("caf\u{E9}", project: "q", text: "other project"))
        #expect(cache.get(project: "p", id: "caf\u{E9}")?.text == "nfc")
        #expect(cache.get(project: "p", id: "cafe\u{301}")?.text == "nfd")
        #expect(cache.get(project: "q", id: "caf\u{E9}")?.text == "other project")
        #expect(cache.get(project: "q", id: "cafe\u{301}") == nil)
        #expect(cache.remove(project: "p", id: "cafe\u{301}") && !cache.remove(project: "p", id: "cafe\u{301}"))
        #expect(cache.get(project: "p", id: "caf\u{E9}")?.text == "nfc")
        let stats = cache.statistics
        #expect(stats.hits == 4 && stats.misses == 2 && stats.count == 2 && stats.evictions == 0)
    }

    @Test func updatesReplaceAndOversizeSegmentsAreNotKept() {
        let limit = 4 * ActiveTierCache.entryOverhead
        let cache = ActiveTierCache(maxSegments: 10, maxBytes: limit)
        let v1 = Self.segment("a", text: "one"), v2 = Self.segment("a", text: "two, longer")
        cache.put(v1)
        cache.put(Self.segment("b"))
        cache.put(v2)
        #expect(cache.get(project: "p", id: "a") == v2)
        #expect(cache.statistics.count == 2)
        #expect(cache.statistics.bytes == ActiveTierCache.cost(of: v2) + ActiveTierCache.cost(of: Self.segment("b")))
        // A version too large for the whole cache is not kept, the stale one is dropped,
        // and the other entries stay.
        cache.put(Self.segment("a", text: String(repeating: "z", count: limit)))
        #expect(cache.get(project: "p", id: "a") == nil)
        #expect(cache.get(project: "p", id: "b") != nil)
        let stats = cache.statistics
        #expect(stats.count == 1 && stats.evictions == 1 && stats.bytes == ActiveTierCache.cost(of: Self.segment("b")))
    }

    /// The wrapper against the model: random put/get/remove of sample segments; order,
    /// returned segments, totals and hit/miss/eviction counters must match.
    @Test func wrapperMatchesReferenceModel() throws {
        var rng = TestRNG(seed: testSeed &+ 7)
        let maxBytes = 24 * ActiveTierCache.entryOverhead
        let cache = ActiveTierCache(maxSegments: 16, maxBytes: maxBytes)
        var model = ModelLRU<ActiveTierCache.CacheKey, ContextSegment>(maxCount: 16, maxBytes: maxBytes)
        var hits = 0, misses = 0
        for step in 0..<4_000 {
            let project = "p\(rng.next() % 2)", id = "s\(rng.next() % 40)"
            let key = ActiveTierCache.CacheKey(project: project, id: id)
            switch rng.next() % 10 {
            case 0..<5:
                var s = Samples.segment(&rng, id: id, project: project)
                if rng.next() % 8 == 0 { s.text = String(repeating: "x", count: Int(rng.next() % UInt64(maxBytes))) }
                cache.put(s)
                _ = model.insert(key, s, cost: ActiveTierCache.cost(of: s))
            case 5..<9:
                let got = cache.get(project: project, id: id), want = model.get(key)
                if want == nil { misses += 1 } else { hits += 1 }
                try #require(got == want, "step \(step): get \(project)/\(id)")
            default:
                try #require(cache.remove(project: project, id: id) == (model.remove(key) != nil), "step \(step): remove")
            }
            try #require(cache.keysInRecencyOrder == model.keys, "step \(step): order")
            let stats = cache.statistics
            try #require(stats == ActiveTierCache.Statistics(hits: hits, misses: misses,
                                                              evictions: model.countEvictions + model.byteEvictions + model.rejections,
                                                              count: model.entries.count, bytes: model.bytes),
                         "step \(step): statistics \(stats)")
        }
        #expect(model.countEvictions > 0 && model.byteEvictions > 0 && model.rejections > 0)
        #expect(cache.invariantViolation() == nil)
    }

    /// Several tasks hammer one cache; every get must return the segment asked for, the
    /// bounds must hold in every snapshot, and the counters must add up.
    @Test func concurrentUseKeepsBoundsAndConsistency() async {
        let maxSegments = 64, maxBytes = 40 * (ActiveTierCache.entryOverhead + 600)
        let cache = ActiveTierCache(maxSegments: maxSegments, maxBytes: maxBytes)
        let tasks = 8, operations = 20_000
        let results = await withTaskGroup(of: (gets: Int, wrong: Int, overBound: Int).self) { group in
            for t in 0..<tasks {
                group.addTask {
                    var rng = TestRNG(seed: testSeed &+ UInt64(t) &* 1_000_003)
                    var gets = 0, wrong = 0, overBound = 0
                    for n in 0..<operations {
                        let project = "p\(rng.next() % 3)", id = "s\(rng.next() % 200)"
                        switch rng.next() % 10 {
                        case 0..<4:
                            let pad = String(repeating: "w", count: Int(rng.next() % 1200))
                            cache.put(ContextSegment(segmentID: id, text: "\(project)/\(id)#\(t)-\(n)" + pad, type: .log,
                                                     projectID: project, createdAt: Self.stamp))
                        case 4..<9:
                            gets += 1
                            if let s = cache.get(project: project, id: id),
                               s.projectID != project || s.segmentID != id || !s.text.hasPrefix("\(project)/\(id)#") {
                                wrong += 1
                            }
                        default:
                            cache.remove(project: project, id: id)
                        }
                        if n % 512 == 0 {
                            let stats = cache.statistics
                            if stats.count > maxSegments || stats.bytes > maxBytes { overBound += 1 }
                        }
                    }
                    return (gets, wrong, overBound)
                }
            }
            var all: [(gets: Int, wrong: Int, overBound: Int)] = []
            for await r in group { all.append(r) }
            return all
        }
        let stats = cache.statistics
        #expect(results.count == tasks)
        #expect(results.reduce(0) { $0 + $1.wrong } == 0, "a get returned another key's segment")
        #expect(results.reduce(0) { $0 + $1.overBound } == 0, "a snapshot exceeded the bounds")
        #expect(stats.hits + stats.misses == results.reduce(0) { $0 + $1.gets })
        #expect(stats.hits > 0 && stats.misses > 0 && stats.evictions > 0)
        #expect(stats.count <= maxSegments && stats.bytes <= maxBytes)
        #expect(cache.invariantViolation() == nil)
    }

    /// A long run at the default bounds: phases of tiny segments (the count bound binds)
    /// alternate with phases of segments up to 16 KiB (the byte bound binds). The accounted
    /// bytes and count must never exceed the bounds, and the cache must not hold on to what
    /// it dropped: the resident memory the run adds stays within the byte bound + 5%.
    ///
    /// It runs in a child process (an exit test): resident memory is per process, and in
    /// the test process the other suites running in parallel move it by hundreds of MiB.
    @Test func longRunStaysWithinBounds() async {
        // The child reports on stderr, one "FAIL: " line per failure and a closing
        // "done" line, and exits 0 unless it crashed.
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            let report = ActiveTierCacheTests.longRun().map { "FAIL: \($0)\n" }.joined() + "done\n"
            FileHandle.standardError.write(Data(report.utf8))
            exit(0)
        }
        guard let result else { return }
        let lines = String(decoding: result.standardErrorContent, as: UTF8.self).split(separator: "\n")
        #expect(lines.last == "done", "the child did not finish: \(lines)")
        for failure in lines where failure.hasPrefix("FAIL: ") { Issue.record("\(failure)") }
    }

    /// The body of `longRunStaysWithinBounds`, run in the child; returns what failed.
    static func longRun() -> [String] {
        let maxSegments = 10_000, maxBytes = 64 << 20
        let inserts = 1_000_000, phase = 50_000
        let cache = ActiveTierCache(maxSegments: maxSegments, maxBytes: maxBytes)
        var rng = TestRNG(seed: testSeed &+ 11)
        // A fresh buffer per segment: every cached segment owns its own text, so a cache
        // that kept what it dropped would hold the ~4 GiB that passes through.
        let rssBefore = residentBytes()
        var rssPeak = rssBefore ?? 0
        var overBound = 0, countBoundReached = false, byteBoundNear = false
        for i in 0..<inserts {
            let large = (i / phase) % 2 == 1
            let size = Int(rng.next() % (large ? 16_384 : 64))
            // memset, as String(repeating:count:) runs byte by byte in a debug build.
            let text = String(unsafeUninitializedCapacity: size) { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                memset(base, 0x78, size)
                return size
            }
            cache.put(ContextSegment(segmentID: "s\(i)", text: text, type: .code, projectID: "p", createdAt: Self.stamp))
            let stats = cache.statistics
            if stats.count > maxSegments || stats.bytes > maxBytes { overBound += 1 }
            if stats.count == maxSegments { countBoundReached = true }
            if stats.bytes > maxBytes - 2 * (16_384 + ActiveTierCache.entryOverhead) { byteBoundNear = true }
            if i % 5_000 == 4_999, let rss = residentBytes() { rssPeak = max(rssPeak, rss) }
        }
        var failures: [String] = []
        let stats = cache.statistics
        if overBound != 0 { failures.append("accounted bytes or count exceeded the bounds \(overBound) times") }
        if !(countBoundReached && byteBoundNear) { failures.append("both bounds must have been reached") }
        // Distinct keys: each one is cached or evicted.
        if stats.evictions != inserts - stats.count { failures.append("evictions \(stats.evictions) != \(inserts - stats.count)") }
        if let violation = cache.invariantViolation() { failures.append("invariant: \(violation)") }
        if let before = rssBefore {
            let growth = rssPeak - before
            // The bound + 5% (the issue's allowance). Measured on Linux/glibc: ~66.5 MiB
            // for the 64 MiB bound (allocator rounding and free-list slack on top of the
            // estimated entry costs); a cache keeping what it dropped would add gigabytes.
            let limit = maxBytes + maxBytes / 20
            if growth > limit { failures.append("resident memory grew by \(growth >> 10) KiB, over \(limit >> 10) KiB") }
        }
        return failures
    }
}
