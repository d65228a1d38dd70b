import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Token ids must equal tiktoken's `encode_ordinary` exactly.
@Suite("Tokenizer vs tiktoken")
struct TokenizerOracleTests {
    /// Compares full id lists; records the first difference (with context) on mismatch.
    static func expectSame(_ tokenizer: Tokenizer, _ oracle: TiktokenOracle, _ text: String,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try oracle.tokens(text, tokenizer.encoding)
        let actual = tokenizer.encode(text)
        if actual != expected {
            let i = (0..<min(actual.count, expected.count)).first { actual[$0] != expected[$0] } ?? min(actual.count, expected.count)
            Issue.record("""
                \(tokenizer.encoding.rawValue) mismatch for \(String(reflecting: text.prefix(200))) \
                (\(text.utf8.count) bytes): first difference at token \(i): \
                ours \(Array(actual[max(0, i - 3)..<min(actual.count, i + 5)])), \
                tiktoken \(Array(expected[max(0, i - 3)..<min(expected.count, i + 5)]))
                """, sourceLocation: sourceLocation)
        }
        #expect(tokenizer.count(text) == expected.count, sourceLocation: sourceLocation)
    }

    @Test("fixed fragments in several contexts", arguments: TokenEncoding.allCases)
    func fragments(_ encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let oracle = try TiktokenOracle()
        for text in TokenizerTestTexts.fragmentCases {
            try Self.expectSame(tokenizer, oracle, text)
        }
    }

    @Test("seeded random mixes", arguments: TokenEncoding.allCases)
    func randomMixes(_ encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let oracle = try TiktokenOracle()
        var rng = TestRNG(seed: 0xC0FFEE)
        for _ in 0..<400 {
            try Self.expectSame(tokenizer, oracle, TokenizerTestTexts.randomText(&rng))
        }
    }

    /// The split alone, checked against tiktoken's regex engine. Token ids can hide a
    /// wrong split (BPE often gives the same tokens either way), so this is stricter.
    @Test("pre-tokenizer pieces equal tiktoken's regex matches", arguments: TokenEncoding.allCases)
    func pieces(_ encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.load(encoding)
        let oracle = try TiktokenOracle()
        var rng = TestRNG(seed: 0xBEEF)
        let texts = TokenizerTestTexts.fragmentCases + (0..<300).map { _ in TokenizerTestTexts.randomText(&rng) }
        for text in texts {
            let pieces = tokenizer.pieces(text)
            #expect(pieces.joined() == text)
            if let mismatch = try oracle.pieceMismatch(text, pieces, encoding) {
                Issue.record("\(encoding.rawValue) split of \(String(reflecting: text.prefix(200))): \(mismatch)")
            }
        }
    }

    @Test("empty text has no tokens", arguments: TokenEncoding.allCases)
    func empty(_ encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.load(encoding)
        #expect(tokenizer.count("") == 0)
        #expect(tokenizer.encode("").isEmpty)
    }

    /// Every header under /usr/include/linux (or, if absent, the first few hundred
    /// under /usr/include): real C source with comments, macros and odd whitespace.
    @Test("system C headers", arguments: TokenEncoding.allCases)
    func systemHeaders(_ encoding: TokenEncoding) throws {
        var files = Self.headerFiles(under: "/usr/include/linux")
        if files.isEmpty { files = Array(Self.headerFiles(under: "/usr/include").prefix(400)) }
        try #require(!files.isEmpty, "no C headers found under /usr/include")
        let tokenizer = try Tokenizer.load(encoding)
        let oracle = try TiktokenOracle()
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            try Self.expectSame(tokenizer, oracle, String(decoding: data, as: UTF8.self))
        }
    }

    static func headerFiles(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".h") { files.append(root + "/" + relative) }
        }
        return files.sorted()
    }

    /// Each character class bit agrees with tiktoken's regex engine for every scalar
    /// (classes come from Swift's Unicode tables; the Unicode versions must agree).
    @Test("scalar class table matches the regex engine's Unicode classes")
    func scalarClasses() throws {
        let oracle = try TiktokenOracle()
        let classes: [(pattern: String, bit: UInt8)] = [
            (#"\p{L}"#, ScalarClass.letter),
            (#"\p{N}"#, ScalarClass.number),
            (#"\s"#, ScalarClass.space),
            (#"[\r\n]"#, ScalarClass.newline),
            (#"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]"#, ScalarClass.upper),
            (#"[\p{Ll}\p{Lm}\p{Lo}\p{M}]"#, ScalarClass.lower),
        ]
        let table = ScalarClassTable.shared.bits
        for (pattern, bit) in classes {
            let ranges = try oracle.members(pattern)
            var member = [Bool](repeating: false, count: 0x110000)
            for range in ranges { for v in range { member[Int(v)] = true } }
            var mismatches: [String] = []
            for v in 0..<UInt32(0x110000) where !(0xD800...0xDFFF).contains(v) {
                let bits = v < UInt32(ScalarClassTable.count) ? table[Int(v)] : ScalarClass.compute(v)
                if (bits & bit != 0) != member[Int(v)] { mismatches.append("U+" + String(v, radix: 16, uppercase: true)) }
            }
            #expect(mismatches.count == 0, "\(pattern): scalars that differ include \(mismatches.prefix(20))")
        }
    }

    @Test("one tokenizer shared by concurrent tasks gives the sequential results")
    func concurrentUse() async throws {
        let tokenizer = try Tokenizer.load(.o200kBase)
        var rng = TestRNG(seed: 7)
        let texts = (0..<64).map { _ in TokenizerTestTexts.randomText(&rng) }
        let sequential = texts.map { tokenizer.encode($0) }
        let concurrent = await withTaskGroup(of: (Int, [Int]).self) { group in
            for (i, text) in texts.enumerated() {
                group.addTask { (i, tokenizer.encode(text)) }
            }
            var results = [[Int]](repeating: [], count: texts.count)
            for await (i, ids) in group { results[i] = ids }
            return results
        }
        #expect(concurrent == sequential)
    }
}
