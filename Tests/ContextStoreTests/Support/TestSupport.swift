import Foundation
@testable import ContextStore

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct TempDir {
    let path: String

    init(_ label: String = "t") {
        let base = NSTemporaryDirectory() + "ctxstore-tests-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String { path + "/" + name }
}

/// Every regular file under `root` (relative path -> bytes): two snapshots are equal iff
/// nothing in the tree changed.
func treeSnapshot(_ root: String) -> [String: Data] {
    var out: [String: Data] = [:]
    if let walker = FileManager.default.enumerator(atPath: root) {
        for case let rel as String in walker {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = FileManager.default.contents(atPath: root + "/" + rel)
            }
        }
    }
    return out
}

func copyTree(_ from: String, _ to: String) {
    try? FileManager.default.removeItem(atPath: to)
    try! FileManager.default.copyItem(atPath: from, toPath: to)
}

/// SplitMix64: deterministic, seedable; failing tests print their seed.
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of randomized tests: $CONTEXTSTORE_TEST_SEED, else a fixed default.
let testSeed: UInt64 = UInt64(ProcessInfo.processInfo.environment["CONTEXTSTORE_TEST_SEED"] ?? "") ?? 20_261_124

enum Samples {
    static let texts = [
        "", "a", "plain ascii text", "naïve café", "cafe\u{301}", "日本語のテキスト", "emoji 🙂👩‍👩‍👧 and \u{1F600}",
        "control \u{0} \u{1} \u{1F} \u{7F} tab\t nl\n cr\r", "quote \" backslash \\ slash /",
        "\u{2028}\u{2029}", "Ωμέγα ΣΊΣΥΦΟΣ", "İstanbul", String(repeating: "x", count: 5000),
    ]

    static func segment(_ rng: inout TestRNG, id: String? = nil, project: String = "p") -> ContextSegment {
        let text = texts[Int(rng.next() % UInt64(texts.count))] + String(rng.next() % 1000)
        let created = Timestamp(localMicroseconds: Int64(rng.next() % 4_000_000_000_000_000),
                                utcOffsetSeconds: [nil, 0, 3600, -28_800, 19_800][Int(rng.next() % 5)],
                                hasFraction: rng.next() % 2 == 0)
        return ContextSegment(
            segmentID: id ?? "s\(rng.next() % 1_000_000)",
            text: text,
            type: SegmentType.allCases[Int(rng.next() % 6)],
            projectID: project,
            taskID: rng.next() % 3 == 0 ? nil : "task-\(rng.next() % 10)",
            createdAt: created,
            lastTouchedAt: Timestamp(utcMicroseconds: Int64(rng.next() % 2_000_000_000_000_000)),
            pinned: rng.next() % 2 == 0,
            generation: rng.next() % 2 == 0 ? .young : .old,
            gcSurvivalCount: Int(rng.next() % 5),
            refcount: Int(rng.next() % 7),
            filePath: rng.next() % 2 == 0 ? nil : "src/file\(rng.next() % 9).swift",
            lineRange: rng.next() % 2 == 0 ? nil : LineRange(Int(rng.next() % 100), Int(rng.next() % 1000)),
            tags: (0..<Int(rng.next() % 4)).map { "tag\($0)" },
            topicID: rng.next() % 2 == 0 ? nil : "topic",
            tokens: rng.next() % 2 == 0 ? nil : Int(rng.next() % 10_000),
            tokensComputedAt: rng.next() % 2 == 0 ? nil : Timestamp(utcMicroseconds: 1_700_000_000_000_000),
            textHash: rng.next() % 2 == 0 ? nil : String(repeating: "ab", count: 32),
            tier: SegmentTier.allCases[Int(rng.next() % 3)])
    }
}

extension ContextSegment {
    /// The segment without its token cache fields, which `put` fills in (tested on their own
    /// in TokenCacheTests).
    var withoutTokenCache: ContextSegment {
        var c = self
        c.tokens = nil
        c.tokensComputedAt = nil
        c.textHash = nil
        return c
    }
}
