/// A least-recently-used cache bounded both by entry count and by total cost (bytes, as
/// estimated by the caller), with O(1) get, insert, update and remove.
///
/// Layout: entries live in `nodes`, an array of slots linked by index into a doubly-linked
/// recency list (`head` is the most recently used entry, `tail` the least); `slots` maps a
/// key to its slot. Freed slots are chained through `next` into a free list and reused.
/// No entry is a class instance: no allocation or reference counting per entry beyond the
/// key and value themselves.
///
/// Invariants, true after every public call (`invariantViolation()` checks them in tests):
/// - `count <= maxCount` and `bytes <= maxBytes`;
/// - the list from `head` and the map `slots` describe the same entries: the list visits
///   each key of `slots` exactly once, `slots[k]` is the slot holding `k`, `prev` and
///   `next` mirror each other, and `tail` is the last slot of the list;
/// - `bytes` is the sum of the costs of the entries in the list;
/// - every slot of `nodes` is either live (in the list, key and value set) or free (in the
///   free list, key and value nil, so a removed value is released at once).
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key?
        var value: Value?
        var cost: Int
        var prev: Int
        var next: Int
    }

    /// The "no slot" index (end of a list).
    private static var none: Int { -1 }

    let maxCount: Int
    let maxBytes: Int
    private var nodes: [Node] = []
    private var slots: [Key: Int] = [:]
    private var head = LRUCache.none
    private var tail = LRUCache.none
    private var freeList = LRUCache.none
    /// Sum of the costs of the cached entries.
    private(set) var bytes = 0

    var count: Int { slots.count }

    init(maxCount: Int, maxBytes: Int) {
        precondition(maxCount >= 0 && maxBytes >= 0, "LRUCache bounds must not be negative")
        self.maxCount = maxCount
        self.maxBytes = maxBytes
    }

    /// The value for `key`, which becomes the most recently used entry.
    mutating func get(_ key: Key) -> Value? {
        guard let i = slots[key] else { return nil }
        unlink(i)
        pushFront(i)
        return nodes[i].value
    }

    /// The value for `key` without changing the recency order.
    func peek(_ key: Key) -> Value? {
        guard let i = slots[key] else { return nil }
        return nodes[i].value
    }

    func contains(_ key: Key) -> Bool { slots[key] != nil }

    /// Inserts or replaces the entry for `key` (value and cost) as the most recently used,
    /// then evicts least-recently-used entries until both bounds hold again.
    ///
    /// Returns the keys this call dropped, least recently used first. An entry that cannot
    /// be kept on its own (`cost > maxBytes`, or `maxCount == 0`) is not stored and its key
    /// is returned as dropped; an older value for that key is removed too, since serving it
    /// after a newer insert would be stale. Nothing else is evicted for such an entry.
    /// Amortized O(1): every entry is evicted at most once.
    @discardableResult
    mutating func insert(_ key: Key, _ value: Value, cost: Int) -> [Key] {
        precondition(cost >= 0, "LRUCache entry cost must not be negative")
        guard cost <= maxBytes, maxCount > 0 else {
            if let i = slots.removeValue(forKey: key) { release(i) }
            return [key]
        }
        var evicted: [Key] = []
        if let i = slots[key] {
            // Update: replace in place, move to the front; only the byte bound can be
            // exceeded. The updated entry is never the tail while another entry remains, and
            // alone it fits (cost <= maxBytes), so the loop never evicts it.
            bytes += cost - nodes[i].cost
            nodes[i].value = value
            nodes[i].cost = cost
            unlink(i)
            pushFront(i)
            while bytes > maxBytes { evicted.append(evictTail()) }
        } else {
            // New entry: make room first, so the arrays never hold more than maxCount
            // entries. The loop ends at the latest with the cache empty, where the entry fits.
            while count >= maxCount || bytes + cost > maxBytes { evicted.append(evictTail()) }
            let i = allocate(Node(key: key, value: value, cost: cost, prev: LRUCache.none, next: LRUCache.none))
            slots[key] = i
            bytes += cost
            pushFront(i)
        }
        return evicted
    }

    /// Removes the entry for `key`; returns its value, nil if there was none.
    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let i = slots.removeValue(forKey: key) else { return nil }
        return release(i)
    }

    mutating func removeAll() {
        nodes = []
        slots = [:]
        head = LRUCache.none
        tail = LRUCache.none
        freeList = LRUCache.none
        bytes = 0
    }

    /// The keys, most recently used first. O(count); for tests and diagnostics.
    var keysInRecencyOrder: [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(count)
        var i = head
        while i != LRUCache.none {
            if let k = nodes[i].key { keys.append(k) }
            i = nodes[i].next
        }
        return keys
    }

    // MARK: - List and slot primitives (callers keep `slots` and `bytes` in step)

    /// Unlinks the least recently used entry, frees its slot and returns its key.
    private mutating func evictTail() -> Key {
        let i = tail
        guard i != LRUCache.none, let key = nodes[i].key else {
            preconditionFailure("LRUCache: evicting from an empty list (broken invariant)")
        }
        slots.removeValue(forKey: key)
        release(i)
        return key
    }

    /// Unlinks live slot `i` (already removed from `slots`), subtracts its cost and puts
    /// it on the free list, dropping its key and value. Returns the value.
    @discardableResult
    private mutating func release(_ i: Int) -> Value? {
        unlink(i)
        bytes -= nodes[i].cost
        let value = nodes[i].value
        nodes[i] = Node(key: nil, value: nil, cost: 0, prev: LRUCache.none, next: freeList)
        freeList = i
        return value
    }

    private mutating func allocate(_ node: Node) -> Int {
        if freeList != LRUCache.none {
            let i = freeList
            freeList = nodes[i].next
            nodes[i] = node
            return i
        }
        nodes.append(node)
        return nodes.count - 1
    }

    private mutating func unlink(_ i: Int) {
        let p = nodes[i].prev, n = nodes[i].next
        if p != LRUCache.none { nodes[p].next = n } else { head = n }
        if n != LRUCache.none { nodes[n].prev = p } else { tail = p }
        nodes[i].prev = LRUCache.none
        nodes[i].next = LRUCache.none
    }

    private mutating func pushFront(_ i: Int) {
        nodes[i].prev = LRUCache.none
        nodes[i].next = head
        if head != LRUCache.none { nodes[head].prev = i } else { tail = i }
        head = i
    }

    // MARK: - Invariant check (tests)

    /// A description of the first broken invariant (see the type's comment), nil if all
    /// hold. O(slots); for tests.
    func invariantViolation() -> String? {
        if count > maxCount { return "count \(count) > maxCount \(maxCount)" }
        if bytes > maxBytes { return "bytes \(bytes) > maxBytes \(maxBytes)" }
        var seen = 0, sum = 0, prev = LRUCache.none, i = head
        while i != LRUCache.none {
            guard i >= 0, i < nodes.count, seen < nodes.count else { return "list leaves the slots or cycles" }
            let node = nodes[i]
            guard let key = node.key, node.value != nil else { return "free slot \(i) in the list" }
            if slots[key] != i { return "map does not point at slot \(i) for its key" }
            if node.prev != prev { return "prev of slot \(i) is \(node.prev), expected \(prev)" }
            seen += 1
            sum += node.cost
            prev = i
            i = node.next
        }
        if tail != prev { return "tail \(tail) is not the last slot \(prev)" }
        if seen != slots.count { return "list holds \(seen) entries, map \(slots.count)" }
        if sum != bytes { return "bytes \(bytes) != sum of costs \(sum)" }
        var free = 0
        i = freeList
        while i != LRUCache.none {
            guard i >= 0, i < nodes.count, free < nodes.count else { return "free list leaves the slots or cycles" }
            if nodes[i].key != nil || nodes[i].value != nil { return "free slot \(i) keeps a key or value" }
            free += 1
            i = nodes[i].next
        }
        if seen + free != nodes.count { return "\(nodes.count - seen - free) slots neither live nor free" }
        return nil
    }
}
