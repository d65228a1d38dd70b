/// The postings lists of a memtable, all kept in one pool of fixed-size pages, so that
/// adding a posting never allocates or copies a list of its own. (One array per term made
/// malloc, uniqueness checks and reference counting the larger part of indexing.)
///
/// A list is a chain of blocks whose capacities double from 2 up to `maxBlock`:
/// ```
/// block := next u32 | doc u32[cap] | freq u32[cap]      // freqs only if `hasFreqs`
/// ```
/// `next` is the pool address (`page << pageShift | word`) of the following block, or
/// `noBlock`. A block never straddles pages.
///
/// Invariants: a list's docs increase along its chain; every block but the tail is full
/// (`cap` entries), the tail holds `tailUsed` (1...cap) entries. Not thread-safe: the writer
/// appends to a copy no reader is in (`IndexPair`), and a `PoolCursor` is used only
/// within the read that made it.
final class PostingsPool {
    static let pageShift = 16
    static let pageWords = 1 << pageShift
    static let firstBlock = 2
    static let maxBlock = 1024
    static let noBlock = UInt32.max

    struct List {
        var head: UInt32
        var tail: UInt32
        var count: UInt32
        var tailCap: UInt32
        var tailUsed: UInt32
        var last: UInt32
    }

    let hasFreqs: Bool
    private var pages: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>>
    private(set) var pageCount = 0
    private var pageCapacity = 1
    /// Words used in the last page.
    private var pageUsed = PostingsPool.pageWords
    /// Words allocated for the last page: it starts at `firstPageWords` and doubles (moved,
    /// its addresses unchanged) up to `pageWords`, so that a pool of a few postings takes
    /// a few hundred bytes, not a whole page. Earlier pages are whole.
    private var pageAllocated = PostingsPool.pageWords
    static let firstPageWords = 64
    private var lists: UnsafeMutablePointer<List>
    private(set) var listCount = 0
    private var listCapacity = 4

    init(hasFreqs: Bool) {
        self.hasFreqs = hasFreqs
        pages = .allocate(capacity: pageCapacity)
        lists = .allocate(capacity: listCapacity)
    }

    deinit {
        for p in 0..<pageCount { pages[p].deallocate() }
        pages.deallocate()
        lists.deallocate()
    }

    func count(_ list: Int) -> Int { Int(lists[list].count) }

    /// The last doc appended to `list`.
    func lastDoc(_ list: Int) -> UInt32 { lists[list].last }

    /// Appends `(doc, freq)` to `list`, which is an existing list or `listCount` (a new one).
    /// `doc` must exceed the list's last doc.
    func append(_ list: Int, doc: UInt32, freq: UInt32 = 1) {
        if list == listCount {
            if listCount == listCapacity { growLists() }
            let b = allocateBlock(cap: PostingsPool.firstBlock)
            lists[list] = List(head: b, tail: b, count: 0, tailCap: UInt32(PostingsPool.firstBlock), tailUsed: 0, last: 0)
            listCount += 1
        }
        var l = lists[list]
        precondition(l.count == 0 || doc > l.last, "postings must increase")
        if l.tailUsed == l.tailCap {
            let cap = min(Int(l.tailCap) * 2, PostingsPool.maxBlock)
            let b = allocateBlock(cap: cap)
            word(l.tail).pointee = b
            l.tail = b
            l.tailCap = UInt32(cap)
            l.tailUsed = 0
        }
        let base = word(l.tail)
        base[1 + Int(l.tailUsed)] = doc
        if hasFreqs { base[1 + Int(l.tailCap) + Int(l.tailUsed)] = freq }
        l.tailUsed += 1
        l.count += 1
        l.last = doc
        lists[list] = l
    }

    /// Calls `body` with each block's docs (and freqs, if kept), in order.
    func forEachBlock(_ list: Int, _ body: (UnsafeBufferPointer<UInt32>, UnsafeBufferPointer<UInt32>?) -> Void) {
        var c = PoolCursor(self, list)
        while let (docs, freqs) = c.currentBlock() {
            body(docs, freqs)
            c.nextBlock()
        }
    }

    /// A cursor over `list` (valid while the pool is not appended to).
    func cursor(_ list: Int) -> PoolCursor { PoolCursor(self, list) }

    fileprivate func word(_ address: UInt32) -> UnsafeMutablePointer<UInt32> {
        pages[Int(address >> UInt32(PostingsPool.pageShift))] + Int(address & UInt32(PostingsPool.pageWords - 1))
    }

