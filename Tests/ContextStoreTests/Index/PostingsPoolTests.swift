import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `PostingsPool` against plain arrays: many lists appended in an interleaved random order
/// (so their blocks interleave across many pages), some long enough to reach the largest
/// block. Every list must read back whole (blocks and cursor), with its count, last doc and
/// frequencies, and `seek` must land where a lower-bound search of the array does.
@Suite struct PostingsPoolTests {
    @Test(arguments: [true, false])
    func listsReadBackAsAppended(hasFreqs: Bool) {
        var rng = TestRNG(seed: testSeed ^ (hasFreqs ? 1 : 2))
        let pool = PostingsPool(hasFreqs: hasFreqs)
        var docs: [[UInt32]] = []
        var freqs: [[UInt32]] = []
        var next: [UInt32] = []
        // 400 lists; a few hot ones take most appends, as frequent words do.
        for _ in 0..<300_000 {
            let hot = rng.next() % 4 != 0
            var list = Int(rng.next() % (hot ? 8 : 400))
            if list > docs.count { list = docs.count }
            if list == docs.count { docs.append([]); freqs.append([]); next.append(0) }
            let doc = next[list] + UInt32(rng.next() % 5)
            next[list] = doc + 1
            let freq = UInt32(1 + rng.next() % 9)
            pool.append(list, doc: doc, freq: freq)
            docs[list].append(doc)
            freqs[list].append(hasFreqs ? freq : 1)
        }
        #expect(pool.listCount == docs.count)
        #expect(docs.prefix(8).allSatisfy { $0.count > 8 * PostingsPool.maxBlock }, "hot lists reach the largest block")
        #expect(pool.pageCount > 4, "blocks span several pages")

        for l in 0..<docs.count {
            #expect(pool.count(l) == docs[l].count)
            #expect(pool.lastDoc(l) == docs[l].last)
            var gotDocs: [UInt32] = [], gotFreqs: [UInt32] = []
            pool.forEachBlock(l) { d, f in
                gotDocs += d
                gotFreqs += f.map(Array.init) ?? Array(repeating: 1, count: d.count)
            }
            #expect(gotDocs == docs[l], "list \(l) blocks")
            #expect(gotFreqs == freqs[l], "list \(l) freqs")

            var c = pool.cursor(l)
            #expect(c.count == docs[l].count)
            var walked: [UInt32] = [], walkedTF: [UInt32] = []
            while c.doc != .max { walked.append(c.doc); walkedTF.append(c.tf); c.next() }
            #expect(walked == docs[l], "list \(l) cursor")
            #expect(walkedTF == freqs[l], "list \(l) cursor tfs")

            // Seeks to increasing random targets, past the end included.
            var s = pool.cursor(l)
            var target: UInt32 = 0
            let end = (docs[l].last ?? 0) + 10
            while target <= end {
                s.seek(to: target)
                let expected = docs[l].firstIndex { $0 >= target }.map { docs[l][$0] } ?? .max
                #expect(s.doc == expected, "list \(l) seek \(target)")
                if s.doc == .max { break }
                if s.doc != expected { break }
                #expect(s.tf == freqs[l][docs[l].firstIndex(of: s.doc)!])
                target = s.doc + UInt32(rng.next() % UInt64(1 + 2 * PostingsPool.maxBlock))
            }
        }
    }
}
