/// The active tier (DESIGN: `store()` writes a working-tier segment durably, then keeps it
/// here): recently stored segments in memory, bounded by count and by estimated bytes.
/// A segment evicted from here is still in the log and is read back from it on access, so
/// the cache only ever holds copies; dropping anything is always safe.
///
/// Thread-safe: one lock (`Locked`) around the LRU and the counters. Critical sections are O(1)
/// (amortized for evictions) and do no I/O; keys and costs are computed before locking.
final class ActiveTierCache: Sendable {
    /// Project id + segment id, compared by UTF-8 bytes (NFC and NFD spellings are
    /// distinct ids).
    struct CacheKey: Hashable, Sendable {
        var project: ByteKey
        var id: ByteKey

        init(project: String, id: String) {
            self.project = ByteKey(project)
            self.id = ByteKey(id)
        }
    }

    struct Statistics: Sendable, Equatable {
        var hits = 0
        var misses = 0
        /// Segments dropped by the bounds, including a segment too large to be kept at all
        /// (dropped as it arrives). Removals are not evictions.
        var evictions = 0
        var count = 0
        var bytes = 0
    }

    private struct State {
        var lru: LRUCache<CacheKey, ContextSegment>
        var hits = 0
        var misses = 0
        var evictions = 0
    }

    private let state: Locked<State>
    let maxSegments: Int
    let maxBytes: Int

    init(maxSegments: Int, maxBytes: Int) {
        self.maxSegments = maxSegments
        self.maxBytes = maxBytes
        state = Locked(State(lru: LRUCache(maxCount: maxSegments, maxBytes: maxBytes)))
    }

    /// Fixed part of a segment's cost, for what does not grow with its strings: the
    /// segment's inline fields (`MemoryLayout<ContextSegment>.stride` is 240 bytes on
    /// 64-bit: seven String/String? slots, three timestamps, counters, the tags array
    /// reference) held in the LRU slot with its key, links and cost (about 60 more), the
    /// map entry (about 32 at its load factor), and the allocator and object headers of
    /// the key's two byte arrays and of the segment's string buffers (about 48 each).
    static let entryOverhead = 512
    /// Per tag: its slot in the tags array (a String is 16 bytes inline).
    static let tagOverhead = 16

    /// Estimated memory of a cached segment, in bytes: `entryOverhead`, plus the UTF-8 bytes
    /// of every string field (text, segment id, project id, task id, file path, topic id,
    /// text hash), plus each tag's UTF-8 bytes and `tagOverhead`, plus the project and
    /// segment id bytes again for the key's copy of them. Short strings (up to 15 bytes)
    /// are stored inline by Swift, so this slightly overestimates them, which is the safe
    /// side for a memory bound. O(number of tags): `utf8.count` of a native string is O(1).
    static func cost(of s: ContextSegment) -> Int {
        func utf8(_ x: String?) -> Int { x?.utf8.count ?? 0 }
        var n = entryOverhead
        n += utf8(s.text) + utf8(s.segmentID) + utf8(s.projectID)
        n += utf8(s.taskID) + utf8(s.filePath) + utf8(s.topicID) + utf8(s.textHash)
        for tag in s.tags { n += utf8(tag) + tagOverhead }
        n += utf8(s.projectID) + utf8(s.segmentID)  // the CacheKey's copies
        return n
    }

    /// The cached segment, marked most recently used; nil (a miss) if not cached.
    func get(project: String, id: String) -> ContextSegment? {
        let key = CacheKey(project: project, id: id)
        return state.withLock { s in
            let found = s.lru.get(key)
            if found == nil { s.misses += 1 } else { s.hits += 1 }
            return found
        }
    }

    /// Caches `segment` (replacing any cached version) as the most recently used entry,
    /// evicting the least recently used ones past the bounds. A segment whose cost exceeds
    /// `maxBytes` is not cached, and any older cached version of it is dropped. Which
    /// segments belong here (working tier) is the caller's decision.
    func put(_ segment: ContextSegment) {
        let key = CacheKey(project: segment.projectID, id: segment.segmentID)
        let cost = Self.cost(of: segment)
        state.withLock { s in
            let dropped = s.lru.insert(key, segment, cost: cost).count
            s.evictions += dropped
        }
    }

    /// Drops the cached copy, if any (after a delete or a move out of the working tier).
    /// Returns whether there was one.
    @discardableResult
    func remove(project: String, id: String) -> Bool {
        let key = CacheKey(project: project, id: id)
        return state.withLock { $0.lru.remove(key) != nil }
    }

    func removeAll() {
        state.withLock { $0.lru.removeAll() }
    }

    var statistics: Statistics {
        state.withLock { s in
            Statistics(hits: s.hits, misses: s.misses, evictions: s.evictions, count: s.lru.count, bytes: s.lru.bytes)
        }
    }

    /// The cached keys, most recently used first (tests).
    var keysInRecencyOrder: [CacheKey] {
        state.withLock { $0.lru.keysInRecencyOrder }
    }

    /// `LRUCache.invariantViolation()` under the lock (tests).
    func invariantViolation() -> String? {
        state.withLock { $0.lru.invariantViolation() }
    }
}
