import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The sub-word splitter (SPEC.md 9.0) and the query's terms: the examples, the
/// edges, and a model of the rules on random identifiers.
@Suite struct SubwordSplitterTests {
    @Test(arguments: [
        ("mmap_region", ["mmap", "region"]),
        ("parseHTTPHeader", ["parse", "http", "header"]),
        ("HTTPHeader", ["http", "header"]),
        ("fooBar baz", ["foo", "bar"]),
        ("sha256sum", ["sha", "256", "sum"]),
        ("__init__", ["init"]),
        ("x86_64", ["x", "86", "64"]),
        ("XMLHttpRequest2", ["xml", "http", "request", "2"]),
        ("plain words only", []),
        ("ALLCAPS lower", []),
        ("src/io/file.c", []),           // already four keyword words
        ("naïveFunction", ["naïve", "function"]),
        ("ÉtatCivil", ["état", "civil"]),  // a non-ASCII part is lowercased by the keyword analyzer
        ("a_b", ["a", "b"]),
        ("_", []),
        ("", []),
    ])
    func examples(_ text: String, _ parts: [String]) {
        #expect(SubwordSplitter.parts(text) == parts, "\(text)")
    }

    /// Random identifiers built from known parts, joined by `_` or camel case: the splitter
    /// gives the parts back, lowercased, in order. (One-letter parts only in snake case:
    /// `readXX` is one capital run, `xx`, by the rules.)
    @Test func randomIdentifiersSplitBackIntoTheirParts() {
        var rng = TestRNG(seed: testSeed)
        let pieces = ["alpha", "beta", "gamma", "io", "x", "map", "region", "read", "write"]
        for _ in 0..<2000 {
            let n = 2 + Int(rng.next() % 3)
            let snake = rng.next() % 2 == 0
            let pool = snake ? pieces : pieces.filter { $0.count > 1 }
            let parts = (0..<n).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            let ident = snake ? parts.joined(separator: "_")
                              : parts[0] + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            #expect(SubwordSplitter.parts("see \(ident) here") == parts, "\(ident)")
        }
    }

    @Test func queryTermsKeepOrderPrefixesAndParts() {
        let q = QueryTerms("how did we fix mmap* in parseHTTPHeader, foo-* and *bar the the")
        #expect(q.terms.map(\.display) == ["how", "did", "we", "fix", "mmap*", "in", "parsehttpheader", "foo", "and", "bar", "the"])
        #expect(q.parts.map { String(decoding: $0, as: UTF8.self) } == ["parse", "http", "header"])
        #expect(QueryTerms("!!! *** ...").isEmpty)
    }

    /// Any text is a valid query: random bytes-ish strings never throw, in either mode.
    @Test func anyTextIsAValidQuery() async throws {
        let tmp = TempDir("anytext"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        try await store.put([ContextSegment(segmentID: "a", text: "mmap_region * \"quoted\" (paren) AND OR NOT -x +y",
                                            type: .code, projectID: "p", createdAt: Timestamp(utcMicroseconds: 0))])
        var rng = TestRNG(seed: testSeed &+ 3)
        let alphabet = Array("ab*\"()-+:^~?!\\ _AND OR NOT é日😀\u{301}\n\t")
        for _ in 0..<500 {
            let text = String((0..<Int(rng.next() % 20)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            for mode in SearchMode.allCases {
                var q = SearchQuery(project: rng.next() % 2 == 0 ? "p" : nil, query: text, mode: mode)
                q.snippets = 1
                q.explain = true
                _ = try store.search(q)
            }
        }
    }
}
