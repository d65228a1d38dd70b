import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Several handles on one store in one process (the multi-process tests, with real child
/// processes and SIGKILL, are in ctxstoreTests/MultiProcess*): forwarding handles, read-only
/// handles and refresh, files held by readers across compactions, takeover, forwarded
/// import transactions, and the holder's answers to a repeated request id.
@Suite struct ManyHandlesTests {
    static func segment(_ id: String, project: String = "p", text: String? = nil) -> ContextSegment {
        ContextSegment(segmentID: id, text: text ?? "alpha \(id) words", type: .note, projectID: project,
                       createdAt: .now(), tier: .stashed)
    }

    static func ids(_ store: ContextStore, _ project: String = "p") throws -> Set<String> {
        Set(try store.scan(project: project).map(\.segmentID))
    }

    @Test func aSecondReadWriteHandleForwardsAndReadsItsOwnWrites() async throws {
        let tmp = TempDir("fwd"); defer { tmp.cleanup() }
        let holder = try ContextStore.open(directory: tmp.path)
        defer { holder.close() }
        let forwarder = try ContextStore.open(directory: tmp.path)
        defer { forwarder.close() }
        #expect(holder.role == .holder && forwarder.role == .forwarder)

        try await forwarder.put([Self.segment("a"), Self.segment("b")])
        // Read-your-writes: the forwarder's own view has the write when put returns.
        #expect(try Self.ids(forwarder) == ["a", "b"])
        #expect(try Self.ids(holder) == ["a", "b"])
        #expect(try forwarder.search(SearchQuery(project: "p", query: "alpha")).totalMatches == 2)

        let report = try await forwarder.delete(project: "p", ids: ["a", "zz"])
        #expect(report.deleted == ["a"] && report.notLive == ["zz"])
        #expect(try Self.ids(forwarder) == ["b"])
        try await forwarder.sync()

        // Errors come back typed: the holder validated the segment.
        var bad = Self.segment("c")
        bad.segmentID = ""
        await #expect(throws: StoreError.invalidSegment(segmentID: "", .emptySegmentID)) { try await forwarder.put(bad) }

        // The holder compacted (in this request, or in the background pass just before it).
        _ = try await forwarder.compact()
        #expect(holder.compactionStatistics.report.jobs >= 1)
        #expect(try Self.ids(forwarder) == ["b"] && (try Self.ids(holder)) == ["b"])
    }

    @Test func aReadOnlyHandleSeesAcknowledgedWritesAfterRefresh() async throws {
        let tmp = TempDir("reader"); defer { tmp.cleanup() }
        var config = Configuration()
        config.indexSealDocs = 4  // seals (and background compactions) while the reader reads
        let holder = try ContextStore.open(directory: tmp.path, configuration: config)
        defer { holder.close() }
        try await holder.put([Self.segment("a")])
        let reader = try ContextStore.open(directory: tmp.path, mode: .readOnly)
        defer { reader.close() }
        #expect(reader.role == .reader)
        #expect(try Self.ids(reader) == ["a"])
        await #expect(throws: StoreError.readOnlyHandle) { try await reader.put(Self.segment("x")) }

        var expected: Set<String> = ["a"]
        for round in 0..<6 {
            let batch = (0..<3).map { Self.segment("r\(round)-\($0)") }
            try await holder.put(batch)
            expected.formUnion(batch.map(\.segmentID))
            if round == 3 { _ = try await holder.delete(project: "p", ids: ["a"]); expected.remove("a") }
            if round == 4 { try await holder.compact() }
            try reader.refresh()
            #expect(try Self.ids(reader) == expected, "round \(round)")
            let hits = try reader.search(SearchQuery(project: "p", query: "alpha", limit: 100))
            #expect(hits.totalMatches == expected.count)
            #expect(try reader.get(project: "p", ids: Array(expected)).count == expected.count)
        }
        // Without a refresh the view stays where it was.
        try await holder.put(Self.segment("late"))
        #expect(!(try Self.ids(reader)).contains("late"))
        try reader.refresh()
        #expect(try Self.ids(reader).contains("late"))
    }

    /// Files a compaction retires stay on disk while a reader holds them, and go at the
    /// holder's next change once the reader let go.
    @Test func retiredFilesWaitForReadersInOtherHandles() async throws {
        let tmp = TempDir("pins"); defer { tmp.cleanup() }
        var config = Configuration()
        config.autoCompaction = false
        config.indexSealDocs = 2
        let holder = try ContextStore.open(directory: tmp.path, configuration: config)
        defer { holder.close() }
        for i in 0..<6 { try await holder.put([Self.segment("s\(i)")]) }
        let logDir = tmp.sub("projects/0000000000000001/log")
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: logDir))
        let reader = try ContextStore.open(directory: tmp.path, mode: .readOnly)
        try await holder.compact()
        let during = Set(try FileManager.default.contentsOfDirectory(atPath: logDir))
        #expect(before.isSubset(of: during), "a file the reader holds was deleted: \(before.subtracting(during))")
        #expect(holder.retired.count > 0)
        #expect(try Self.ids(reader).count == 6)  // still readable, from the held files
        reader.close()
        try await holder.put([Self.segment("after")])
        try await holder.compact()
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: logDir))
        #expect(after.isDisjoint(with: before), "retired files left behind: \(after.intersection(before))")
        #expect(holder.retired.count == 0)
    }

    @Test func aForwarderTakesTheStoreOverWhenTheHolderCloses() async throws {
        let tmp = TempDir("takeover"); defer { tmp.cleanup() }
        let holder = try ContextStore.open(directory: tmp.path)
        try await holder.put(Self.segment("h"))
        let forwarder = try ContextStore.open(directory: tmp.path)
        defer { forwarder.close() }
        try await forwarder.put(Self.segment("f1"))
        holder.close()
        try await forwarder.put(Self.segment("f2"))
        #expect(forwarder.role == .holder)
        #expect(try Self.ids(forwarder) == ["h", "f1", "f2"])
        // A third handle now forwards to the new holder.
        let third = try ContextStore.open(directory: tmp.path)
        defer { third.close() }
        #expect(third.role == .forwarder)
        try await third.put(Self.segment("t"))
        #expect(try Self.ids(forwarder) == ["h", "f1", "f2", "t"])
    }

    @Test func forwardedImportsCommitOnTheHolderOrRollBackWhenTheClientGoes() async throws {
        let tmp = TempDir("fwdimport"); defer { tmp.cleanup() }
        let holder = try ContextStore.open(directory: tmp.path)
        defer { holder.close() }
        let forwarder = try ContextStore.open(directory: tmp.path)
        let file = tmp.sub("in.ndjson")
        try SegmentFiles.write(file, try SegmentFiles.bytes((0..<5).map { Self.segment("i\($0)") }, as: .ndjson))
        let report = try await forwarder.importFiles([file])
        #expect(report.segments == 5)
        #expect(try Self.ids(holder) == Set((0..<5).map { "i\($0)" }))
        #expect(try Self.ids(forwarder) == Set((0..<5).map { "i\($0)" }))

        // A transaction left open by a client that goes away is rolled back by the holder,
        // which then takes writes again.
        let tx = try await forwarder.beginImport()
        try await tx.append([Self.segment("never")])
        forwarder.close()
        try await holder.put(Self.segment("after"))
        #expect(try !Self.ids(holder).contains("never") && Self.ids(holder).contains("after"))
        withExtendedLifetime(tx) {}
    }

    /// The same request id sent twice (a client resending after a broken connection) is
    /// answered twice and applied once.
    @Test func aRepeatedRequestIDIsAppliedOnce() async throws {
        let tmp = TempDir("idem"); defer { tmp.cleanup() }
        let holder = try ContextStore.open(directory: tmp.path)
        defer { holder.close() }
        let client = Array(repeating: UInt8(7), count: 16)
        let frame = ForwardCodec.frame(ForwardCodec.encode(.put([Self.segment("once")]), number: 42))
        var replies: [ForwardReply] = []
        for _ in 0..<2 {
            let socket = try UnixSocket.connect(path: tmp.sub("WRITER.sock"))
            try socket.write(ForwardCodec.clientHello(client: client))
            _ = try #require(try socket.read(count: ForwardCodec.serverHelloSize))
            try socket.write(frame)
            let n = try ForwardCodec.frameLength(try #require(try socket.read(count: 4)))
            let (number, reply) = try ForwardCodec.decodeReply(try #require(try socket.read(count: n)))
            #expect(number == 42)
            replies.append(reply)
        }
        for r in replies { if case .done = r {} else { Issue.record("reply \(r)") } }
        #expect(holder.writeStatistics.records == 1)
        #expect(try Self.ids(holder) == ["once"])
    }

    @Test func aHolderThatTakesNoForwardedWritesIsNamedAtOnce() async throws {
        let tmp = TempDir("exclusive"); defer { tmp.cleanup() }
        var exclusive = Configuration()
        exclusive.acceptForwardedWrites = false
        let holder = try ContextStore.open(directory: tmp.path, configuration: exclusive)
        defer { holder.close() }
        var patient = Configuration()
        patient.forwardingWaitMilliseconds = 120_000
        let other = try ContextStore.open(directory: tmp.path, configuration: patient)
        defer { other.close() }
        let start = Date()
        await #expect(throws: StoreError.locked(path: tmp.path, holderPID: getpid())) { try await other.put(Self.segment("x")) }
        // Refused without the two-minute wait: waiting could not help.
        #expect(Date().timeIntervalSince(start) < 60)
    }
}
