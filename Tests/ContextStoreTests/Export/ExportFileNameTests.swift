import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Export file names (SPEC.md section 10): the old layer's own names wherever a project id
/// is a valid file name, escapes for the others, and never two projects in one file. The
/// oracles are Python: the old layer's reader (`Tests/Oracles/old_layer.py`) and the rule
/// written in Python (`ImportTestSupport.exportNamesPython`).
@Suite struct ExportFileNameTests {
    /// Three segments of `project`, created in January, February and March 2024 (so a
    /// monthly export writes three files).
    static func segments(_ project: String) -> [ContextSegment] {
        (0..<3).map { i in
            var s = ImportTestSupport.segment("s\(i)", project: project, text: "segment \(i) of \(debugQuote(project))", i: i)
            s.createdAt = Timestamp(utcMicroseconds: 1_704_067_200_000_000 + Int64(i) * 40 * 86_400_000_000)
            return s
        }
    }

    static let months = ["2024-01", "2024-02", "2024-03"]

    /// A store in `dir` holding `segments(p)` for each of `projects`.
    static func store(_ dir: String, _ projects: [String]) async throws -> ContextStore {
        let store = try ContextStore.open(directory: dir)
        for p in projects { try await store.put(segments(p)) }
        return store
    }

    static func hex(_ s: String) -> String { Array(s.utf8).jsonTestHex }

