import ContextStoreTestSupport
import Foundation
import Testing

@testable import ContextStore

/// Damage at rest (SPEC.md sections 5.1, 6 and 9): a store with sealed and unsealed data
/// in two projects is copied while open (what a crash leaves), then every kind of file in
/// the copy (log, index, deletion, MANIFEST) has a bit flipped or a 4 KiB page zeroed at
/// many offsets, one damage per trial. After each:
/// - `verify` reports it, naming the file and an offset;
/// - an open either fails with a typed error, changing no byte, or opens; then every
///   search and get answers exactly as the undamaged store does, or throws. The one
///   loss allowed is a cut torn tail, which open reports: the project then answers as it did
///   after one of its earlier write calls;
/// - a read that found a damaged index file leaves a marker, and the next open rebuilds
///   the project's index from the log and answers exactly as before.
///
/// `CONTEXTSTORE_DAMAGE_OFFSETS=N` damages N offsets of each file instead of the default 6.
@Suite struct DamageTests {
    static let projects = ["p", "q"]

    static func configuration() -> Configuration {
        var c = Configuration()
        c.indexSealDocs = 8
        c.autoCompaction = false
        c.acceptForwardedWrites = false  // no socket file in the copy
        return c
    }

    static func segment(_ project: String, _ n: Int, round: Int) -> ContextSegment {
        let idents = ["alpha_beta", "gammaDelta", "parseHTTPHeader", "mmap_region"]
        return ContextSegment(
            segmentID: "\(project)-\(n)",
            text: "common group\(n % 4) round\(round) unique\(n) \(idents[n % 4]) text of segment \(n) in \(project)\nsecond line \(n)",
            type: n % 3 == 0 ? .code : .note, projectID: project, taskID: "t\(n % 2)",
            createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(round * 1000 + n)),
            filePath: "src/file\(n % 5).swift", tags: n % 2 == 0 ? ["red"] : ["blue", "green"],
            tier: n % 4 == 1 ? .working : .stashed)
    }

    /// Everything a reader can ask of one project, as text: searches of every kind (so that
    /// every section of an index file is read by one of them), gets of every id ever
    /// written, the working set and the totals.
    static func answers(_ store: ContextStore, _ project: String) throws -> [String] {
        var out: [String] = []
        func search(_ label: String, _ q: SearchQuery) throws {
            let r = try store.search(q)
            let ids = q.order == .recent ? r.segments.map(\.segmentID) : r.segments.map(\.segmentID).sorted()
            out.append("\(label): \(r.totalMatches) \(ids)")
        }
        for word in ["common", "group1", "unique3", "round2", "gro*", "second line"] {
            try search(word, SearchQuery(project: project, query: word, limit: 200))
        }
        for word in ["alpha", "http header", "gammaDelta", "file3", "src", "mmap_region uniq*"] {
            try search("any \(word)", SearchQuery(project: project, query: word, limit: 200, mode: .any))
        }
        let filters: [(String, SearchFilters)] = [
            ("file_path", SearchFilters(filePath: "src/file3.swift")), ("task_id", SearchFilters(taskID: "t1")),
            ("tag", SearchFilters(tags: ["green"])), ("type", SearchFilters(type: .code)),
            ("tier", SearchFilters(tier: .working)),
        ]
        for (label, f) in filters { try search(label, SearchQuery(project: project, query: "common", filters: f, limit: 200)) }
        try search("recent", SearchQuery(project: project, limit: 200, order: .recent))
        let ids = (0..<60).map { "\(project)-\($0)" }
        out.append("get: \(try store.get(project: project, ids: ids).map { "\($0.segmentID)=\($0.text)|\($0.tier)" })")
        out.append("working: \(try store.loadSegments(project: project).map(\.segmentID))")
        out.append("totals: \(String(describing: try store.totals(project: project)))")
        return out
    }

    /// Builds the store and returns, per project, its answers after each write call since
    /// its last seal (the last one is the truth). The directory `image` is a copy taken
    /// while the store was open: its active files hold the unsealed tail.
    static func makeStore(_ dir: String, image: String) async throws -> [String: [[String]]] {
        let store = try ContextStore.open(directory: dir, configuration: configuration())
        var history: [String: [[String]]] = [:]
        for project in projects {
            for round in 0..<3 {
                try await store.put((0..<10).map { segment(project, round * 10 + $0, round: round) })
            }
            // Kills of sealed docs (an update and deletes), sealed by the next put.
            try await store.put([segment(project, 12, round: 7), segment(project, 25, round: 7)])
            _ = try await store.delete(project: project, ids: ["\(project)-3", "\(project)-14", "\(project)-21"])
            try await store.put((30..<40).map { segment(project, $0, round: 3) })
            history[project] = [try answers(store, project)]
            // The unsealed tail: one batch per call, so a cut tail undoes whole calls.
            try await store.put([segment(project, 40, round: 4), segment(project, 41, round: 4)])
            history[project]!.append(try answers(store, project))
            try await store.put([segment(project, 5, round: 8)])
            history[project]!.append(try answers(store, project))
            _ = try await store.delete(project: project, ids: ["\(project)-7", "\(project)-33"])
            history[project]!.append(try answers(store, project))
            try await store.put([segment(project, 42, round: 5)])
            history[project]!.append(try answers(store, project))
        }
        try copyFiles(dir, to: image)
        store.close()
        return history
    }

    static func copyFiles(_ from: String, to: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: to, withIntermediateDirectories: true)
        for rel in try fm.subpathsOfDirectory(atPath: from).sorted() {
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: from + "/" + rel, isDirectory: &isDir)
            if isDir.boolValue {
                try fm.createDirectory(atPath: to + "/" + rel, withIntermediateDirectories: true)
            } else {
                try fm.copyItem(atPath: from + "/" + rel, toPath: to + "/" + rel)
            }
        }
    }

    /// Every file's bytes (LOCK aside, which an open writes), to check that a refused
    /// open changed nothing.
    static func contents(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let fm = FileManager.default
        for rel in try fm.subpathsOfDirectory(atPath: dir) where rel != "LOCK" {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + rel))
            }
        }
        return out
    }

    enum Damage: CustomStringConvertible {
        case flip(offset: Int, bit: Int)
        case zeroPage(offset: Int)
        var description: String {
            switch self {
            case let .flip(o, b): return "bit \(b) of byte \(o) flipped"
            case let .zeroPage(o): return "page at \(o) zeroed"
            }
        }
    }

    /// Offsets spread over the file: the first bytes (headers), evenly spaced ones, the
    /// last bytes (footers, checksums); pages at the start and in the middle.
    static func damages(size: Int, count: Int) -> [Damage] {
        var offsets = Set([0, 9, 13, 30, 45, size / 2, size - 1, size - 13])
        for k in 1...max(1, count) { offsets.insert(size * k / (count + 1)) }
        var out = offsets.filter { $0 >= 0 && $0 < size }.sorted().prefix(count + 8).enumerated().map {
            Damage.flip(offset: $0.element, bit: $0.offset % 8)
        }
        out.append(.zeroPage(offset: 0))
        if size > 8192 { out.append(.zeroPage(offset: size / 2 / 4096 * 4096)) }
        return out
    }

    static func apply(_ damage: Damage, to path: String) throws {
        let handle = try Foundation.FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        switch damage {
        case let .flip(offset, bit):
            try handle.seek(toOffset: UInt64(offset))
            var byte = try handle.read(upToCount: 1)!
            byte[0] ^= UInt8(1 << bit)
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: byte)
        case let .zeroPage(offset):
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: Data(count: min(4096, size - offset)))
        }
    }

    @Test func damageAnywhereNeverGivesAWrongAnswer() async throws {
        let tmp = TempDir("damage"); defer { tmp.cleanup() }
        let image = tmp.sub("image")
        let history = try await Self.makeStore(tmp.sub("live"), image: image)
        let truth = history.mapValues { $0.last! }
        let perFile = ProcessInfo.processInfo.environment["CONTEXTSTORE_DAMAGE_OFFSETS"].flatMap(Int.init) ?? 6
        let files = try Self.contents(image).keys.sorted()
        var kinds = Set<String>()
        for rel in files { kinds.insert(rel == "MANIFEST" ? "MANIFEST" : String(rel.split(separator: ".").last!)) }
        #expect(kinds.isSuperset(of: ["MANIFEST", "log", "idx", "del"]), "the image has every kind of file: \(kinds)")
        var outcomes: [String: Int] = [:]
        var trials = 0
        for rel in files {
            let size = try Self.contents(image)[rel]!.count
            for damage in Self.damages(size: size, count: perFile) {
                trials += 1
                let dir = tmp.sub("trial\(trials)")
                try Self.copyFiles(image, to: dir)
                try Self.apply(damage, to: dir + "/" + rel)
                let what = "\(rel): \(damage)"
                let outcome = try await Self.trial(dir, file: rel, what: what, truth: truth, history: history,
                                                   verifyFirst: !rel.hasSuffix(".idx") || trials % 2 == 0)
                outcomes[outcome, default: 0] += 1
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
        print("DamageTests: \(trials) damages over \(files.count) files: \(outcomes.sorted { $0.key < $1.key })")
        #expect(outcomes["wrong"] == nil)
    }

    /// A reader beside a holder cannot rebuild on disk: it finds the damage through a read,
    /// and a reader opened after that (the marker is there) indexes the project's whole log
    /// in memory and answers exactly; the holder's next open rebuilds on disk.
    @Test func aReaderAnswersFromTheLogWhenAnIndexFileIsDamaged() async throws {
        let tmp = TempDir("damage-reader"); defer { tmp.cleanup() }
        let image = tmp.sub("image")
        let truth = try await Self.makeStore(tmp.sub("live"), image: image).mapValues { $0.last! }
        let index = image + "/projects/0000000000000001/index/00000001.idx"
        // A bit inside the sections (past the header, before the footer).
        let size = try #require(try FileManager.default.attributesOfItem(atPath: index)[.size] as? Int)
        try Self.apply(.flip(offset: size / 3, bit: 4), to: index)
        let holder = try ContextStore.open(directory: image, configuration: Self.configuration())
        defer { holder.close() }
        #expect(holder.recoveryReport.rebuiltIndexes.isEmpty, "open reads no section")
        let first = try ContextStore.open(directory: image, mode: .readOnly, configuration: Self.configuration())
        #expect(throws: StoreError.self) { _ = try Self.answers(first, "p") }
        first.close()
        #expect(FileManager.default.fileExists(atPath: IndexFormat.damageMarker(forIndexFile: index)))
        let second = try ContextStore.open(directory: image, mode: .readOnly, configuration: Self.configuration())
        defer { second.close() }
        #expect(try Self.answers(second, "p") == truth["p"])
        #expect(try Self.answers(second, "q") == truth["q"])
    }

    /// One damaged store: returns how it went (an outcome name for the summary).
    static func trial(_ dir: String, file rel: String, what: String, truth: [String: [String]],
                      history: [String: [[String]]], verifyFirst: Bool) async throws -> String {
        let path = dir + "/" + rel
        // Half the trials verify first (verify then leaves the marker and the open rebuilds);
        // the others read first, so that the read finds the damage.
        if verifyFirst { try checkVerify(dir, path: path, what: what) }
        // Verify may leave a damage marker (index files): the open below then rebuilds.
        let before = try contents(dir)
        let store: ContextStore
        do {
            store = try ContextStore.open(directory: dir, configuration: configuration())
        } catch {
            let after = try contents(dir)
            #expect(after == before, "a refused open changed nothing (\(what)): \(error)")
            if !verifyFirst { try checkVerify(dir, path: path, what: what) }
            return "open refused"
        }
        var outcome = store.recoveryReport.rebuiltIndexes.isEmpty ? "answered" : "rebuilt at open"
        var cut = Set<String>()
        for t in store.recoveryReport.tornTails {
            for p in projects where t.file.contains("/projects/000000000000000\(p == "p" ? 1 : 2)/") { cut.insert(p) }
        }
        var sawIndexDamage = false
        for project in projects {
            do {
                let got = try answers(store, project)
                if got == truth[project] { continue }
                if cut.contains(project), history[project]!.contains(got) { outcome = "tail cut"; continue }
                Issue.record("\(what): \(project) answered wrongly without an error:\n\(diff(got, truth[project]!))")
                return "wrong"
            } catch let error as StoreError {
                if case let .corruption(file, _, _) = error, file.hasSuffix(".idx") { sawIndexDamage = true }
                outcome = "read failed"
            }
        }
        store.close()
        if !verifyFirst {
            // An open that rebuilt the index published a MANIFEST that no longer names the
            // damaged file: its report is what names it then.
            if store.recoveryReport.rebuiltIndexes.isEmpty {
                try checkVerify(dir, path: path, what: what)
            } else {
                #expect(store.recoveryReport.rebuiltIndexes.contains { $0.contains(path) }, "\(what): \(store.recoveryReport)")
            }
        }
        if sawIndexDamage {
            // The read left a marker: the next open rebuilds and answers exactly.
            let again = try ContextStore.open(directory: dir, configuration: configuration())
            defer { again.close() }
            #expect(!again.recoveryReport.rebuiltIndexes.isEmpty, "\(what): the marked index is rebuilt")
            for project in projects where !cut.contains(project) {
                #expect(try answers(again, project) == truth[project], "\(what): answers after the rebuild")
            }
            outcome = "read failed, rebuilt"
        }
        return outcome
    }

    /// verify reports the damage, naming the file and an offset.
    static func checkVerify(_ dir: String, path: String, what: String) throws {
        // verify reports damage it can read past; a MANIFEST it cannot read is its error.
        var lines: [String]
        do {
            let report = try ContextStore.verify(directory: dir)
            lines = report.problems + report.warnings
        } catch {
            lines = ["\(error)"]
        }
        let named = lines.filter { $0.contains(path) }
        #expect(!named.isEmpty, "verify names \(what): \(lines)")
        #expect(named.isEmpty || named.contains { $0.range(of: #"(offset|at) \d+"#, options: .regularExpression) != nil },
                "verify gives an offset for \(what): \(named)")
    }

    static func diff(_ a: [String], _ b: [String]) -> String {
        zip(a, b).filter { $0 != $1 }.map { "  got:  \($0)\n  want: \($1)" }.joined(separator: "\n")
    }
}
