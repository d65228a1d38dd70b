import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Migration from a directory of the old layer, and which version wins when an id repeats.
@Suite struct ImportMigrationTests {
    /// What the store must hold after reading `files` in order: per project, the last version
    /// of each id, in the order of latest write (the old layer's rule).
    static func expectedLive(_ files: [[ContextSegment]]) -> [ByteKey: [ContextSegment]] {
        var out: [ByteKey: [ContextSegment]] = [:]
        for file in files {
            for s in file {
                let key = ByteKey(s.projectID)
                out[key, default: []].removeAll { $0.segmentID.utf8.elementsEqual(s.segmentID.utf8) }
                out[key, default: []].append(s)
            }
        }
        return out
    }

    static func version(_ s: ContextSegment, _ v: Int) -> ContextSegment {
        ImportTestSupport.segment(s.segmentID, project: s.projectID, text: "\(s.segmentID) version \(v)", i: v)
    }

    /// storage.json + stashed/<p>.json + stashed/<p>_2024-05.json (and strays): everything
    /// imports with the documented precedence, the strays are reported, and the directory is
    /// byte-identical afterwards.
    @Test func anOldLayerDirectoryImportsWithItsPrecedenceAndIsLeftUntouched() async throws {
        let tmp = TempDir("import-migrate"); defer { tmp.cleanup() }
        let old = tmp.sub("old")
        let seg = { (id: String, project: String, v: Int) in
            ImportTestSupport.segment(id, project: project, text: "\(id) of \(project) version \(v)", i: v)
        }
        // The legacy file: the oldest versions.
        let legacy = [seg("a", "p", 1), seg("b", "p", 1), seg("c", "p", 1), seg("a", "../x", 1), seg("z", "q", 1)]
        // The current sharded file of p: newer a, new d.
        let shard = [seg("a", "p", 2), seg("d", "p", 2)]
        // A month file of p (sorts after p.json): newer d and c, new e.
        let month = [seg("d", "p", 3), seg("e", "p", 3), seg("c", "p", 3)]
        // ../x's sharded file, under its escaped name.
        let shardX = [seg("a", "../x", 2), seg("b", "../x", 2)]
        try SegmentFiles.write(old + "/storage.json", try SegmentFiles.bytes(legacy, as: .legacy))
        try SegmentFiles.write(old + "/stashed/p.json", try SegmentFiles.bytes(shard, as: .sharded))
        try SegmentFiles.write(old + "/stashed/p_2024-05.json", try SegmentFiles.bytes(month, as: .sharded))
        try SegmentFiles.write(old + "/stashed/" + ExportFileNames.escape("../x") + ".json",
                                    try SegmentFiles.bytes(shardX, as: .sharded))
        // Strays: not read, reported.
        try SegmentFiles.write(old + "/README.txt", Array("notes".utf8))
        try SegmentFiles.write(old + "/stashed/p.json.bak", Array("{not json".utf8))
        try SegmentFiles.write(old + "/stashed/log.ndjson", Array("{not json\n".utf8))
        try SegmentFiles.write(old + "/archive/x.json", Array("{not json".utf8))
        try FileManager.default.createDirectory(atPath: old + "/stashed/sub.json", withIntermediateDirectories: true)
        let before = treeSnapshot(old)

        let store = try ContextStore.open(directory: tmp.sub("store"))
        let report = try await store.importFiles([old])
        // Order: storage.json, then stashed/*.json in byte order of the names.
        let shardNames = ["p.json", "p_2024-05.json", ExportFileNames.escape("../x") + ".json"]
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(report.files.map(\.path) == [old + "/storage.json"] + shardNames.map { old + "/stashed/" + $0 })
        #expect(report.files.map(\.format) == [.legacy, .sharded, .sharded, .sharded])
        #expect(Set(report.ignored) == Set(["README.txt", "stashed/p.json.bak", "stashed/log.ndjson", "archive", "stashed/sub.json"].map { old + "/" + $0 }))
        #expect(report.segments == legacy.count + shard.count + month.count + shardX.count)

        var byName: [String: [ContextSegment]] = ["p.json": shard, "p_2024-05.json": month]
        byName[ExportFileNames.escape("../x") + ".json"] = shardX
        let expected = Self.expectedLive([legacy] + shardNames.map { byName[$0]! })
        let live = try await ImportTestSupport.liveSegments(store)
        #expect(Set(live.keys) == Set(expected.keys))
        for (key, segments) in expected {
            #expect(live[key] == segments, "\(debugQuote(String(decoding: key.bytes, as: UTF8.self)))")
        }
        // The newest versions won (spelled out: the model above must agree with the rule).
        #expect(try store.get(project: "p", ids: ["a", "c", "d"]).map(\.text) == ["a of p version 2", "c of p version 3", "d of p version 3"])
        #expect(try store.get(project: "../x", ids: ["a"]).first?.text == "a of ../x version 2")
        store.close()
        #expect(treeSnapshot(old) == before, "the old layer's directory changed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: old + "/stashed").sorted()
            == ["log.ndjson", "p.json", "p.json.bak", "p_2024-05.json", "sub.json", ExportFileNames.escape("../x") + ".json"].sorted())
    }

    @Test func aDirectoryThatIsNotAnOldLayerIsRefused() async throws {
        let tmp = TempDir("import-notold"); defer { tmp.cleanup() }
        try SegmentFiles.write(tmp.sub("dir/notes.json"), try SegmentFiles.bytes([ImportTestSupport.segment("a")], as: .sharded))
        let store = try ContextStore.open(directory: tmp.sub("store"))
        let e = await ImportTestSupport.importError(store, [tmp.sub("dir")])
        #expect(e?.path == tmp.sub("dir") && e?.reason == .notAnOldLayerDirectory)
        try await ImportTestSupport.expectEmpty(store)
        store.close()
    }

    /// The same id twice in one file (on both sides of a chunk boundary, too) and across
    /// files: the later version wins and takes the later place.
    @Test func laterVersionsSupersedeEarlierOnes() async throws {
        let tmp = TempDir("import-supersede"); defer { tmp.cleanup() }
        let n = ImportChunking.maxSegments + 100
        var first = (0..<n).map { ImportTestSupport.segment("s\($0)", i: $0) }
        first.append(Self.version(first[0], 2))  // in another chunk than its first version
        first.append(Self.version(first[n - 1], 2))  // in the same chunk
        let second = [Self.version(first[1], 3), Self.version(first[0], 3), ImportTestSupport.segment("new", project: "q")]
        let a = tmp.sub("a.ndjson"), b = tmp.sub("b.json")
        try SegmentFiles.write(a, try SegmentFiles.bytes(first, as: .ndjson))
        try SegmentFiles.write(b, try SegmentFiles.bytes(second, as: .sharded))
        let store = try ContextStore.open(directory: tmp.sub("store"))
        let report = try await store.importFiles([a, b])
        #expect(report.segments == first.count + second.count)
        let expected = Self.expectedLive([first, second])
        let live = try await ImportTestSupport.liveSegments(store)
        #expect(live[ByteKey("p")] == expected[ByteKey("p")])
        #expect(live[ByteKey("q")] == expected[ByteKey("q")])
        #expect(try store.totals(project: "p")?.segments == n)
        #expect(try store.get(project: "p", ids: ["s0", "s1", "s\(n - 1)"]).map(\.text)
            == ["s0 version 3", "s1 version 3", "s\(n - 1) version 2"])
        #expect(live[ByteKey("p")]?.suffix(3).map(\.segmentID) == ["s\(n - 1)", "s1", "s0"])
        store.close()
    }
}