    /// Python's names for `projects` (SPEC.md section 10), for the format's suffix.
    static func pythonNames(_ projects: [String], _ format: ExportFormat) -> [ByteKey: String]? {
        let script = ImportTestSupport.exportNamesPython + #"""
import sys
suffix = int(sys.argv[1])
pids = [bytes.fromhex(h).decode() for h in sys.argv[2:]]
for p, n in names(pids, suffix).items():
    print(p.encode().hex(), n.encode().hex())
"""#
        let suffix = format == .monthly ? "13" : "5"
        guard let out = JSONTestSupport.python(script, [suffix] + projects.map(hex)) else { return nil }
        var names: [ByteKey: String] = [:]
        for line in String(decoding: out, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map {
                String(decoding: JSONTestSupport.bytes(hex: String($0)), as: UTF8.self)
            }
            names[ByteKey(parts[0])] = parts[1]
        }
        return names
    }

    /// What the old layer's reader finds for each project under `root`: sharded, the ids of
    /// `stashed/<project_id>.json` (nil if there is no such file) and whether every segment
    /// there belongs to the project; monthly, the ids per month of
    /// `stashed/<project_id>_<YYYY-MM>.json`.
    static func oldLayerReads(_ root: String, _ format: ExportFormat, _ projects: [String]) -> [String: Any]? {
        let script = #"""
import json, sys
from old_layer import load_project, load_project_months
root, monthly = sys.argv[1], sys.argv[2] == "monthly"
out = {}
for h in sys.argv[3:]:
    pid = bytes.fromhex(h).decode()
    if monthly:
        out[h] = {m: [s["segment_id"] for s in ss if s["project_id"] == pid] for m, ss in load_project_months(root, pid).items()}
    else:
        ss = load_project(root, pid)
        out[h] = None if ss is None else [s["segment_id"] for s in ss if s["project_id"] == pid] + ([] if all(s["project_id"] == pid for s in ss) else ["<another project>"])
print(json.dumps(out))
"""#
        guard let out = JSONTestSupport.python(script, [root, format.rawValue] + projects.map(hex)) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(out))) as? [String: Any]
    }

    /// The file names directly in `out/stashed`, as bytes; records an issue if anything else
    /// than that directory and regular files in it is under `out`.
    static func stashedNames(_ out: String) throws -> Set<[UInt8]> {
        let top = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(top == ["stashed"], "\(top)")
        var names = Set<[UInt8]>()
        for name in try FileManager.default.contentsOfDirectory(atPath: out + "/stashed") {
            var isDir: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: out + "/stashed/" + name, isDirectory: &isDir) && !isDir.boolValue, "\(name)")
            names.insert(Array(name.utf8))
        }
        return names
    }

    static func expectedFiles(_ names: [String], _ format: ExportFormat) -> Set<[UInt8]> {
        Set(names.flatMap { n in format == .monthly ? months.map { Array((n + "_" + $0 + ".json").utf8) } : [Array((n + ".json").utf8)] })
    }

    /// Ids with a space, non-ASCII letters, a leading dot, control characters, or exactly the
    /// longest name (242 bytes + `_YYYY-MM.json` = 255) keep their names, and Python's old-layer
    /// reader finds each project's segments under them.
    @Test(arguments: [ExportFormat.sharded, .monthly])
    func theOldLayerFindsEveryProjectUnderItsOwnName(format: ExportFormat) async throws {
        let tmp = TempDir("export-names"); defer { tmp.cleanup() }
        let projects = ["with space", "gamma-\u{FC}n\u{EF}", ".hidden", "plain", "tab\tand\nnewline", "caf\u{E9}", "cafe\u{301}",
                        "%41", "x.json", String(repeating: "\u{E9}", count: 121)]
        let store = try await Self.store(tmp.sub("store"), projects)
        let out = tmp.sub("out")
        let report = try await store.export(to: out, format: format)
        #expect(report.segments == 3 * projects.count)
        #expect(try Self.stashedNames(out) == Self.expectedFiles(projects, format))
        #expect(Set(report.files.map { Array($0.utf8) }) == Set(Self.expectedFiles(projects, format).map { Array(out.utf8) + Array("/stashed/".utf8) + $0 }))
        for p in ["with space", "gamma-\u{FC}n\u{EF}", ".hidden"] {
            let file = out + "/stashed/" + p + (format == .monthly ? "_2024-01" : "") + ".json"
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
        }
        guard let found = Self.oldLayerReads(out, format, projects) else { return }
        for p in projects {
            let ids = try store.get(project: p, ids: ["s0", "s1", "s2"]).map(\.segmentID)
            #expect(ids == ["s0", "s1", "s2"])
            if format == .monthly {
                let byMonth = found[Self.hex(p)] as? [String: [String]]
                #expect(byMonth == Dictionary(uniqueKeysWithValues: zip(Self.months, ids.map { [$0] })), "\(debugQuote(p)): \(String(describing: byMonth))")
            } else {
                #expect(found[Self.hex(p)] as? [String] == ids, "\(debugQuote(p)): \(String(describing: found[Self.hex(p)]))")
            }
        }
        store.close()
    }

    /// Ids that are no valid file name (`/`, empty, `.`, `..`, NUL, too long with the suffix:
    /// 251 bytes for sharded files, 243 for monthly ones) are escaped, inside `stashed/`, as
    /// Python's rule says; each file holds its project's segments only.
    @Test(arguments: [ExportFormat.sharded, .monthly])
    func idsThatAreNoFileNameAreEscapedInsideTheOutput(format: ExportFormat) async throws {
        let tmp = TempDir("export-escaped"); defer { tmp.cleanup() }
        let projects = ["a/b", "", ".", "..", "../x", "/", "nul\u{0}x", String(repeating: "p", count: 300),
                        String(repeating: "q", count: 242), String(repeating: "r", count: 243), String(repeating: "s", count: 250),
                        String(repeating: "t", count: 251)]
        let store = try await Self.store(tmp.sub("store"), projects)
        let out = tmp.sub("out")
        let report = try await store.export(to: out, format: format)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted() == ["out", "store"])
        guard let names = Self.pythonNames(projects, format) else { return }
        #expect(names.count == projects.count)
        let escaped = format == .monthly ? ["r", "s", "t"] : ["t"]
        for c in ["q", "r", "s", "t"] {
            let p = projects.first { $0.hasPrefix(c) && $0.utf8.count >= 242 }!
            #expect((names[ByteKey(p)] == p) == !escaped.contains(c), "\(c) x \(p.utf8.count)")
        }
        let ours = try ExportFileNames.names(for: projects, storeProjects: store.projectIDs(), format == .monthly ? .monthly : .sharded)
        for p in projects {
            #expect(ours[ByteKey(p)].map { Array($0.utf8) } == names[ByteKey(p)].map { Array($0.utf8) }, "\(debugQuote(p))")
        }
        #expect(try Self.stashedNames(out) == Self.expectedFiles(projects.map { names[ByteKey($0)]! }, format))
        for p in projects {
            let name = names[ByteKey(p)]!
            let suffixes = format == .monthly ? Self.months.map { "_" + $0 } : [""]
            for suffix in suffixes {
                let segments = try SegmentFileReader(path: out + "/stashed/" + name + suffix + ".json").readAll()
                #expect(segments.allSatisfy { $0.projectID.utf8.elementsEqual(p.utf8) } && !segments.isEmpty, "\(debugQuote(p))")
            }
        }
        #expect(report.files.count == projects.count * (format == .monthly ? 3 : 1))
        store.close()
    }

    /// A literal name that is also another id's escape (`a%2Fb` and `a/b`, `%` and the empty
    /// id, `%2E` and `.`, `%2E.` and `..`, and names built to take the `~<hash>` form too):
    /// the literal id keeps its name, the escaped one gets a distinct name, Python's rule
    /// agrees, the old layer finds the literal projects, and export then import gives back
    /// every project intact. Exporting one project alone gives it the same name.
    @Test(arguments: [ExportFormat.sharded, .monthly])
    func collidingNamesGetDistinctFilesAndRoundTrip(format: ExportFormat) async throws {
        let tmp = TempDir("export-collide"); defer { tmp.cleanup() }
        let long = String(repeating: "p", count: 300)
        let hash = { (s: String) in String(SHA256.hexDigest(of: s).prefix(16)) }
        let literal = ["a%2Fb", "%", "%2E", "%2E.", "a%2Fb~" + hash("a/b"), ExportFileNames.escape(long)]
        let projects = literal + ["a/b", "", ".", "..", long]
        let store = try await Self.store(tmp.sub("store"), projects)
        let out = tmp.sub("out")
        _ = try await store.export(to: out, format: format)
        guard let names = Self.pythonNames(projects, format) else { return }
        for p in literal { #expect(names[ByteKey(p)] == p, "\(p)") }
        #expect(names[ByteKey("a/b")] == "a%2Fb~" + hash("a/b") + "~2")
        #expect(names[ByteKey(long)] == ExportFileNames.escape(long) + "~" + hash(long))
        #expect(Set(names.values.map { Array($0.utf8) }).count == projects.count)
        #expect(try Self.stashedNames(out) == Self.expectedFiles(projects.map { names[ByteKey($0)]! }, format))

        // The old layer reads the literal projects, each with its own segments only.
        guard let found = Self.oldLayerReads(out, format, literal) else { return }
        for p in literal {
            if format == .monthly {
                #expect(found[Self.hex(p)] as? [String: [String]] == ["2024-01": ["s0"], "2024-02": ["s1"], "2024-03": ["s2"]], "\(p)")
            } else {
                #expect(found[Self.hex(p)] as? [String] == ["s0", "s1", "s2"], "\(p)")
            }
        }

        // Export, then import: every project comes back intact.
        let target = try ContextStore.open(directory: tmp.sub("target"))
        let report = try await target.importFiles([out])
        #expect(report.segments == 3 * projects.count)
        let before = try await ImportTestSupport.liveSegments(store)
        let after = try await ImportTestSupport.liveSegments(target)
        #expect(Set(after.keys) == Set(projects.map(ByteKey.init)))
        for (key, segments) in before { #expect(after[key] == segments, "\(String(decoding: key.bytes, as: UTF8.self))") }
        target.close()

        // One project exported alone gets the name it has among all of them.
        let alone = tmp.sub("alone")
        let single = try await store.export(to: alone, format: format, projects: ["a/b"])
        #expect(single.files.map { ($0 as NSString).lastPathComponent }.allSatisfy { $0.hasPrefix("a%2Fb~" + hash("a/b") + "~2") })
        #expect(!single.files.isEmpty)
        store.close()
    }

    /// Names for ids built from `%`, hex digits, `.`, `/`, `~`, NUL and `é`, with the escapes
    /// of some of them (and those with a `~<hash>`) added as ids: pairwise different, valid
    /// file names with either suffix, literal ids kept, independent of the ids' order, and
    /// what Python's rule gives.
    @Test func namesAreDistinctValidAndPythonsForAdversarialIds() {
        var rng = TestRNG(seed: testSeed)
        let alphabet = ["a", "%", "2", "F", "E", ".", "/", "~", "\u{0}", "\u{E9}", "0"]
        var ids = Set<ByteKey>()
        var list: [String] = []
        func add(_ s: String) { if ids.insert(ByteKey(s)).inserted { list.append(s) } }
        for _ in 0..<400 {
            let n = Int(rng.next() % 7)
            let id = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
            add(id)
            if rng.next() % 3 == 0 { add(ExportFileNames.escape(id)) }
            if rng.next() % 5 == 0 { add(ExportFileNames.escape(id) + "~" + String(SHA256.hexDigest(of: id).prefix(16))) }
        }
        for n in [180, 181, 242, 243, 250, 251, 300] { add(String(repeating: "%", count: n)) }
        for format in [ExportFormat.sharded, .monthly] {
            let suffix: ExportFileNames.Suffix = format == .monthly ? .monthly : .sharded
            let names = ExportFileNames.names(for: list, storeProjects: [], suffix)
            #expect(names.count == list.count)
            #expect(Set(names.values.map(ByteKey.init)).count == list.count, "two projects share a name")
            for id in list {
                let name = names[ByteKey(id)]!
                #expect(ExportFileNames.isLiteral(name, suffix), "\(debugQuote(name))")
                if ExportFileNames.isLiteral(id, suffix) { #expect(name.utf8.elementsEqual(id.utf8)) }
            }
            var shuffled = list
            shuffled.shuffle(using: &rng)
            let again = ExportFileNames.names(for: shuffled.prefix(50).map { $0 }, storeProjects: shuffled, suffix)
            #expect(again.mapValues { Array($0.utf8) } == names.mapValues { Array($0.utf8) }, "the names depend on the order")
            guard let python = Self.pythonNames(list, format) else { return }
            #expect(python.mapValues { Array($0.utf8) } == names.mapValues { Array($0.utf8) })
        }
    }
}
