import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Docs/FORMAT.md section 1: cached counts are trusted only while `text_hash` matches the text;
/// a count without a hash keeps its count and gets the hash; everything else is counted.
@Suite struct TokenCacheTests {
    @Test func trustedCountsAreKeptAndOthersComputed() async throws {
        let tmp = TempDir("tokens"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        let tokenizer = try Tokenizer.load()
        let text = "The quick brown fox — 日本語 🙂 jumps"
        let hash = SHA256.hexDigest(of: text)
        let stamp = Timestamp(utcMicroseconds: 1_600_000_000_000_000)
        func seg(_ id: String, tokens: Int?, hash: String?, at: Timestamp? = nil) -> ContextSegment {
            ContextSegment(segmentID: id, text: text, type: .note, projectID: "p", createdAt: stamp,
                           tokens: tokens, tokensComputedAt: at, textHash: hash, tier: .stashed)
        }
        let before = store.tokens.countsComputed.load(ordering: .relaxed)
        try await store.put([
            seg("trusted", tokens: 999, hash: hash, at: stamp),  // kept as is (even a "wrong" count)
            seg("nohash", tokens: 7, hash: nil),                   // count kept, hash filled
            seg("stale", tokens: 5, hash: String(repeating: "0", count: 64), at: stamp),  // recounted
            seg("none", tokens: nil, hash: nil),                   // counted
        ])
        let computed = store.tokens.countsComputed.load(ordering: .relaxed) - before
        #expect(computed == 2, "only the stale and the uncounted texts are tokenized")
        let got = Dictionary(uniqueKeysWithValues: try store.get(project: "p", ids: ["trusted", "nohash", "stale", "none"]).map { ($0.segmentID, $0) })
        let exact = tokenizer.count(text)
        #expect(got["trusted"]?.tokens == 999 && got["trusted"]?.textHash == hash && got["trusted"]?.tokensComputedAt == stamp)
        #expect(got["nohash"]?.tokens == 7 && got["nohash"]?.textHash == hash && got["nohash"]?.tokensComputedAt == nil)
        #expect(got["stale"]?.tokens == exact && got["stale"]?.textHash == hash && got["stale"]?.tokensComputedAt != stamp)
        #expect(got["none"]?.tokens == exact && got["none"]?.textHash == hash && got["none"]?.tokensComputedAt != nil)

        // Re-putting what the store returned costs no tokenization; changing the text does.
        let again = store.tokens.countsComputed.load(ordering: .relaxed)
        try await store.put(Array(got.values))
        #expect(store.tokens.countsComputed.load(ordering: .relaxed) == again)
        var changed = got["none"]!
        changed.text += " and more words"
        try await store.put(changed)
        #expect(store.tokens.countsComputed.load(ordering: .relaxed) == again + 1)
        let updated = try store.get(project: "p", ids: ["none"])[0]
        #expect(updated.tokens == tokenizer.count(changed.text))
        #expect(updated.textHash == SHA256.hexDigest(of: changed.text))

        // Totals follow updates and deletes, and survive reopen.
        let totals = try #require(try store.totals(project: "p"))
        let expectedTokens = 999 + 7 + exact + tokenizer.count(changed.text)
        #expect(totals[.stashed].segments == 4 && totals[.stashed].tokens == expectedTokens)
        try await store.delete(project: "p", ids: ["nohash"])
        store.close()
        let reopened = try ContextStore.open(directory: tmp.path)
        let after = try #require(try reopened.totals(project: "p"))
        #expect(after[.stashed].segments == 3 && after[.stashed].tokens == expectedTokens - 7)
        reopened.close()
    }

    /// Trusted counts never load the tokenizer: the configured vocabulary directory is
    /// empty, so any load would fail the put. A segment that does need counting then
    /// fails with the typed error naming the missing file, and nothing of it is written.
    @Test(arguments: [4, 2_000])  // 2,000 segments take the parallel path
    func trustedCountsNeedNoVocabulary(segmentCount: Int) async throws {
        let tmp = TempDir("tokens-novocab"); defer { tmp.cleanup() }
        let empty = TempDir("tokens-empty-vocab"); defer { empty.cleanup() }
        var configuration = Configuration()
        configuration.vocabularyDirectory = empty.path
        let store = try ContextStore.open(directory: tmp.path, configuration: configuration)
        let stamp = Timestamp(utcMicroseconds: 1_600_000_000_000_000)
        let filler = String(repeating: "some words of text ", count: 10)
        let segments = (0..<segmentCount).map { i in
            let text = "segment \(i): " + filler
            // Even ids carry a matching hash, odd ones a count with no hash (kept, hashed).
            return ContextSegment(segmentID: "s\(i)", text: text, type: .note, projectID: "p", createdAt: stamp,
                                  tokens: 10 + i, tokensComputedAt: i % 2 == 0 ? stamp : nil,
                                  textHash: i % 2 == 0 ? SHA256.hexDigest(of: text) : nil, tier: .stashed)
        }
        if segmentCount > 1_000 { #expect(SystemInfo.workChunks(segments) > 1, "the parallel path is exercised") }
        let before = store.tokens.countsComputed.load(ordering: .relaxed)
        try await store.put(segments)
        #expect(store.tokens.countsComputed.load(ordering: .relaxed) == before)
        let got = try store.get(project: "p", ids: segments.map(\.segmentID))
        #expect(got.count == segmentCount)
        for (i, s) in got.enumerated() {
            #expect(s.tokens == 10 + i && s.textHash == SHA256.hexDigest(of: s.text))
        }
        #expect(try store.totals(project: "p")?[.stashed].tokens == (0..<segmentCount).reduce(0) { $0 + 10 + $1 })

        // One untrusted segment among trusted ones: the load is attempted, fails, and the
        // whole put is refused.
        var mixed = Array(segments.prefix(3)).map { s in
            var s = s
            s.segmentID += "-again"
            return s
        }
        mixed.append(ContextSegment(segmentID: "uncounted", text: "no count here", type: .note, projectID: "p",
                                    createdAt: stamp, tier: .stashed))
        let missing = empty.sub(TokenEncoding.cl100kBase.vocabularyFileName)
        await #expect {
            try await store.put(mixed)
        } throws: { error in
            guard case .tokenizerUnavailable(let why)? = error as? StoreError else { return false }
            return why == TokenizerError.vocabularyMissing(path: missing).description
        }
        #expect(try store.get(project: "p", ids: mixed.map(\.segmentID)).isEmpty)
        store.close()
    }

    @Test func manySegmentsAreCountedInParallelExactly() async throws {
        let tmp = TempDir("tokens-par"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        let tokenizer = try Tokenizer.load()
        var rng = TestRNG(seed: testSeed)
        let segments = (0..<400).map { i in
            ContextSegment(segmentID: "s\(i)", text: Samples.texts[Int(rng.next() % UInt64(Samples.texts.count))] + String(repeating: " word\(i)", count: Int(rng.next() % 300)),
                           type: .code, projectID: "p", createdAt: Timestamp(utcMicroseconds: Int64(i)))
        }
        try await store.put(segments)
        let got = try store.get(project: "p", ids: segments.map(\.segmentID))
        #expect(got.count == 400)
        for (a, b) in zip(segments, got) { #expect(b.tokens == tokenizer.count(a.text)) }
        #expect(try store.totals(project: "p")?[.working].tokens == segments.reduce(0) { $0 + tokenizer.count($1.text) })
        store.close()
    }
}
