import Foundation
import Testing
@testable import ContextStore

@Suite("SHA-256")
struct SHA256Tests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { SHA256.hexDigest($0) }
    }

    @Test("published test vectors")
    func vectors() {
        #expect(SHA256.hexDigest(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hexDigest(of: String(repeating: "a", count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        let digest = [UInt8]("abc".utf8).withUnsafeBytes { SHA256.digest($0) }
        #expect(digest.count == 32)
        #expect(digest.map { String(format: "%02x", $0) }.joined() == SHA256.hexDigest(of: "abc"))
    }

    @Test("random inputs of many lengths equal Python hashlib")
    func randomInputs() throws {
        let oracle = try TiktokenOracle()
        var rng = TestRNG(seed: 0x5A5A)
        let lengths = Array(0...200) + [255, 256, 257, 447, 448, 511, 512, 513, 1000, 4096, 65_537, 1_000_003]
        for length in lengths {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(Self.hex(bytes) == (try oracle.sha256(bytes)), "length \(length)")
        }
    }

    @Test("hexDigest(of:) hashes the UTF-8 bytes")
    func unicodeText() throws {
        let oracle = try TiktokenOracle()
        let text = "naïve 中文 👩‍👩‍👧‍👦 \u{0}\r\n"
        #expect(SHA256.hexDigest(of: text) == (try oracle.sha256(Array(text.utf8))))
    }
}
