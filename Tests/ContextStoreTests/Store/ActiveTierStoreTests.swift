import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The active tier seen through the store (ContextStore+ActiveTier.swift): `store()` is a
/// durable write whose segment is then served from memory; the LRU bounds hold at the store
/// level; eviction, deletes and tier moves never lose a segment nor serve a stale one;
/// `loadSegments`, `stash` and `unstash` agree with a model. (The LRU on its own is tested
/// against a model in ActiveTierCacheTests; the `stash`/`unstash` CLI in
/// ctxstoreTests/StashCommandTests.)
@Suite struct ActiveTierStoreTests {
    private static let epoch: Int64 = 1_700_000_000_000_000

    /// A plain segment: `put` counts its tokens (with the built-in vocabulary).
    func seg(_ id: String, project: String = "p", text: String = "some text", tier: SegmentTier = .working,
             at: Int64 = 0) -> ContextSegment {
        ContextSegment(segmentID: id, text: text, type: .note, projectID: project,
                       createdAt: Timestamp(utcMicroseconds: Self.epoch + at), tier: tier)
    }

    /// A segment whose token cache is already trusted (a count and the text's SHA-256), so
    /// `put` stores it unchanged: its cache cost is known before it is written, and what the
    /// store returns must equal it field for field.
    func trusted(_ id: String, text: String, at: Int64 = 0) -> ContextSegment {
        var s = seg(id, text: text, at: at)
        s.tokens = text.utf8.count / 4 + 1
        s.textHash = SHA256.hexDigest(of: text)
        s.tokensComputedAt = Timestamp(utcMicroseconds: Self.epoch)
        return s
    }

    func open(_ dir: String, segments: Int = 10_000, bytes: Int = 64 << 20,
              durability: Durability = .syncEachBatch) throws -> ContextStore {
        var c = Configuration()
        c.durability = durability
        c.activeTierMaxSegments = segments
        c.activeTierMaxBytes = bytes
        return try ContextStore.open(directory: dir, configuration: c)
    }

    struct Counters: Equatable, CustomStringConvertible {
        var hits, misses, evictions, segments, bytes: Int
        var description: String { "hits \(hits) misses \(misses) evictions \(evictions) segments \(segments) bytes \(bytes)" }
    }

    func counters(_ store: ContextStore) -> Counters {
        let s = store.activeTierStatistics
        return Counters(hits: s.hits, misses: s.misses, evictions: s.evictions, segments: s.segments, bytes: s.bytes)
    }

    /// The ids the active tier holds for `project`, most recently used first.
    func cachedIDs(_ store: ContextStore, _ project: String = "p") -> [String] {
        store.view.activeTier.keysInRecencyOrder
            .filter { $0.project == ByteKey(project) }
            .map { String(decoding: $0.id.bytes, as: UTF8.self) }
    }

    /// One `get` of one id, with the counters it moved.
    func getOne(_ store: ContextStore, _ id: String, project: String = "p") async throws -> (ContextSegment?, hit: Bool, miss: Bool) {
        let before = counters(store)
        let r = try store.get(project: project, ids: [id])
        let after = counters(store)
        return (r.first, after.hits == before.hits + 1 && after.misses == before.misses,
                after.misses == before.misses + 1 && after.hits == before.hits)
    }

    // MARK: - store() and get

    @Test func storeIsDurableAndTheNextGetIsACacheHit() async throws {
        let tmp = TempDir("tier-store"); defer { tmp.cleanup() }
        var store = try open(tmp.path)
        var input = seg("a", text: "a working segment, counted by the store", tier: .archive)
        input.tags = ["x", "y"]
        try await store.store(input)  // store() makes it working whatever the tier says
        var expected = input
        expected.tier = .working

        let (got, hit, _) = try await getOne(store, "a")
        #expect(hit, "the segment just stored is served from the active tier")
        #expect(got?.withoutTokenCache == expected.withoutTokenCache)
        #expect(got?.tokens != nil && got?.textHash == SHA256.hexDigest(of: input.text), "store fills the token cache")
        #expect(counters(store).segments == 1)
        #expect(try store.totals(project: "p")?[.working] == TierTotals(segments: 1, tokens: got?.tokens ?? -1))
        store.close()

        store = try open(tmp.path)
        #expect(counters(store).segments == 0, "a reopened store starts with an empty active tier")
        let (reread, _, miss) = try await getOne(store, "a")
        #expect(miss)
        #expect(reread == got, "the cached copy is exactly the durable one, token fields included")
        #expect(try store.scan(project: "p") == [got!])
        store.close()
    }

