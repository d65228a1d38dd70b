import ContextStore
import ContextStoreTestSupport
import Foundation
import Testing

/// The CLI's write commands while a holder child holds the store: each is forwarded to the
/// holder (it exits 0, it does not wait for the lock), and what it wrote is visible to the
/// read commands run next and to the store once the holder has closed.
///
/// The holder is idle here; `compactWhileTheHolderIngestsReturns` forwards a compaction to
/// a holder that ingests without pause.
extension MultiProcessTests {
    @Test func writeCommandsForwardToTheHolder() async throws {
        let tmp = TempDir("mp-cli"); defer { tmp.cleanup() }
        let holder = try ChildProcess(Self.holder(tmp.path, ["--idle"]))
        defer { if holder.isRunning { holder.signal(SIGKILL) } }
        try await Self.expectLine(holder) { $0 == "ready" }
        let store = ["--store", tmp.path]
        func seg(_ id: String, _ text: String) -> ContextSegment {
            ContextSegment(segmentID: id, text: text, type: .note, projectID: "cli",
                           createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000))
        }

        let put = try SegmentFiles.bytes([seg("p0", "forwarded put zero"), seg("p1", "forwarded put one"),
                                          seg("p2", "forwarded put two")], as: .ndjson)
        let (s1, _, e1) = try runCtxstore(["put"] + store, stdin: Data(put))
        #expect(s1 == 0, "put: \(e1)")
        let (s2, o2, e2) = try runCtxstore(["delete"] + store + ["--project", "cli", "--json", "p1"])
        #expect(s2 == 0 && o2.contains(#""deleted":["p1"]"#), "delete: \(e2) \(o2)")
        let file = tmp.sub("in.ndjson")
        try SegmentFiles.write(file, try SegmentFiles.bytes([seg("i0", "imported zero"), seg("i1", "imported one")], as: .ndjson))
        let (s3, _, e3) = try runCtxstore(["import"] + store + [file])
        #expect(s3 == 0, "import: \(e3)")
        let (s4, _, e4) = try runCtxstore(["compact"] + store)
        #expect(s4 == 0, "compact: \(e4)")

        // What they wrote, seen by the read commands while the holder still runs.
        let (s5, o5, e5) = try runCtxstore(["search"] + store + ["--project", "cli", "--limit", "100", "--json"])
        #expect(s5 == 0, "search: \(e5)")
        let object = try JSONSerialization.jsonObject(with: Data(o5.utf8)) as? [String: Any]
        let ids = Set((object?["segments"] as? [[String: Any]] ?? []).compactMap { $0["segment_id"] as? String })
        #expect(ids == ["p0", "p2", "i0", "i1"], "search --json: \(o5)")
        let (s6, o6, e6) = try runCtxstore(["get"] + store + ["--project", "cli", "--json", "p2", "i1"])
        #expect(s6 == 0, "get: \(e6)")
        let texts = o6.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["text"] as? String
        }
        #expect(texts == ["forwarded put two", "imported one"], "get --json: \(o6)")
        #expect(holder.isRunning, "the holder stopped while the CLI wrote")

        holder.signal(SIGTERM)
        let (status, _, description) = await holder.exitSummary()
        #expect(status == 0, "\(description)")
        let reopened = try ContextStore.open(directory: tmp.path)
        defer { reopened.close() }
        #expect(Set(try reopened.scan(project: "cli").map(\.segmentID)) == ["p0", "p2", "i0", "i1"])
    }

    /// A full compaction asked of a holder that ingests without pause (small seals, so the
    /// background compaction always has a next job) returns: the compaction thread takes
    /// the request before the background pass's next job (it once waited for the pass,
    /// which never ended).
    @Test func compactWhileTheHolderIngestsReturns() async throws {
        let tmp = TempDir("mp-compact-busy"); defer { tmp.cleanup() }
        let holder = try ChildProcess(Self.holder(tmp.path, ["--seal-docs", "50"]))
        defer { if holder.isRunning { holder.signal(SIGKILL) } }
        try await Self.expectLine(holder) { $0 == "ack 2000" }
        let compact = try ChildProcess(["compact", "--store", tmp.path])
        defer { if compact.isRunning { compact.signal(SIGKILL) } }
        let (status, signaled, description) = await compact.exitSummary(timeout: 60)
        #expect(status == 0 && !signaled, "compact beside an ingesting holder: \(description)")
        holder.signal(SIGTERM)
        #expect(await holder.waitForExit().status == 0)
    }
}
