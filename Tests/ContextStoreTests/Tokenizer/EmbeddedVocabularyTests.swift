import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The rank files compiled into the library (Sources/CContextStoreVocabulary, made by
/// Tools/gen/gen_vocabulary.sh): they must decompress to exactly the published files.
@Suite("Embedded vocabulary")
struct EmbeddedVocabularyTests {
    /// The published files, written out here rather than read from `TokenEncoding`, so a
    /// change to the constants in the library cannot make this test agree with itself.
    static let published: [TokenEncoding: (sha256: String, bytes: Int)] = [
        .cl100kBase: ("223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7", 1_681_126),
        .o200kBase: ("446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d", 3_613_922),
    ]

    /// SHA-256 by Python's hashlib: independent of the library's own SHA-256.
    static func pythonSHA256(_ bytes: [UInt8]) throws -> String {
        let script = "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"
        let out = try runPython(script, input: Data(bytes))
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("each embedded frame decompresses to the published file", arguments: TokenEncoding.allCases)
    func decompressesToThePublishedFile(_ encoding: TokenEncoding) throws {
        let published = try #require(Self.published[encoding])
        let frame = EmbeddedVocabulary.frame(encoding)
        #expect(Array(frame.prefix(4)) == [0x04, 0x22, 0x4D, 0x18], "an LZ4 frame (magic 0x184D2204)")
        #expect(frame.count < published.bytes * 2 / 3, "compressed: \(frame.count) bytes")
        let content = try EmbeddedVocabulary.content(encoding)
        #expect(content.count == published.bytes)
        #expect(SHA256.hexDigest(content.withUnsafeBytes { $0 }) == published.sha256)
        #expect(try Self.pythonSHA256(content) == published.sha256)
        #expect(encoding.expectedSHA256 == published.sha256)
        // And it parses into the full table.
        let table = try VocabularyLoader.loadRankTable(encoding, from: .embedded)
        #expect(table.tokenCount == encoding.expectedTokenCount)
    }

    @Test("a damaged frame is refused with a typed error, never parsed", arguments: TokenEncoding.allCases)
    func damagedFramesAreRefused(_ encoding: TokenEncoding) throws {
        let frame = Array(EmbeddedVocabulary.frame(encoding))
        var flipped = frame
        flipped[frame.count / 2] ^= 0x20  // inside the block: caught by the content checksum at least
        var badHeader = frame
        badHeader[4] &= ~0x08            // FLG no longer matches the header checksum
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("header only", Array(frame.prefix(6))),
            ("truncated", Array(frame.prefix(frame.count - 100))),
            ("without its end mark and checksum", Array(frame.prefix(frame.count - 8))),
            ("trailing bytes", frame + [0, 0, 0, 0]),
            ("a flipped byte", flipped),
            ("a damaged header", badHeader),
        ]
        for (label, bytes) in cases {
            #expect("\(label)") {
                _ = try bytes.withUnsafeBytes { buffer in try EmbeddedVocabulary.decompress(buffer, of: encoding) }
            } throws: { error in
                guard let error = error as? TokenizerError,
                      case .embeddedVocabularyDamaged(let e, let reason) = error else { return false }
                return e == encoding && !reason.isEmpty && error.description.contains(encoding.vocabularyFileName)
            }
        }
    }
}
