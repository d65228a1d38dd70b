import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Single huge pieces must not make merging quadratic. The 1 MB runs only get a generous
/// sanity bound on time; exactness is checked against tiktoken on 100 KB versions.
@Suite("Tokenizer on huge pieces")
struct TokenizerLargeInputTests {
    /// Texts that are one piece (or a few) however long they are.
    static func inputs(bytes: Int) -> [(name: String, text: String)] {
        var rng = TestRNG(seed: 42)
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let noSpaces = String((0..<bytes).map { _ in letters.randomElement(using: &rng)! })
        let mixedCase = String((0..<bytes).map { _ in
            Bool.random(using: &rng) ? letters.randomElement(using: &rng)! : Character(letters.randomElement(using: &rng)!.uppercased())
        })
        let cjk = String((0..<(bytes / 3)).map { _ in Character(Unicode.Scalar(UInt32.random(in: 0x4E00...0x9FFF, using: &rng))!) })
        return [
            ("random lowercase letters, no spaces", noSpaces),
            ("random mixed-case letters", mixedCase),
            ("random CJK, no spaces", cjk),
            ("one repeated letter", String(repeating: "a", count: bytes)),
            ("one repeated space", String(repeating: " ", count: bytes)),
            ("one repeated punctuation mark", String(repeating: "!", count: bytes)),
            ("one repeated newline", String(repeating: "\n", count: bytes)),
            ("one repeated multi-byte letter", String(repeating: "é", count: bytes / 2)),
        ]
    }

    @Test("1 MB single pieces finish quickly", arguments: TokenEncoding.allCases)
    func megabytePieces(_ encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.load(encoding)
        for (name, text) in Self.inputs(bytes: 1 << 20) {
            let start = ContinuousClock.now
            let count = tokenizer.count(text)
            let elapsed = ContinuousClock.now - start
            #expect(count > 0, "\(name)")
            // Sanity bound only (debug builds, slow CI): quadratic merging would take hours.
            #expect(elapsed < .seconds(30), "\(name): \(elapsed) for 1 MB")
        }
    }

    @Test("100 KB single pieces equal tiktoken", arguments: TokenEncoding.allCases)
    func hundredKilobytePieces(_ encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let oracle = try TiktokenOracle()
        for (_, text) in Self.inputs(bytes: 100_000) {
            try TokenizerOracleTests.expectSame(tokenizer, oracle, text)
        }
        // Pieces around the short/long merge threshold.
        var rng = TestRNG(seed: 3)
        for length in [BytePairMerger.shortLimit - 1, BytePairMerger.shortLimit, BytePairMerger.shortLimit + 1, 300, 5000] {
            let text = String((0..<length).map { _ in "abcdefghijklmnopqrstuvwxyz".randomElement(using: &rng)! })
            try TokenizerOracleTests.expectSame(tokenizer, oracle, text)
        }
    }
}
