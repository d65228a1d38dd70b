import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The command line as a new user meets it: read commands that never create a store, the
/// default store under $HOME, `compact`, `search --batch` error lines, timestamps and
/// values that are checked with messages a person can act on, `--version`, exit statuses.
@Suite struct CommandLineContractTests {
    /// NDJSON segments for `put`: project p, three ids, one of them with a tag.
    static func ndjson(_ segments: [ContextSegment]) -> Data {
        Data(segments.flatMap { JSONSegmentEncoder.encode($0) + [0x0A] })
    }

    static func segment(_ id: String, _ text: String, tags: [String] = [], day: Int = 1) -> ContextSegment {
        ContextSegment(segmentID: id, text: text, type: .code, projectID: "p",
                       createdAt: try! Timestamp(iso8601: String(format: "2025-01-%02dT12:00:00Z", day)),
                       filePath: "src/\(id).c", lineRange: LineRange(3, 9), tags: tags, tier: .stashed)
    }

    func makeStore(_ dir: String) throws {
        let input = Self.ndjson([Self.segment("s1", "mmap region code\nsecond line", tags: ["h"], day: 1),
                                 Self.segment("s2", "mmap flags", day: 5),
                                 Self.segment("s3", "unrelated text", day: 9)])
        let (status, _, err) = try runCtxstore(["put", "--store", dir], stdin: input)
        try #require(status == 0, "put: \(err)")
    }

