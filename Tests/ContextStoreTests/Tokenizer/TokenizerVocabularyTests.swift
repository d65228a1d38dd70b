import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

@Suite("Tokenizer vocabulary loading")
struct TokenizerVocabularyTests {
    static func temporaryDirectory() throws -> String {
        TempDir("vocab").path
    }

    @Test("missing directory names the path and how to fix it")
    func missingDirectory() throws {
        let directory = "/nonexistent/contextstore-\(UUID().uuidString)"
        let expectedPath = directory + "/cl100k_base.tiktoken"
        do {
            _ = try Tokenizer.load(.cl100kBase, vocabularyDirectory: directory)
            Issue.record("loading from a missing directory succeeded")
        } catch {
            guard case .vocabularyMissing(let path) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == expectedPath)
            #expect(error.description.contains(expectedPath))
            #expect(error.description.contains("CONTEXTSTORE_VOCAB_DIR") && error.description.contains("built into"))
        }
    }

    @Test("a file with the wrong SHA-256 is rejected before parsing", arguments: TokenEncoding.allCases)
    func wrongChecksum(_ encoding: TokenEncoding) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let content = "IQ== 0\nIg== 1\n"  // valid format, wrong content
        let path = directory + "/" + encoding.rawValue + ".tiktoken"
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try Tokenizer.load(encoding, vocabularyDirectory: directory)
        } throws: { error in
            guard let error = error as? TokenizerError,
                  case .checksumMismatch(let p, let expected, let found) = error else { return false }
            return p == path && expected == encoding.expectedSHA256
                && found == SHA256.hexDigest(of: content)
                && error.description.contains(path) && error.description.contains(TokenizerError.directoryHint)
        }
    }

    @Test("malformed lines are reported with their line number")
    func malformed() throws {
        var allBytes = ""
        for b in 0..<256 { allBytes += Data([UInt8(b)]).base64EncodedString() + " \(b)\n" }
        let cases: [(String, Int)] = [
            ("IQ== 0\nnot base64! 1\n", 2),
            ("IQ== 0\nIg==\n", 2),
            ("IQ== 0\n\nIg== x1\n", 3),
            ("IQ== 0\nIQ== 1\n", 2),                     // duplicate token bytes
            ("IQ== 0\n", 2),                             // single bytes missing: reported past the end
            (allBytes + "YWI= 99999999999\n", 257),
        ]
        for (content, line) in cases {
            var bytes = Array(content.utf8)
            #expect {
                _ = try bytes.withUnsafeMutableBytes { try VocabularyLoader.parse(UnsafeRawBufferPointer($0), path: "/x") }
            } throws: { error in
                guard case .malformedVocabulary(let path, let reported)? = error as? TokenizerError else { return false }
                return path == "/x" && reported == line
            }
        }
        var valid = Array((allBytes + "YWI= 256\r\n").utf8)
        let table = try valid.withUnsafeMutableBytes { try VocabularyLoader.parse(UnsafeRawBufferPointer($0), path: "/x") }
        #expect(table.tokenCount == 257)
    }

    @Test("source resolution: explicit directory, then CONTEXTSTORE_VOCAB_DIR, then the built-in copy")
    func resolution() {
        #expect(VocabularySource.resolve("/some/dir", environment: "/env") == .directory("/some/dir"))
        #expect(VocabularySource.resolve("/some/dir", environment: nil) == .directory("/some/dir"))
        #expect(VocabularySource.resolve(nil, environment: "/env") == .directory("/env"))
        #expect(VocabularySource.resolve("", environment: "/env") == .directory("/env"))
        #expect(VocabularySource.resolve(nil, environment: nil) == .embedded)
        #expect(VocabularySource.resolve("", environment: "") == .embedded)
        // The one-argument form reads this process's environment.
        let environment = ProcessInfo.processInfo.environment[VocabularySource.environmentVariable]
        #expect(VocabularySource.resolve(nil) == VocabularySource.resolve(nil, environment: environment))
        #expect(VocabularyLoader.path(for: .o200kBase, in: "/d/") == "/d/o200k_base.tiktoken")
    }

    @Test("loaded tokenizers are cached per encoding and source", arguments: TokenEncoding.allCases)
    func caching(_ encoding: TokenEncoding) throws {
        let a = try Tokenizer.load(encoding)
        let b = try Tokenizer.load(encoding, vocabularyDirectory: "")  // empty: the same default source
        #expect(a === b)
        #expect(a.encoding == encoding)
        #expect(a.table.tokenCount == encoding.expectedTokenCount)
        // The same published file from a directory is another instance with the same table.
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(try EmbeddedVocabulary.content(encoding)).write(
            to: URL(fileURLWithPath: VocabularyLoader.path(for: encoding, in: directory)))
        let c = try Tokenizer.load(encoding, vocabularyDirectory: directory)
        let d = try Tokenizer.load(encoding, vocabularyDirectory: directory)
        #expect(c !== a && c === d)
        #expect(c.table.tokenCount == a.table.tokenCount)
        #expect(c.encode(TokenizerTestTexts.prose.joined()) == a.encode(TokenizerTestTexts.prose.joined()))
    }
}
