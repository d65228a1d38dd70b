import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `ctxstore backup`: run from another process while this one holds the store and writes;
/// the copy passes `ctxstore verify` and holds the segments; `--json`, `--copy`; a target
/// that is not empty and a failed sync exit with status 1 and leave no MANIFEST.
@Suite struct BackupCommandTests {
    static func segment(_ id: String) -> ContextSegment {
        ContextSegment(segmentID: id, text: "copied words \(id)", type: .note, projectID: "p",
                       createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000), tier: .stashed)
    }

    @Test func aBackupOfAHeldStoreVerifiesAndReportsAsJSON() async throws {
        let tmp = TempDir("cli-backup"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        var c = Configuration()
        c.indexSealDocs = 8
        c.logFileSize = 8 << 10
        c.autoCompaction = false
        // This process holds the store: the command reads beside it.
        let holder = try ContextStore.open(directory: dir, configuration: c)
        defer { holder.close() }
        try await holder.put((0..<30).map { Self.segment("s\($0)") })

        let copy = tmp.sub("copy")
        let (s1, out1, e1) = try runCtxstore(["backup", "--store", dir, "--to", copy])
        #expect(s1 == 0 && out1.isEmpty && e1.contains("backed up 1 project(s) to \(copy)") && e1.contains("linked"), "\(s1) \(e1)")
        let (s2, out2, e2) = try runCtxstore(["verify", "--store", copy])
        #expect(s2 == 0 && out2.hasPrefix("sound: 1 projects") && out2.contains(" 30 records"), "\(out2) \(e2)")
        let (s3, out3, e3) = try runCtxstore(["get", "--store", copy, "--project", "p", "s0", "s29", "--json"])
        #expect(s3 == 0 && out3.contains("\"s0\"") && out3.contains("\"s29\""), "\(out3) \(e3)")

        try await holder.put(Self.segment("late"))
        let copy2 = tmp.sub("copies/2")
        let (s4, out4, e4) = try runCtxstore(["backup", "--store", dir, "--to", copy2, "--json", "--copy"])
        try #require(s4 == 0, "\(e4)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out4.utf8)) as? [String: Any], "\(out4)")
        #expect(json["directory"] as? String == copy2 && json["projects"] as? Int == 1, "\(json)")
        #expect(json["linked_files"] as? Int == 0 && (json["copied_files"] as? Int ?? 0) > 1
                && json["files"] as? Int == json["copied_files"] as? Int, "\(json)")
        #expect((json["bytes"] as? Int ?? 0) > 0 && json["bytes"] as? Int == json["copied_bytes"] as? Int, "\(json)")
        #expect(json["publish_number"] is Int && json["seconds"] is Double, "\(json)")
        let (s5, out5, _) = try runCtxstore(["verify", "--store", copy2, "--json"])
        #expect(s5 == 0 && out5.contains("\"records\":31"), "\(out5)")

        // A target that is not empty: refused, nothing written.
        let (s6, _, e6) = try runCtxstore(["backup", "--store", dir, "--to", copy])
        #expect(s6 == 1 && e6.contains("cannot back up into \(copy): it is not empty"), "\(e6)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy).sorted() == ["LOCK", "MANIFEST", "projects"])

        // A sync that fails (through the engine's fault seam): status 1, no MANIFEST, nothing left.
        let copy3 = tmp.sub("copy3")
        var env = ProcessInfo.processInfo.environment
        env["CONTEXTSTORE_INJECT_FAULT"] = "fdatasync:1:5:\(copy3)"
        let (s7, _, e7) = try runCtxstore(["backup", "--store", dir, "--to", copy3], environment: env)
        #expect(s7 == 1 && e7.contains("fdatasync"), "\(s7) \(e7)")
        #expect(!FileManager.default.fileExists(atPath: copy3), "a failed backup removes what it wrote")
        let (s8, _, _) = try runCtxstore(["verify", "--store", dir])
        #expect(s8 == 0)
    }

    @Test func backupHelpExplainsTheCopy() throws {
        let (status, out, _) = try runCtxstore(["backup", "--help"])
        #expect(status == 0)
        for words in ["Online and consistent", "hard-linked", "--copy", "MANIFEST", "verify", "Exit status", "--to <DIR>"] {
            #expect(out.contains(words), "\(words): \(out)")
        }
    }
}