    @Test func readCommandsOnAMissingStoreFailAndCreateNothing() throws {
        let tmp = TempDir("cli-nostore"); defer { tmp.cleanup() }
        let missing = tmp.sub("no/such/store")
        let empty = tmp.sub("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        let queries = tmp.sub("q.jsonl")
        try Data(#"{"project": "p"}"#.utf8).write(to: URL(fileURLWithPath: queries))
        for dir in [missing, empty] {
            for args in [["search", "--project", "p", "--query", "x"], ["stats"], ["get", "--project", "p", "id"],
                         ["export", "--out", tmp.sub("out")], ["verify"], ["search", "--batch", queries],
                         ["backup", "--to", tmp.sub("copy")]] {
                let (status, out, err) = try runCtxstore(args + ["--store", dir])
                #expect(status == 1, "\(args): \(err)")
                #expect(err.contains("no store at \(dir)"), "\(args): \(err)")
                #expect(out.isEmpty, "\(args): \(out)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("no")))
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("copy")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("out")))
        // A delete in a store that does not exist yet creates the store (a write command) but
        // not the project, and reports the id.
        let (status, _, err) = try runCtxstore(["delete", "--store", missing, "--project", "p", "x"])
        #expect(status == 2 && err.contains("not live: x"), "\(err)")
        let store = try ContextStore.open(directory: missing)
        #expect(try store.projectIDs().isEmpty)
        store.close()
    }

    /// Without --store and $CONTEXTSTORE_PATH, the store is $HOME/.contextstore, whatever the
    /// password database says.
    @Test func theDefaultStoreIsUnderHOME() throws {
        let tmp = TempDir("cli-home"); defer { tmp.cleanup() }
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = tmp.path
        env["CONTEXTSTORE_PATH"] = nil
        let (status, _, err) = try runCtxstore(["put"], stdin: Self.ndjson([Self.segment("h1", "at home")]), environment: env)
        #expect(status == 0, "\(err)")
        #expect(FileManager.default.fileExists(atPath: tmp.sub(".contextstore/MANIFEST")))
        let (s2, out, _) = try runCtxstore(["get", "--project", "p", "h1", "--json"], environment: env)
        #expect(s2 == 0 && out.contains("at home"))
    }

    @Test func searchPrintsWhereEachHitIsAndTakesDatesAlone() throws {
        let tmp = TempDir("cli-search"); defer { tmp.cleanup() }
        try makeStore(tmp.path)
        let (status, out, err) = try runCtxstore(["search", "--store", tmp.path, "--project", "p", "--query", "mmap"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("2 match(es) for \"mmap\" in project p"), "\(out)")
        #expect(out.contains("src/s1.c:3-9") && out.contains("mmap region code") && !out.contains("second line"), "\(out)")
        // A date alone, as put accepts it.
        let (s2, out2, err2) = try runCtxstore(["search", "--store", tmp.path, "--project", "p", "--query", "mmap",
                                                "--created-after", "2025-01-03", "--json"])
        #expect(s2 == 0, "\(err2)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out2.utf8)) as? [String: Any])
        #expect(object["total_matches"] as? Int == 1)
        // A wordless query and a "" filter match nothing, as in the old layer.
        for args in [["--query", "!!!"], ["--file-path", ""], ["--task-id", ""]] {
            let (s, o, _) = try runCtxstore(["search", "--store", tmp.path, "--project", "p", "--json"] + args)
            #expect(s == 0 && o.hasPrefix("{\"total_matches\":0,"), "\(args): \(o)")
        }
    }

    @Test func badValuesGetMessagesAPersonCanActOn() throws {
        let tmp = TempDir("cli-values"); defer { tmp.cleanup() }
        try makeStore(tmp.path)
        let base = ["search", "--store", tmp.path, "--project", "p"]
        let cases: [([String], [String])] = [
            (["--limit", "-1"], ["--limit must be positive"]),
            (["--type", "banana"], ["--type", "banana", "message, code, log, note, decision, summary"]),
            (["--tier", "hot"], ["--tier", "working, stashed, archive"]),
            (["--order", "best"], ["--order", "relevance, recent"]),
            (["--created-after", "2025-13-01"], ["--created-after", "at character 6"]),
            (["--created-before", "2025-01-01T10:61"], ["at character 15"]),
        ]
        for (args, needles) in cases {
            let (status, _, err) = try runCtxstore(base + args)
            #expect(status == 64, "\(args): \(status) \(err)")
            for n in needles { #expect(err.contains(n), "\(args): \(err)") }
        }
        let (s1, _, e1) = try runCtxstore(["serch", "--store", tmp.path])
        #expect(s1 == 64 && e1.contains("unknown command 'serch'") && e1.contains("Did you mean 'search'?"), "\(e1)")
        let (s2, _, e2) = try runCtxstore(["compcat"])
        #expect(s2 == 64 && e2.contains("Did you mean 'compact'?"), "\(e2)")
        let (s3, out3, _) = try runCtxstore(["--version"])
        #expect(s3 == 0 && out3.contains(ContextStoreVersion.release), "\(out3)")
        let (s4, out4, _) = try runCtxstore(["--help"])
        #expect(s4 == 0 && out4.contains("Exit status") && out4.contains("64 usage error"), "\(out4)")
    }

    /// An I/O error while the store seals at close (here: writing the index file) is not
    /// silent: the command says the store did not close cleanly and exits with status 1;
    /// what it stored is all there at the next open.
    @Test func aFailedCloseIsReported() throws {
        let tmp = TempDir("cli-close"); defer { tmp.cleanup() }
        let store = tmp.sub("s")
        // Enough records that the close seals them (it leaves a small memtable in the log).
        let lines = (0..<1100).map {
            #"{"segment_id":"c\#($0)","text":"closing words \#($0)","type":"note","project_id":"p","created_at":"2026-01-01T00:00:00","last_touched_at":"2026-01-01T00:00:00"}"#
        }.joined(separator: "\n") + "\n"
        var env = ProcessInfo.processInfo.environment
        env["CONTEXTSTORE_INJECT_FAULT"] = "pwrite:1:5:\(store)/projects/0000000000000001/index"
        let (status, _, err) = try runCtxstore(["put", "--store", store], stdin: Data(lines.utf8), environment: env)
        #expect(status == 1 && err.contains("did not close cleanly") && err.contains(".idx"), "\(status) \(err)")
        let (s2, out2, _) = try runCtxstore(["get", "--store", store, "--project", "p", "c0", "c1", "c1099", "--json"])
        #expect(s2 == 0 && out2.contains("\"c0\"") && out2.contains("\"c1099\""), "\(out2)")
        let (s3, _, e3) = try runCtxstore(["verify", "--store", store])
        #expect(s3 == 0, "\(e3)")
    }

    /// `put` writes batches in order while it parses and prepares the next: when one fails
    /// (a full disk at its write), the batches before it are stored, none after it, and the
    /// message says how many were stored.
    @Test func aPutWhoseBatchFailsStoresExactlyTheBatchesBeforeIt() throws {
        let tmp = TempDir("cli-put-prefix"); defer { tmp.cleanup() }
        let store = tmp.sub("s")
        #expect(try runCtxstore(["put", "--store", store], stdin: Self.ndjson([Self.segment("first", "made")])).0 == 0)
        let lines = Self.ndjson((0..<40).map { Self.segment("c\($0)", "prefix words \($0)") })
        var env = ProcessInfo.processInfo.environment
        // The second write to the project's log finds the disk full (batches of 2; the
        // writer may have taken up to the pipeline's 4 batches in flight into the first).
        env["CONTEXTSTORE_INJECT_FAULT"] = "pwrite:2:28:\(store)/projects/0000000000000001/log"
        let (status, _, err) = try runCtxstore(["put", "--store", store, "--batch", "2"], stdin: lines, environment: env)
        let stored = err.firstMatch(of: /(\d+) segment\(s\) were stored before the error/).flatMap { Int($0.1) }
        #expect(status == 1 && err.contains("none of the failed batch of 2 was, nor any after it"), "\(status) \(err)")
        guard let stored else { Issue.record("the count stored is said: \(err)"); return }
        #expect(stored >= 2 && stored <= 8 && stored % 2 == 0, "\(err)")
        let (_, out, _) = try runCtxstore(["get", "--store", store, "--project", "p"] + (0..<40).map { "c\($0)" } + ["--json"])
        #expect((0..<stored).allSatisfy { out.contains("\"c\($0)\"") } && !(stored..<40).contains { out.contains("\"c\($0)\"") },
                "exactly the first \(stored): \(out)")
    }

    /// An argument that is not UTF-8 (Swift would decode it with U+FFFD, addressing another
    /// project) is refused with status 64, the argument's bytes shown, and nothing created.
    @Test func argumentsThatAreNotUTF8AreRefused() throws {
        let tmp = TempDir("cli-utf8"); defer { tmp.cleanup() }
        let store = tmp.sub("s")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The shell passes the raw byte 0xFF, which a Swift String argument could not.
        p.arguments = ["-c", #"exec "$0" stash --store "$1" --project "$(printf 'a\377b')" some-id"#, try ctxstoreBinary(), store]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 64, "\(message)")
        #expect(message.contains("not valid UTF-8") && message.contains("a\\xffb"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: store), "nothing is created")
    }

    /// Reads work beside a holder; a write to a holder that takes no forwarded writes (the
    /// one case where waiting cannot help) fails at once, naming the holder.
    @Test func aLockedStoreNamesItsHolder() throws {
        let tmp = TempDir("cli-locked"); defer { tmp.cleanup() }
        var exclusive = Configuration()
        exclusive.acceptForwardedWrites = false
        let store = try ContextStore.open(directory: tmp.path, configuration: exclusive)
        defer { store.close() }
        let (s1, out1, err1) = try runCtxstore(["stats", "--store", tmp.path])
        #expect(s1 == 0, "\(out1)\(err1)")
        let (status, _, err) = try runCtxstore(["delete", "--store", tmp.path, "--project", "p", "x"])
        #expect(status == 1)
        #expect(err.contains("locked by process \(getpid())") && err.contains("wait for that process"), "\(err)")
    }

    /// Every bad line of a batch answers with an error line in its place, and the run goes on.
    @Test func batchErrorsAreLinesNotDroppedFilters() throws {
        let tmp = TempDir("cli-batch"); defer { tmp.cleanup() }
        try makeStore(tmp.path)
        let lines = [
            #"{"project": "p", "query": "mmap"}"#,
            #"{"project": "p", "query": "mmap", "filters": {"colour": "red"}}"#,
            #"{"project": "p", "query": "mmap", "filters": {"file_path": null}}"#,
            #"{"project": "p", "query": "mmap", "filters": {"type": "banana"}}"#,
            #"{"project": "p", "query": "mmap", "filters": {"tag": "h"}}"#,
            #"{"project": "p", "query": "mmap", "filters": {"tags": ["h"], "tag": "nope"}}"#,
            #"{"project": "p", "query": "mmap", "limit": "3"}"#,
            #"not json"#,
            #"{"project": "p", "query": "mmap", "sort": "x"}"#,
            #"{"project": "p", "query": "!!!"}"#,
            #"{"project": "p", "query": "mmap", "filters": {"created_after": "2025-01-03"}}"#,
        ]
        let file = tmp.sub("q.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
        let (status, out, err) = try runCtxstore(["search", "--store", tmp.path, "--batch", file])
        #expect(status == 0, "\(err)")
        let rows = out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        try #require(rows.count == lines.count + 1, "\(out)")
        func total(_ i: Int) -> Int? { rows[i]["total_matches"] as? Int }
        func error(_ i: Int) -> String { rows[i]["error"] as? String ?? "" }
        #expect(total(0) == 2)
        #expect(error(1).contains("colour"))
        #expect(error(2).contains("file_path") && error(2).contains("null"))
        #expect(error(3).contains("banana") && error(3).contains("summary"))
        #expect(total(4) == 1)  // the old layer's one-tag key
        #expect(total(5) == 0)  // tag adds to tags: both must be present
        #expect(error(6).contains("limit"))
        #expect(error(7).contains("JSON"))
        #expect(error(8).contains("sort"))
        #expect(total(9) == 0)
        #expect(total(10) == 1)
        #expect(rows.last?["queries"] as? Int == 5 && rows.last?["errors"] as? Int == 6, "\(out)")
    }

    /// `compact` reclaims what updates and deletes left behind and says so.
    @Test func compactReclaimsSpace() throws {
        let tmp = TempDir("cli-compact"); defer { tmp.cleanup() }
        let text = String(repeating: "lorem ipsum dolor sit amet ", count: 200)
        let first = (0..<300).map { Self.segment("c\($0)", "\($0) " + text) }
        #expect(try runCtxstore(["put", "--store", tmp.path], stdin: Self.ndjson(first)).0 == 0)
        let updated = (0..<150).map { Self.segment("c\($0)", "v2 \($0) " + text) }
        #expect(try runCtxstore(["put", "--store", tmp.path], stdin: Self.ndjson(updated)).0 == 0)
        #expect(try runCtxstore(["delete", "--store", tmp.path, "--project", "p"] + (150..<250).map { "c\($0)" }).0 == 0)
        let (status, out, err) = try runCtxstore(["compact", "--store", tmp.path, "--json"])
        #expect(status == 0, "\(err)")
        let r = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
        let before = try #require(r["before"] as? [String: Any]), after = try #require(r["after"] as? [String: Any])
        // 300 puts + 150 updates + 100 tombstones in; 200 live segments out.
        #expect(before["records"] as? Int == 550)
        #expect(after["records"] as? Int == 200)
        let (b, a) = (try #require(before["bytes"] as? Int), try #require(after["bytes"] as? Int))
        #expect(a < b * 6 / 10, "before \(b), after \(a)")
        #expect(r["reclaimed_bytes"] as? Int == b - a)
        #expect(try ContextStore.verify(directory: tmp.path).isSound)
        let (s2, text2, _) = try runCtxstore(["compact", "--store", tmp.path])
        #expect(s2 == 0 && text2.contains("reclaimed"), "\(text2)")
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        #expect(try store.totals(project: "p")?.segments == 200)
    }
}
