import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The front-coded dictionary of format 3 against a sorted array: every key is found with
/// its df and list, absent keys (between, before and after the keys, prefixes of keys) are
/// not, and a prefix walk gives exactly the keys with that prefix, in order. Damaged bytes
/// never crash a lookup or a walk.
@Suite struct FrontCodedDictionaryTests {
    static func keys(_ n: Int, _ rng: inout TestRNG) -> [[UInt8]] {
        let stems = ["", "a", "mmap", "mmap_region", "parse", "parser", "é", "日本", "zz"].map { Array($0.utf8) }
        var set = Set<[UInt8]>()
        while set.count < n {
            var k = stems[Int(rng.next() % UInt64(stems.count))]
            for _ in 0..<(rng.next() % 6) { k.append(UInt8(0x61 + rng.next() % 4)) }
            if rng.next() % 50 == 0 { k.append(0xFF) }
            set.insert(k)
        }
        return set.sorted { a, b in a.withUnsafeBytes { x in b.withUnsafeBytes { y in compareBytes(x, y) < 0 } } }
    }

    static func entries(_ keys: [[UInt8]]) -> [FrontCodedDictionary.Entry] {
        var offset = 0
        return keys.enumerated().map { i, k in
            defer { offset += (i % 7) * 3 }
            return .init(key: k, df: 1 + i % 11, postingsOffset: offset, listLength: (i % 7) * 3)
        }
    }

    @Test(arguments: [0, 1, 15, 16, 17, 200, 2000])
    func everyKeyIsFoundAndPrefixWalksAreExact(count: Int) {
        var rng = TestRNG(seed: testSeed ^ UInt64(count))
        let keys = Self.keys(count, &rng)
        let entries = Self.entries(keys)
        let bytes = FrontCodedDictionary.encode(entries)
        bytes.withUnsafeBytes { b in
            guard let d = FrontCodedDictionary.Reader(b) else { Issue.record("unreadable"); return }
            #expect(d.count == count)
            for e in entries {
                let found = e.key.withUnsafeBytes { d.find($0) }
                #expect(found?.offset == e.postingsOffset && found?.length == e.listLength && found?.df == e.df)
            }
            let probes: [[UInt8]] = [[], [0x00], [0x60], Array("mmap_regio".utf8), Array("zzz".utf8), [0xFF, 0xFF], Array("parsea".utf8)]
            for p in probes {
                let found = p.withUnsafeBytes { d.find($0) }
                #expect((found != nil) == keys.contains(p), "probe \(p)")
                var walked: [[UInt8]] = []
                p.withUnsafeBytes { q in d.forEach(withPrefix: q) { walked.append($0.key); return true } }
                #expect(walked == keys.filter { $0.starts(with: p) }, "prefix \(p)")
            }
            // A walk stops when asked.
            var seen = 0
            d.forEach(withPrefix: UnsafeRawBufferPointer(start: nil, count: 0)) { _ in seen += 1; return seen < 3 }
            #expect(seen == min(3, count))
        }
    }

    @Test func damagedDictionariesNeverCrash() {
        var rng = TestRNG(seed: testSeed ^ 0xFC)
        let keys = Self.keys(300, &rng)
        let clean = FrontCodedDictionary.encode(Self.entries(keys))
        for _ in 0..<500 {
            var bytes = clean
            bytes.damageRandomly(&rng)
            bytes.withUnsafeBytes { b in
                guard let d = FrontCodedDictionary.Reader(b) else { return }
                for k in keys where rng.next() % 10 == 0 { _ = k.withUnsafeBytes { d.find($0) } }
                var n = 0
                d.forEach(withPrefix: UnsafeRawBufferPointer(start: nil, count: 0)) { _ in n += 1; return true }
                #expect(n <= d.count)
            }
        }
    }
}