    fileprivate func listState(_ list: Int) -> List { lists[list] }

    private func allocateBlock(cap: Int) -> UInt32 {
        let words = 1 + cap * (hasFreqs ? 2 : 1)
        if pageUsed + words > pageAllocated && pageUsed + words <= PostingsPool.pageWords {
            // Grow the last page in place of its addresses. Safe: the writer appends only to
            // the copy of the index no reader is in (`IndexPair`).
            var n = pageAllocated
            while n < pageUsed + words { n *= 2 }
            n = min(n, PostingsPool.pageWords)
            let bigger = UnsafeMutablePointer<UInt32>.allocate(capacity: n)
            bigger.moveInitialize(from: pages[pageCount - 1], count: pageUsed)
            pages[pageCount - 1].deallocate()
            pages[pageCount - 1] = bigger
            pageAllocated = n
        }
        if pageUsed + words > PostingsPool.pageWords {
            if pageCount == pageCapacity {
                let bigger = UnsafeMutablePointer<UnsafeMutablePointer<UInt32>>.allocate(capacity: pageCapacity * 2)
                bigger.moveInitialize(from: pages, count: pageCount)
                pages.deallocate()
                pages = bigger
                pageCapacity *= 2
            }
            // The first page starts small; later ones are whole (the pool is large by then).
            pageAllocated = pageCount == 0 ? max(PostingsPool.firstPageWords, words) : PostingsPool.pageWords
            pages[pageCount] = .allocate(capacity: pageAllocated)
            pageCount += 1
            pageUsed = 0
        }
        let address = UInt32(pageCount - 1) << UInt32(PostingsPool.pageShift) | UInt32(pageUsed)
        pages[pageCount - 1][pageUsed] = PostingsPool.noBlock
        pageUsed += words
        return address
    }

    private func growLists() {
        let bigger = UnsafeMutablePointer<List>.allocate(capacity: listCapacity * 2)
        bigger.moveInitialize(from: lists, count: listCount)
        lists.deallocate()
        lists = bigger
        listCapacity *= 2
    }
}

/// Walks one list of a `PostingsPool` a block at a time; `seek` skips whole blocks by
/// their last doc, then searches inside the block.
struct PoolCursor: DocCursor {
    private unowned(unsafe) let pool: PostingsPool
    private let tail: UInt32
    private let tailUsed: Int
    let count: Int
    private var block: UInt32
    private var cap: Int
    private var used: Int
    private var docs: UnsafeMutablePointer<UInt32>
    private var i = 0
    private(set) var doc: UInt32 = .max

    private let list: Int

    /// Back to the first doc.
    mutating func rewind() { self = PoolCursor(pool, list) }

    fileprivate init(_ pool: PostingsPool, _ list: Int) {
        self.pool = pool
        self.list = list
        let l = pool.listState(list)
        tail = l.tail
        tailUsed = Int(l.tailUsed)
        count = Int(l.count)
        block = l.head
        cap = PostingsPool.firstBlock
        used = l.head == l.tail ? tailUsed : cap
        docs = pool.word(block) + 1
        doc = used > 0 ? docs[0] : .max
    }

    var tf: UInt32 {
        guard pool.hasFreqs, doc != .max else { return 1 }
        return docs[cap + i]
    }

    fileprivate func currentBlock() -> (UnsafeBufferPointer<UInt32>, UnsafeBufferPointer<UInt32>?)? {
        guard doc != .max else { return nil }
        let d = UnsafeBufferPointer(start: docs, count: used)
        return (d, pool.hasFreqs ? UnsafeBufferPointer(start: docs + cap, count: used) : nil)
    }

    /// Moves to the first entry of the next block (or past the end).
    fileprivate mutating func nextBlock() {
        guard block != tail else { doc = .max; return }
        block = (docs - 1).pointee
        cap = min(cap * 2, PostingsPool.maxBlock)
        used = block == tail ? tailUsed : cap
        docs = pool.word(block) + 1
        i = 0
        doc = docs[0]
    }

    mutating func next() {
        guard doc != .max else { return }
        i += 1
        if i < used { doc = docs[i] } else { nextBlock() }
    }

    mutating func seek(to target: UInt32) {
        guard doc != .max, doc < target else { return }
        while docs[used - 1] < target {
            if block == tail { doc = .max; return }
            nextBlock()
        }
        // The block's last doc is >= target: binary search in `i..<used`.
        var lo = i, hi = used - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if docs[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        i = lo
        doc = docs[i]
    }
}
