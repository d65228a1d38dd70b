import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Export writes exactly what Python's json module writes for the same objects (checked
/// by having python3 re-serialize each file and comparing bytes), in the order of latest
/// write, and reads back to the store's live segments.
@Suite struct ExportTests {
    @Test func everyFormatIsWhatPythonWouldWriteAndReadsBack() async throws {
        let tmp = TempDir("export"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.sub("store"))
        var rng = TestRNG(seed: testSeed)
        let projects = ["p", "../x", "", "caf\u{E9}", "cafe\u{301}", ".hidden", String(repeating: "long/", count: 100)]
        // Keyed by bytes: "caf\u{E9}" and "cafe\u{301}" are different projects.
        var order: [ByteKey: [String]] = [:]
        for i in 0..<300 {
            let p = projects[Int(rng.next() % UInt64(projects.count))]
            let id = "s\(rng.next() % 60)"
            var s = Samples.segment(&rng, id: id, project: p)
            s.text += " \u{7F}\u{2028}\u{1F600}\u{0}\t\"\\/ \(i)"
            if rng.next() % 7 == 0 {
                try await store.delete(project: p, ids: [id])
                order[ByteKey(p), default: []].removeAll { $0 == id }
            } else {
                try await store.put(s)
                order[ByteKey(p), default: []].removeAll { $0 == id }
                order[ByteKey(p), default: []].append(id)
            }
        }
        for format in ExportFormat.allCases {
            let out = tmp.sub("out-\(format.rawValue)")
            let report = try await store.export(to: out, format: format)
            #expect(report.segments == order.values.reduce(0) { $0 + $1.count })
            // Nothing outside --out, no temporary file left.
            for rel in try FileManager.default.subpathsOfDirectory(atPath: out) {
                #expect(!rel.hasSuffix(".tmp") && !rel.contains(".."), "\(rel)")
            }
            for file in report.files {
                #expect(file.hasPrefix(out + "/"))
                try checkPythonWritesTheSame(file, format: format)
            }
            // Reading back gives the live segments in latest-write order.
            var seen: [ByteKey: [ContextSegment]] = [:]
            for file in report.files {
                let reader = try SegmentFileReader(path: file)
                while let s = try reader.next() { seen[ByteKey(s.projectID), default: []].append(s) }
            }
            for (key, ids) in order where !ids.isEmpty {
                let p = String(decoding: key.bytes, as: UTF8.self)
                if format == .monthly {
                    #expect(Set(seen[key]?.map(\.segmentID) ?? []) == Set(ids))
                } else {
                    #expect(seen[key]?.map(\.segmentID) == ids, "\(format) \(debugQuote(p))")
                    #expect(seen[key] == (try store.get(project: p, ids: ids)))
                }
            }
        }
        // Distinct projects get distinct, safe file names (ExportFileNameTests has the rule).
        for suffix in [ExportFileNames.Suffix.sharded, .monthly] {
            let names = ExportFileNames.names(for: projects, storeProjects: [], suffix)
            #expect(Set(names.values.map(ByteKey.init)).count == projects.count)
            for n in names.values { #expect(ExportFileNames.isLiteral(n, suffix), "\(debugQuote(n))") }
        }
        store.close()
    }

    func checkPythonWritesTheSame(_ file: String, format: ExportFormat) throws {
        let script: String
        switch format {
        case .ndjson:
            script = """
                import json, sys
                data = open(sys.argv[1], encoding="utf-8", newline="").read()
                lines = data.split("\\n")  # not splitlines(): U+2028 is inside a line
                assert lines[-1] == ""
                again = "".join(json.dumps(json.loads(l), ensure_ascii=False, separators=(",", ":")) + "\\n" for l in lines[:-1])
                sys.exit(0 if again == data else 1)
                """
        default:
            script = """
                import json, sys
                data = open(sys.argv[1], encoding="utf-8", newline="").read()
                sys.exit(0 if json.dumps(json.loads(data), indent=2) == data else 1)
                """
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, file]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "python3 writes \(file) differently")
    }
}