    // MARK: - Bounds and LRU order

    @Test func theCountBoundKeepsTheMostRecentAndEvictedSegmentsAreReadFromTheLog() async throws {
        let tmp = TempDir("tier-count"); defer { tmp.cleanup() }
        var store = try open(tmp.path, segments: 5)
        let ids = (0..<20).map { "s\($0)" }
        func input(_ i: Int) -> ContextSegment { seg(ids[i], text: "segment number \(i)", at: Int64(i)) }
        for i in ids.indices {
            try await store.store(input(i))
            let c = counters(store)
            #expect(c.segments == min(i + 1, 5) && c.evictions == max(0, i + 1 - 5), "after \(i + 1) stores: \(c)")
        }
        #expect(cachedIDs(store) == Array(ids.suffix(5).reversed()))

        var got: [String: ContextSegment] = [:]
        for id in ids.suffix(5) {
            let (s, hit, _) = try await getOne(store, id)
            #expect(hit, "\(id) is among the 5 most recent")
            got[id] = s
        }
        for id in ids.prefix(15) {
            let (s, _, miss) = try await getOne(store, id)
            #expect(miss, "\(id) was evicted")
            got[id] = s
        }
        let c = counters(store)
        #expect(c.segments == 5 && c.evictions == 15, "reads of evicted segments do not refill the cache: \(c)")
        for i in ids.indices { #expect(got[ids[i]]?.withoutTokenCache == input(i).withoutTokenCache, "\(ids[i])") }
        store.close()

        // Nothing was lost, and what the cache served equals what the log holds.
        store = try open(tmp.path, segments: 5)
        let reread = try store.get(project: "p", ids: ids)
        #expect(reread.map(\.segmentID) == ids)
        for s in reread { #expect(s == got[s.segmentID], "cached and logged copies of \(s.segmentID) differ") }
        store.close()
    }

    /// The byte bound against a model LRU (most recent first, costs from `cost(of:)`),
    /// with gets interleaved: after every step the cache holds exactly the model's ids in
    /// its order, its bytes are the model's and within the bound.
    @Test func theByteBoundHoldsAfterEveryStoreInLRUOrder() async throws {
        let tmp = TempDir("tier-bytes"); defer { tmp.cleanup() }
        let maxBytes = 6_000
        let store = try open(tmp.path, segments: 1_000, bytes: maxBytes)
        var rng = TestRNG(seed: testSeed)
        var model: [(id: String, cost: Int)] = []
        var evictions = 0
        var latest: [String: ContextSegment] = [:]
        var modelBytes: Int { model.reduce(0) { $0 + $1.cost } }
        for step in 0..<150 {
            let id = "b\(rng.next() % 12)"
            if step % 4 == 3 {
                let (s, hit, miss) = try await getOne(store, id)
                if let i = model.firstIndex(where: { $0.id == id }) {
                    model.insert(model.remove(at: i), at: 0)
                    #expect(hit, "step \(step): \(id) is cached")
                } else {
                    #expect(miss, "step \(step): \(id) is not cached")
                }
                #expect(s == latest[id], "step \(step): \(id)")
            } else {
                // Step 70 stores a segment too large to be cached at all (it still is stored).
                let length = step == 70 ? maxBytes : Int(rng.next() % 2_500)
                let s = trusted(id, text: String(repeating: "w", count: length) + " \(step)", at: Int64(step))
                let cost = ActiveTierCache.cost(of: s)
                try await store.store(s)
                latest[id] = s
                model.removeAll { $0.id == id }
                if cost <= maxBytes {
                    model.insert((id, cost), at: 0)
                    while modelBytes > maxBytes { model.removeLast(); evictions += 1 }
                } else {
                    evictions += 1
                }
            }
            let c = counters(store)
            #expect(c.bytes <= maxBytes, "step \(step): \(c)")
            #expect(cachedIDs(store) == model.map(\.id), "step \(step)")
            #expect(c.bytes == modelBytes && c.evictions == evictions, "step \(step): \(c)")
            if c.bytes > maxBytes || c.evictions != evictions { break }
        }
        #expect(evictions > 20, "the byte bound was exercised")
        let all = try store.get(project: "p", ids: latest.keys.sorted())
        #expect(Dictionary(uniqueKeysWithValues: all.map { ($0.segmentID, $0) }) == latest, "nothing lost to eviction")
        store.close()
    }

    @Test func aGetProtectsTheSegmentItTouchesFromTheNextEviction() async throws {
        let tmp = TempDir("tier-touch"); defer { tmp.cleanup() }
        let store = try open(tmp.path, segments: 3)
        for id in ["a", "b", "c"] { try await store.store(seg(id, text: "text of \(id)")) }
        #expect(try await getOne(store, "a").hit)
        try await store.store(seg("d", text: "text of d"))
        // Without the touch, "a" (the oldest) would have gone; "b" is now the least recent.
        #expect(cachedIDs(store) == ["d", "a", "c"])
        let (b, _, miss) = try await getOne(store, "b")
        #expect(miss && b?.text == "text of b")
        for id in ["a", "c", "d"] {
            let (s, hit, _) = try await getOne(store, id)
            #expect(hit && s?.text == "text of \(id)", "\(id)")
        }
        #expect(counters(store).evictions == 1)
        store.close()
    }

    // MARK: - Stale copies

    /// The cache must never serve a version the log has superseded: a delete, or a put of
    /// a non-working version, drops the cached copy; a newer working version replaces it.
    @Test func deletesAndNonWorkingPutsNeverLeaveAStaleCopy() async throws {
        let tmp = TempDir("tier-stale"); defer { tmp.cleanup() }
        var store = try open(tmp.path)
        try await store.store(seg("x", text: "x in p"))
        try await store.store(seg("x", project: "q", text: "x in q"))
        try await store.delete(project: "p", ids: ["x"])
        #expect(try store.get(project: "p", ids: ["x"]).isEmpty)
        #expect(!cachedIDs(store).contains("x"))
        let (qx, hit, _) = try await getOne(store, "x", project: "q")
        #expect(hit && qx?.text == "x in q", "a delete in p leaves q's segment of the same id cached")

        for tier in [SegmentTier.stashed, .archive] {
            let id = "y-\(tier.rawValue)"
            try await store.store(seg(id, text: "working v1"))
            try await store.put(seg(id, text: "\(tier.rawValue) v2", tier: tier))
            #expect(!cachedIDs(store).contains(id), "\(id)")
            let got = try store.get(project: "p", ids: [id])
            #expect(got.map(\.text) == ["\(tier.rawValue) v2"] && got.first?.tier == tier)
        }

        try await store.store(seg("z", text: "z v1"))
        try await store.store(seg("z", text: "z v2"))
        let (z, zHit, _) = try await getOne(store, "z")
        #expect(zHit && z?.text == "z v2")
        #expect(cachedIDs(store).filter { $0 == "z" }.count == 1)

        // Both orders within one write: the last version decides.
        try await store.put([seg("m", text: "m working"), seg("m", text: "m archived", tier: .archive)])
        try await store.put([seg("n", text: "n archived", tier: .archive), seg("n", text: "n working")])
        #expect(!cachedIDs(store).contains("m"))
        let (n, nHit, _) = try await getOne(store, "n")
        #expect(nHit && n?.text == "n working")
        #expect(try store.get(project: "p", ids: ["m"]).map(\.text) == ["m archived"])

        // The log agrees with every answer the cache gave.
        let answers = try store.get(project: "p", ids: ["x", "y-stashed", "y-archive", "z", "m", "n"])
        store.close()
        store = try open(tmp.path)
        #expect(try store.get(project: "p", ids: ["x", "y-stashed", "y-archive", "z", "m", "n"]) == answers)
        #expect(try store.get(project: "q", ids: ["x"]) == [qx!])
        store.close()
    }

    // MARK: - loadSegments against a model

    @Test func loadSegmentsReturnsExactlyTheLiveWorkingAndStashedSegments() async throws {
        let tmp = TempDir("tier-load"); defer { tmp.cleanup() }
        // A small active tier, so that loadSegments mixes cached segments and log reads.
        var store = try open(tmp.path, segments: 8)
        var rng = TestRNG(seed: testSeed)
        let projects = ["p", "q"]
        var model: [String: [String: ContextSegment]] = ["p": [:], "q": [:]]

        func check(_ store: ContextStore, _ label: String) async throws {
            for project in projects {
                let loaded = try store.loadSegments(project: project)
                let expected = model[project]!.filter { $0.value.tier != .archive }
                #expect(loaded.count == expected.count, "\(label) \(project): \(loaded.count) loaded, \(expected.count) expected")
                #expect(Set(loaded.map(\.segmentID)).count == loaded.count, "\(label) \(project): duplicates")
                for s in loaded {
                    #expect(s.withoutTokenCache == expected[s.segmentID]?.withoutTokenCache, "\(label) \(project)/\(s.segmentID)")
                }
                for tier in [SegmentTier.working, .stashed] {
                    let times = loaded.filter { $0.tier == tier }.map(\.createdAt.instantMicroseconds)
                    #expect(times == times.sorted(by: >), "\(label) \(project): \(tier) segments newest first")
                    let totals = try store.totals(project: project)?[tier].segments ?? 0
                    #expect(totals == model[project]!.values.filter { $0.tier == tier }.count, "\(label) \(project) \(tier) totals")
                }
            }
            #expect(try store.loadSegments(project: "nobody").isEmpty)
        }

        /// What a tier move must report, applied to the model.
        func expectedMove(_ project: String, _ ids: [String], from: SegmentTier, to: SegmentTier)
            -> (moved: [String], errors: [String: TierChangeError]) {
            var moved: [String] = [], errors: [String: TierChangeError] = [:], seen = Set<String>()
            for id in ids where seen.insert(id).inserted {
                guard let s = model[project]![id] else { errors[id] = .unknownID; continue }
                guard s.tier == from else { errors[id] = .wrongTier(s.tier); continue }
                moved.append(id)
                model[project]![id]!.tier = to
            }
            return (moved, errors)
        }

        for step in 0..<300 {
            let project = projects[Int(rng.next() % 2)]
            func randomID() -> String { "s\(rng.next() % 30)" }
            switch rng.next() % 10 {
            case 0...3:
                let id = randomID()
                var s = Samples.segment(&rng, id: id, project: project)
                try await store.store(s)
                s.tier = .working
                model[project]![s.segmentID] = s
            case 4, 5:
                let id = randomID()
                var s = Samples.segment(&rng, id: id, project: project)
                s.tier = step % 2 == 0 ? .stashed : .archive
                try await store.put(s)
                model[project]![s.segmentID] = s
            case 6:
                var batch: [ContextSegment] = []
                for _ in 0..<3 {
                    let id = randomID()
                    batch.append(Samples.segment(&rng, id: id, project: project))
                }
                try await store.put(batch)
                for s in batch { model[project]![s.segmentID] = s }
            case 7:
                let ids = (0..<Int(1 + rng.next() % 2)).map { _ in randomID() }
                try await store.delete(project: project, ids: ids)
                for id in ids { model[project]![id] = nil }
            default:
                let ids = (0..<Int(1 + rng.next() % 3)).map { _ in randomID() }
                let toStash = rng.next() % 2 == 0
                let report = toStash ? try await store.stash(project: project, ids: ids)
                                     : try await store.unstash(project: project, ids: ids)
                let expected = toStash ? expectedMove(project, ids, from: .working, to: .stashed)
                                       : expectedMove(project, ids, from: .stashed, to: .working)
                #expect(report.moved == expected.moved && errorMap(report) == expected.errors, "step \(step): \(report)")
                let moved = try store.get(project: project, ids: report.moved)
                #expect(report.tokens == moved.reduce(0) { $0 + ($1.tokens ?? 0) }, "step \(step)")
            }
            if step % 50 == 49 { try await check(store, "step \(step)") }
        }
        #expect(counters(store).evictions > 0, "the active tier was smaller than the working set")
        store.close()
        store = try open(tmp.path, segments: 8)
        #expect(counters(store).segments == 0)
        try await check(store, "after reopen")
        store.close()
    }

    // MARK: - stash and unstash

    @Test func stashReportsWhatItMovedAndTotalsFollowAndUnstashBringsThemBack() async throws {
        let tmp = TempDir("tier-stash"); defer { tmp.cleanup() }
        let store = try open(tmp.path)
        for i in 0..<6 { try await store.store(seg("w\(i)", text: String(repeating: "token \(i) ", count: i * 7 + 1))) }
        try await store.put(seg("st", text: "already stashed", tier: .stashed))
        try await store.put(seg("ar", text: "archived", tier: .archive))
        try await store.store(seg("gone", text: "deleted"))
        try await store.delete(project: "p", ids: ["gone"])

        let moving = ["w3", "w1", "w5"]
        let before = try store.get(project: "p", ids: moving)
        let tokens = before.reduce(0) { $0 + ($1.tokens ?? 0) }
        #expect(before.count == 3 && before.allSatisfy { ($0.tokens ?? 0) > 0 }, "store filled the counts")
        let totals0 = try #require(try store.totals(project: "p"))
        let cached0 = cachedIDs(store)

        let report = try await store.stash(project: "p", ids: ["w3", "nope", "w1", "st", "w3", "gone", "ar", "w5"])
        #expect(report.moved == moving, "in the order asked, each once")
        #expect(report.tokens == tokens)
        #expect(errorMap(report) == ["nope": .unknownID, "gone": .unknownID, "st": .wrongTier(.stashed), "ar": .wrongTier(.archive)])
        #expect(cachedIDs(store) == cached0.filter { !moving.contains($0) }, "stashed segments leave the active tier")

        let totals1 = try #require(try store.totals(project: "p"))
        #expect(totals1[.working] == TierTotals(segments: totals0[.working].segments - 3, tokens: totals0[.working].tokens - tokens))
        #expect(totals1[.stashed] == TierTotals(segments: totals0[.stashed].segments + 3, tokens: totals0[.stashed].tokens + tokens))
        #expect(totals1[.archive] == totals0[.archive])

        let c0 = counters(store)
        let stashed = try store.get(project: "p", ids: moving)
        let c1 = counters(store)
        #expect(c1.misses == c0.misses + 3 && c1.hits == c0.hits, "read from the log: \(c1)")
        #expect(stashed.count == 3)
        for (a, b) in zip(before, stashed) {
            var x = a
            x.tier = .stashed
            #expect(b == x, "only the tier changed, token fields included: \(a.segmentID)")
        }

        let other = try await store.stash(project: "elsewhere", ids: ["w0"])
        #expect(other.moved.isEmpty && errorMap(other) == ["w0": .unknownID])

        let back = try await store.unstash(project: "p", ids: ["w1", "w0", "w5", "w3", "ar"])
        #expect(back.moved == ["w1", "w5", "w3"] && back.tokens == tokens)
        #expect(errorMap(back) == ["w0": .wrongTier(.working), "ar": .wrongTier(.archive)])
        #expect(try store.totals(project: "p") == totals0)
        let c2 = counters(store)
        let again = try store.get(project: "p", ids: moving)
        let c3 = counters(store)
        #expect(c3.hits == c2.hits + 3 && c3.misses == c2.misses, "unstashed segments are back in the active tier: \(c3)")
        #expect(again == before)
        store.close()
    }

    // MARK: - A long run

    /// 20,000 working segments in 200 writes under the bounds 1,000 segments / 4 MiB. Most
    /// segments are small (the count bound binds); three runs of ~8 KB segments make the
    /// byte bound bind. About 10% of the writes replace a segment of the previous write. After
    /// every write: both bounds hold, the cache's byte count equals the costs of the latest
    /// versions of the ids it holds (so the true estimate is within the bound, let alone
    /// bound + 5%), and after evicting the cache is still full up to one segment (eviction
    /// takes no more than it must).
    @Test func aLongRunStaysWithinBothBounds() async throws {
        let tmp = TempDir("tier-long"); defer { tmp.cleanup() }
        let maxSegments = 1_000, maxBytes = 4 << 20
        let store = try open(tmp.path, segments: maxSegments, bytes: maxBytes, durability: .buffered)
        var rng = TestRNG(seed: testSeed)
        var latest: [String: ContextSegment] = [:]
        var costs: [String: Int] = [:]
        var largestCost = 0
        var reachedCount = false, reachedBytes = false
        let hashPlaceholder = String(repeating: "0", count: 64)
        for batch in 0..<200 {
            let large = batch % 150 >= 100 && batch % 150 < 106
            var segments: [ContextSegment] = []
            var freed = 0  // bytes replacements by smaller versions may free without an eviction
            for i in 0..<100 {
                let id = batch > 0 && rng.next() % 10 == 0 ? "L\(batch - 1)-\(rng.next() % 100)" : "L\(batch)-\(i)"
                let length = large ? 6_000 + Int(rng.next() % 4_000) : 20 + Int(rng.next() % 180)
                var s = seg(id, text: "\(id) " + String(repeating: "lorem\(rng.next() % 50) ", count: length / 8),
                            at: Int64(batch * 100 + i))
                s.tokens = length / 4  // kept as given: only the hash is computed at ingest
                segments.append(s)
                var stored = s
                stored.textHash = hashPlaceholder  // the cost of what the cache will hold
                let cost = ActiveTierCache.cost(of: stored)
                freed += max(0, (costs[id] ?? 0) - cost)
                costs[id] = cost
                largestCost = max(largestCost, costs[id]!)
                latest[id] = s
            }
            let evictionsBefore = counters(store).evictions
            try await store.put(segments)

            let c = counters(store)
            let held = store.view.activeTier.keysInRecencyOrder
            let recomputed = held.reduce(0) { $0 + (costs[String(decoding: $1.id.bytes, as: UTF8.self)] ?? .max / 2) }
            // Right after an eviction the cache is full: at the count bound, or with less
            // room left than the entry that needed it; later in the write only replacements
            // by smaller versions can give room back.
            let full = c.evictions == evictionsBefore || c.segments == maxSegments || c.bytes > maxBytes - largestCost - freed
            reachedCount = reachedCount || c.segments == maxSegments
            reachedBytes = reachedBytes || (c.segments < maxSegments && c.bytes > maxBytes - largestCost)
            #expect(c.segments <= maxSegments && c.bytes <= maxBytes, "batch \(batch): \(c)")
            #expect(held.count == c.segments && recomputed == c.bytes && recomputed <= maxBytes + maxBytes / 20,
                    "batch \(batch): \(c), recomputed \(recomputed)")
            #expect(full, "batch \(batch): the cache is not full after evicting: \(c), freed \(freed)")
            let broken = store.view.activeTier.invariantViolation()
            #expect(broken == nil, "batch \(batch)")
            if c.segments > maxSegments || c.bytes > maxBytes || recomputed != c.bytes || broken != nil { break }
        }
        #expect(reachedCount && reachedBytes, "both bounds were reached")
        #expect(counters(store).evictions >= latest.count - maxSegments)

        // A sample, evicted or cached: each is its latest version.
        let ids = latest.keys.sorted()
        let sample = (0..<300).map { _ in ids[Int(rng.next() % UInt64(ids.count))] }
        let got = try store.get(project: "p", ids: sample)
        #expect(got.count == sample.count)
        for s in got {
            #expect(s.withoutTokenCache == latest[s.segmentID]?.withoutTokenCache && s.tokens == latest[s.segmentID]?.tokens,
                    "\(s.segmentID)")
        }
        store.close()
    }

    // MARK: - CLI

    /// Stores working segments w1...w3 and a stashed one (st) in-process and closes the
    /// store (the CLI takes its lock); returns the token count of each.
}

/// A report's errors by id (the tests' ids are ASCII, so `String` keys are exact here).
func errorMap(_ r: TierChangeReport) -> [String: TierChangeError] {
    Dictionary(r.errors.map { ($0.id, $0.error) }, uniquingKeysWith: { a, _ in a })
}
