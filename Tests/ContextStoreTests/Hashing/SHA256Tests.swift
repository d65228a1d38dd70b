import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

@Suite("SHA-256")
struct SHA256Tests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { SHA256.hexDigest($0) }
    }

    static func lowercaseHex(_ digest: [UInt8]) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// FIPS 180-4 / NIST examples: (message, lowercase hex SHA-256).
    static let publishedVectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000),
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    /// The portable engine always; the hardware one where the CPU has it.
    static let availableEngines: [SHA256.Engine] =
        SHA256.hardwareAvailable ? [.portable, .hardware] : [.portable]

    @Test("published test vectors")
    func vectors() {
        for (message, expected) in Self.publishedVectors {
            #expect(SHA256.hexDigest(of: message) == expected, "\(message.prefix(10))… (\(message.utf8.count) bytes)")
        }
        let digest = [UInt8]("abc".utf8).withUnsafeBytes { SHA256.digest($0) }
        #expect(digest.count == 32)
        #expect(Self.lowercaseHex(digest) == SHA256.hexDigest(of: "abc"))
    }

    @Test("published test vectors, each engine", arguments: availableEngines)
    func vectorsPerEngine(engine: SHA256.Engine) {
        for (message, expected) in Self.publishedVectors {
            let digest = Array(message.utf8).withUnsafeBytes { SHA256.digest($0, engine: engine) }
            #expect(Self.lowercaseHex(digest) == expected,
                    "\(engine): \(message.prefix(10))… (\(message.utf8.count) bytes)")
        }
    }

    /// Every length through 300 (all tail shapes: 0 to 63 bytes after 0 to 4 full blocks,
    /// one or two padding blocks) and random lengths up to 1 MiB, each at a random start
    /// offset so the hardware engine's unaligned loads are exercised too.
    @Test("hardware engine equals the portable one")
    func hardwareMatchesPortable() throws {
        // Without SHA-NI there is no second engine; the portable one is then checked against
        // Python's hashlib on the same inputs instead.
        let hashlib = SHA256.hardwareAvailable ? nil : try TiktokenOracle()
        var rng = TestRNG(seed: testSeed)
        let lengths = Array(0...300) + (0..<16).map { _ in Int.random(in: 301...(1 << 20), using: &rng) }
        for length in lengths {
            let offset = Int.random(in: 0..<16, using: &rng)
            let storage = Self.randomBytes(offset + length, &rng)
            try storage.withUnsafeBytes { all in
                let input = UnsafeRawBufferPointer(rebasing: all[offset...])
                let portable = SHA256.digest(input, engine: .portable)
                if let hashlib {
                    let expected = try hashlib.sha256(Array(input))
                    #expect(Self.lowercaseHex(portable) == expected, "length \(length) seed \(testSeed)")
                } else {
                    #expect(SHA256.digest(input, engine: .hardware) == portable,
                            "length \(length) offset \(offset) seed \(testSeed)")
                }
            }
        }
    }

    /// `count` bytes from `rng`, eight per draw.
    static func randomBytes(_ count: Int, _ rng: inout TestRNG) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { out in
            for i in stride(from: 0, to: count, by: 8) {
                withUnsafeBytes(of: rng.next()) { word in
                    out.baseAddress!.advanced(by: i).copyMemory(from: word.baseAddress!, byteCount: min(8, count - i))
                }
            }
        }
        return bytes
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
