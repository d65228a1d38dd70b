import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `ctxstore import`: the summary on stdout, errors on stderr with a failure status.
@Suite struct ImportCommandTests {
    /// A segment the store keeps exactly as given (see `Samples.trusted`).
    static func segment(_ id: String, project: String = "p", i: Int = 0) -> ContextSegment {
        Samples.trusted(id, project: project, i: i, textHash: SHA256.hexDigest(of:))
    }

    @Test func importPrintsAJSONSummaryAndABadFileFails() async throws {
        let tmp = TempDir("import-cli"); defer { tmp.cleanup() }
        let segments = (0..<40).map { Self.segment("s\($0)", project: $0 % 4 == 0 ? "../x" : "p", i: $0) }
        let file = tmp.sub("in.ndjson")
        try SegmentFiles.write(file, try SegmentFiles.bytes(segments, as: .ndjson))
        let storeDir = tmp.sub("store")

        let (status, out, err) = try runCtxstore(["import", "--store", storeDir, "--json", file])
        #expect(status == 0, "\(err)")
        let summary = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        #expect(summary?["segments"] as? Int == segments.count)
        #expect(summary?["bytes"] as? Int == SegmentFiles.read(file).count)
        #expect((summary?["mb_per_s"] as? Double ?? 0) > 0)
        let files = summary?["files"] as? [[String: Any]]
        #expect(files?.count == 1 && files?[0]["format"] as? String == "ndjson" && files?[0]["path"] as? String == file)

        // A bad file after a good one: non-zero exit, the path and segment on stderr, nothing imported.
        var bad = try SegmentFiles.bytes((0..<5).map { Self.segment("b\($0)", project: "q", i: $0) }, as: .sharded)
        bad = Array(String(decoding: bad, as: UTF8.self).replacingOccurrences(of: "\"b3\"", with: "\"b3\", \"b3\"").utf8)
        let badFile = tmp.sub("bad.json")
        try SegmentFiles.write(badFile, bad)
        let good = tmp.sub("good.ndjson")
        try SegmentFiles.write(good, try SegmentFiles.bytes([Self.segment("g", project: "q")], as: .ndjson))
        let (badStatus, badOut, badErr) = try runCtxstore(["import", "--store", storeDir, "--json", good, badFile])
        #expect(badStatus != 0)
        #expect(badOut.isEmpty)
        #expect(badErr.contains(badFile + ": segment 3 (line "), "\(badErr)")
        #expect(badErr.contains("nothing was imported"))

        let store = try ContextStore.open(directory: storeDir)
        #expect(try store.projectIDs().map(ByteKey.init) == ["../x", "p"].map(ByteKey.init))
        #expect(try store.totals(project: "q") == nil)
        #expect(try store.totals(project: "p")?.segments == 30)
        store.close()

        let (helpStatus, helpText, _) = try runCtxstore(["import", "--help"])
        let help = helpText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(helpStatus == 0 && help.contains("storage.json first, then stashed/*.json") && help.contains("nothing is imported"))
    }
}
