import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `ctxstore stash` and `unstash`: JSON or text on stdout, the ids it could not move on
/// stderr (or in the JSON) with status 2, and help that names the tiers.
/// (The tier moves themselves are tested through the library in ActiveTierStoreTests.)
@Suite struct StashCommandTests {
    private static let epoch: Int64 = 1_700_000_000_000_000

    /// A plain segment in project p: `put` counts its tokens (with the built-in vocabulary).
    func seg(_ id: String, text: String, tier: SegmentTier = .working) -> ContextSegment {
        ContextSegment(segmentID: id, text: text, type: .note, projectID: "p",
                       createdAt: Timestamp(utcMicroseconds: Self.epoch), tier: tier)
    }

    /// The store in `dir`, opened as ActiveTierStoreTests opens it by default.
    func open(_ dir: String) throws -> ContextStore {
        var c = Configuration()
        c.durability = .syncEachBatch
        c.activeTierMaxSegments = 10_000
        c.activeTierMaxBytes = 64 << 20
        return try ContextStore.open(directory: dir, configuration: c)
    }

    /// Three working segments and a stashed one; returns the token count of each.
    func prepareForCLI(_ dir: String) async throws -> [String: Int] {
        let store = try open(dir)
        defer { store.close() }
        for i in 1...3 { try await store.store(seg("w\(i)", text: String(repeating: "cli words \(i) ", count: i * 5))) }
        try await store.put(seg("st", text: "a stashed segment", tier: .stashed))
        let all = try store.get(project: "p", ids: ["w1", "w2", "w3", "st"])
        return Dictionary(uniqueKeysWithValues: all.map { ($0.segmentID, $0.tokens ?? 0) })
    }

    /// The tier of each of `ids` in project p.
    func tiers(_ dir: String, _ ids: [String]) async throws -> [String: SegmentTier] {
        let store = try open(dir)
        defer { store.close() }
        return Dictionary(uniqueKeysWithValues: try store.get(project: "p", ids: ids).map { ($0.segmentID, $0.tier) })
    }

    @Test func stashCommandPrintsJSONAndFailsOnIDsItCannotMove() async throws {
        let tmp = TempDir("tier-cli-json"); defer { tmp.cleanup() }
        let tokens = try await prepareForCLI(tmp.path)
        let (status, out, err) = try runCtxstore(["stash", "--store", tmp.path, "--project", "p", "--json", "w2", "nope", "w1", "st"])
        #expect(status == 2, "stderr: \(err)")  // done, but not all that was asked for
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "stdout: \(out)")
        #expect(Set(object.keys) == ["moved", "tokens", "errors"])
        #expect(object["moved"] as? [String] == ["w2", "w1"])
        #expect(object["tokens"] as? Int == tokens["w2"]! + tokens["w1"]!)
        #expect(object["errors"] as? [String: String] == [
            "nope": TierChangeError.unknownID.description,
            "st": TierChangeError.wrongTier(.stashed).description,
        ])
        #expect(try await tiers(tmp.path, ["w1", "w2", "w3", "st"]) == ["w1": .stashed, "w2": .stashed, "w3": .working, "st": .stashed])

        let (ok, okOut, okErr) = try runCtxstore(["unstash", "--store", tmp.path, "--project", "p", "--json", "w1"])
        #expect(ok == 0 && okErr.isEmpty, "stderr: \(okErr)")
        let okObject = try #require(try JSONSerialization.jsonObject(with: Data(okOut.utf8)) as? [String: Any])
        #expect(okObject["moved"] as? [String] == ["w1"] && okObject["tokens"] as? Int == tokens["w1"]!)
        #expect((okObject["errors"] as? [String: String])?.isEmpty == true)
        #expect(try await tiers(tmp.path, ["w1"]) == ["w1": .working])
    }

    @Test func unstashCommandPrintsTextAndReportsErrorsOnStderr() async throws {
        let tmp = TempDir("tier-cli-text"); defer { tmp.cleanup() }
        let tokens = try await prepareForCLI(tmp.path)
        let (status, out, err) = try runCtxstore(["stash", "--store", tmp.path, "--project", "p", "w3", "w2"])
        #expect(status == 0 && err.isEmpty, "stderr: \(err)")
        #expect(out.split(separator: "\n").map(String.init) == ["stashed w3", "stashed w2", "2 segment(s) stashed, \(tokens["w3"]! + tokens["w2"]!) token(s)"])

        let (status2, out2, err2) = try runCtxstore(["unstash", "--store", tmp.path, "--project", "p", "w2", "ghost", "w1", "st"])
        #expect(status2 == 2)
        #expect(out2.split(separator: "\n").map(String.init) == ["unstashed w2", "unstashed st",
                                               "2 segment(s) unstashed, \(tokens["w2"]! + tokens["st"]!) token(s)"])
        #expect(err2.split(separator: "\n").map(String.init) == ["ghost: \(TierChangeError.unknownID)", "w1: \(TierChangeError.wrongTier(.working))"])
        #expect(try await tiers(tmp.path, ["w1", "w2", "w3", "st"]) == ["w1": .working, "w2": .working, "w3": .stashed, "st": .working])
    }

    @Test func stashAndUnstashExplainThemselves() throws {
        for command in ["stash", "unstash"] {
            let (status, out, _) = try runCtxstore([command, "--help"])
            #expect(status == 0)
            for word in ["--project", "--json", "--store", "stderr", "stashed", "working"] {
                #expect(out.contains(word), "\(command) --help mentions \(word)")
            }
        }
        let (status, out, _) = try runCtxstore(["--help"])
        #expect(status == 0 && out.contains("stash") && out.contains("unstash"))
    }
}
