import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Import and export are inverses: files Python wrote come back byte for byte, and a store
/// exported and imported again holds the same live segments.
@Suite struct ImportRoundTripTests {
    /// Round trip A: random segments (non-ASCII, control and astral characters, every
    /// datetime form pydantic writes, empty tags, null fields, projects such as `../x`, `a/b`,
    /// the empty id and a 300-byte id) written by Python in the old layer's layouts, imported
    /// into a fresh store and exported in the same form: the trees are identical.
    @Test(arguments: ExportFormat.allCases)
    func pythonFilesComeBackByteForByte(format: ExportFormat) async throws {
        guard let layout = ImportTestSupport.pythonLayout(seed: 20_251_208, count: 250) else { return }
        defer { JSONTestSupport.remove(layout.root) }
        let tmp = TempDir("import-rt-a"); defer { tmp.cleanup() }
        let input = layout.root + "/" + format.rawValue
        let before = treeSnapshot(input)
        #expect(!before.isEmpty)

        let store = try ContextStore.open(directory: tmp.sub("store"))
        // Directories for the old layer's layouts, the file itself for NDJSON.
        let path = format == .ndjson ? input + "/segments.ndjson" : input
        var progressCalls = 0, lastRead = 0
        let report = try await store.importFiles([path]) { p in
            progressCalls += 1
            #expect(p.bytesRead >= lastRead && p.bytesRead <= p.totalBytes)
            lastRead = p.bytesRead
        }
        #expect(report.segments == layout.segments)
        #expect(report.files.map(\.segments).reduce(0, +) == layout.segments)
        #expect(report.bytes == before.values.reduce(0) { $0 + $1.count })
        #expect(report.ignored.isEmpty)
        #expect(progressCalls >= report.files.count && lastRead == report.bytes)
        let expectedForm: SegmentFileFormat = switch format {
        case .ndjson: .ndjson
        case .legacy: .legacy
        case .sharded, .monthly: .sharded
        }
        #expect(report.files.allSatisfy { $0.format == expectedForm })
        #expect(try store.projectIDs().count == layout.projects)

        let out = tmp.sub("out")
        _ = try await store.export(to: out, format: format)
        let after = treeSnapshot(out)
        #expect(Set(after.keys) == Set(before.keys))
        for (rel, bytes) in before {
            let same = after[rel] == bytes
            #expect(same, "\(format): \(rel) differs after import and export")
        }
        store.close()
        #expect(treeSnapshot(input) == before, "the input was modified")
    }

    /// Round trip B: a store filled by `put` (supersedes, deletes, unsafe project ids),
    /// exported in each form and imported into a fresh store, has the same live segments.
    @Test func aStoreExportedAndImportedHasTheSameLiveSegments() async throws {
        let tmp = TempDir("import-rt-b"); defer { tmp.cleanup() }
        let source = try ContextStore.open(directory: tmp.sub("source"))
        var rng = TestRNG(seed: testSeed)
        let projects = ["p", "../x", "a/b", "", "caf\u{E9}", "cafe\u{301}", "nul\u{0}", String(repeating: "long/", count: 80)]
        for _ in 0..<6 {
            var batch: [ContextSegment] = []
            for _ in 0..<60 {
                let p = projects[Int(rng.next() % UInt64(projects.count))]
                var s = Samples.segment(&rng, id: "s\(rng.next() % 40)", project: p)
                s.text += " \u{0}\u{1F}\u{7F}\u{2028}\u{1F600}"
                batch.append(s)
            }
            try await source.put(batch)
            let p = projects[Int(rng.next() % UInt64(projects.count))]
            try await source.delete(project: p, ids: (0..<5).map { _ in "s\(rng.next() % 40)" })
        }
        let expected = try await ImportTestSupport.liveSegments(source)
        #expect(expected.count == projects.count)

        for format in ExportFormat.allCases {
            let out = tmp.sub("out-\(format.rawValue)")
            let exported = try await source.export(to: out, format: format)
            let target = try ContextStore.open(directory: tmp.sub("target-\(format.rawValue)"))
            let path = format == .ndjson ? out + "/segments.ndjson" : out
            let report = try await target.importFiles([path])
            #expect(report.segments == exported.segments)
            #expect(try Set(target.projectIDs().map(ByteKey.init)) == Set(source.projectIDs().map(ByteKey.init)), "\(format)")
            if format == .legacy || format == .ndjson {
                // One file in the source's project order: creation order is kept too.
                #expect(try target.projectIDs().map(ByteKey.init) == source.projectIDs().map(ByteKey.init), "\(format)")
            }
            let live = try await ImportTestSupport.liveSegments(target)
            for (key, segments) in expected {
                let p = String(decoding: key.bytes, as: UTF8.self)
                let got = live[key] ?? []
                if format == .monthly {
                    // A project's months are read in calendar order: same segments, and each
                    // month keeps the order of latest write.
                    #expect(Set(got.map { ByteKey($0.segmentID) }) == Set(segments.map { ByteKey($0.segmentID) }), "\(format) \(debugQuote(p))")
                } else {
                    #expect(got == segments, "\(format) \(debugQuote(p))")
                }
                #expect(try target.get(project: p, ids: segments.map(\.segmentID)) == segments, "\(format) \(debugQuote(p))")
                #expect(try target.totals(project: p) == source.totals(project: p), "\(format) \(debugQuote(p))")
            }
            target.close()
        }
        source.close()
    }

    /// Segments without a trusted token cache get one (counted with the store's tokenizer);
    /// every other field is stored as written.
    @Test func segmentsWithoutATokenCacheGetOneAndNothingElseChanges() async throws {
        let tmp = TempDir("import-tokens"); defer { tmp.cleanup() }
        var originals: [ContextSegment] = []
        for i in 0..<12 {
            var s = ImportTestSupport.segment("s\(i)", text: "naïve café \(i) \u{1F600} tokens", i: i)
            switch i % 3 {
            case 0: s.tokens = nil; s.textHash = nil  // no cache: counted
            case 1: s.textHash = String(repeating: "0", count: 64)  // stale hash: counted again
            default: s.textHash = nil  // count kept, hash filled in
            }
            originals.append(s)
        }
        let file = tmp.sub("in.ndjson")
        try SegmentFiles.write(file, try SegmentFiles.bytes(originals, as: .ndjson))
        let store = try ContextStore.open(directory: tmp.sub("store"))
        try await store.importFiles([file])
        let tokenizer = try store.tokens.loadTokenizer()
        let stored = try store.get(project: "p", ids: originals.map(\.segmentID))
        #expect(stored.count == originals.count)
        for (o, s) in zip(originals, stored) {
            #expect(s.withoutTokenCache == o.withoutTokenCache)
            #expect(s.textHash == SHA256.hexDigest(of: o.text))
            if o.tokens != nil && o.textHash == nil {
                #expect(s.tokens == o.tokens && s.tokensComputedAt == o.tokensComputedAt)
            } else {
                #expect(s.tokens == tokenizer.count(o.text) && s.tokensComputedAt != nil)
            }
        }
        store.close()
    }
}
