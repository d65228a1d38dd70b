import Testing
@testable import ContextStore
import ContextStoreTestSupport

// Collapsing ranked hits by file_path or task_id.

@Suite struct HitCollapserTests {
    @Test func keepsTheFirstHitsOfEachGroup() {
        let keys: [String?] = ["a", "b", "a", "a", nil, nil, "b", "c"]
        #expect(HitCollapser.collapse(keys: keys, perGroup: 1) == [0, 1, 4, 5, 7])
        #expect(HitCollapser.collapse(keys: keys, perGroup: 2) == [0, 1, 2, 4, 5, 6, 7])
        #expect(HitCollapser.collapse(keys: keys, perGroup: 3) == Array(keys.indices))
        #expect(HitCollapser.collapse(keys: [], perGroup: 1) == [])
    }

    @Test func hitsWithoutAKeyAreNeverCollapsed() {
        #expect(HitCollapser.collapse(keys: [nil, nil, nil], perGroup: 1) == [0, 1, 2])
    }

    @Test func perGroupBelowOneCountsAsOne() {
        let keys: [String?] = ["a", "a", "b"]
        #expect(HitCollapser.collapse(keys: keys, perGroup: 0) == [0, 2])
        #expect(HitCollapser.collapse(keys: keys, perGroup: -3) == [0, 2])
    }

    @Test func keysAreComparedAsBytes() {
        // The same path in NFC and in NFD: equal for Swift's ==, two groups for the engine.
        let nfc = "src/caf\u{E9}.c", nfd = "src/cafe\u{301}.c"
        #expect(nfc == nfd)
        #expect(HitCollapser.collapse(keys: [nfc, nfd, nfc, nfd], perGroup: 1) == [0, 1])
        // Case matters too, and the empty string is a key like any other.
        #expect(HitCollapser.collapse(keys: ["A", "a", "", ""], perGroup: 1) == [0, 1, 2])
    }

    @Test func randomKeysAgainstASimpleModel() {
        var rng = TestRNG(seed: testSeed)
        let pool: [String?] = [nil, "a", "b", "c", "src/x.swift", "caf\u{E9}", "cafe\u{301}"]
        for _ in 0..<1_000 {
            let keys = (0..<Int.random(in: 0...15, using: &rng)).map { _ in pool.randomElement(using: &rng)! }
            let perGroup = Int.random(in: 1...4, using: &rng)
            let kept = HitCollapser.collapse(keys: keys, perGroup: perGroup)
            // The model: hit i is kept iff it has no key or fewer than perGroup earlier hits
            // with the same key bytes.
            let expected = keys.indices.filter { i in
                guard let k = keys[i] else { return true }
                return keys[..<i].filter { $0.map { Array($0.utf8) } == Array(k.utf8) }.count < perGroup
            }
            #expect(kept == expected, "seed \(testSeed) keys \(keys) perGroup \(perGroup)")
        }
    }
}
