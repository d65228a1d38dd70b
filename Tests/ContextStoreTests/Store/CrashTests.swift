import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Real processes killed with SIGKILL while appending with sync-each-batch (and small log
/// files, so rolls and manifest publishes are hit too). After every kill the store is
/// reopened and checked against what the child acknowledged on its stdout:
/// every acknowledged put is there and intact, every acknowledged delete holds, nothing
/// was invented, nothing is duplicated.
///
/// Cycles: $CONTEXTSTORE_CRASH_CYCLES (default 14, which keeps the suite under 25 minutes
/// on two cores in a debug build; the soak runs thousands).
@Suite struct CrashTests {
    static var cycles: Int { Int(ProcessInfo.processInfo.environment["CONTEXTSTORE_CRASH_CYCLES"] ?? "") ?? 14 }

    @Test func sigkillDuringAppendsLosesNothingAcknowledged() async throws {
        try await runCycles(Self.cycles, childArguments: [])
    }

    /// The same, with index files sealed every 40 docs (so background compaction keeps
    /// merging them) and full compactions back to back: kills land inside compactions too.
    /// After each reopen, no file is left that the MANIFEST does not name.
    @Test func sigkillDuringIngestAndCompactionLosesNothingAndLeavesNoTemporaryFiles() async throws {
        try await runCycles(max(12, Self.cycles - 2), childArguments: ["--seal-docs", "40", "--compact"])
    }

    func runCycles(_ cycles: Int, childArguments: [String]) async throws {
        let binary = try ctxstoreBinary()
        let tmp = TempDir("crash"); defer { tmp.cleanup() }
        var rng = TestRNG(seed: testSeed)
        var acked: [String: String] = [:]  // id -> fnv of text
        var deleted = Set<String>()
        var deleting = Set<String>()
        var updating: [String: String] = [:]  // id -> fnv of the text of an update in flight
        var updated = Set<String>()
        var totalAcks = 0
        for cycle in 1...cycles {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["crash-writer", "--store", tmp.path, "--seed", "\(cycle)", "--log-file-size", "65536"] + childArguments
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            try? out.fileHandleForWriting.close()
            let collected = Collected()
            let reader = Thread {
                collected.set(out.fileHandleForReading.readDataToEndOfFile())
            }
            reader.start()
            // Long enough for a debug child, slowed by other suites, to open, recover and write.
            let delay = UInt64.random(in: 50...1_200, using: &rng)
            try await Task.sleep(nanoseconds: delay * 1_000_000)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal, "cycle \(cycle): child exited on its own (\(p.terminationStatus))")
            let data = await collected.wait()
            // Only whole lines are acknowledgements (a kill can cut the last one).
            var text = String(decoding: data, as: UTF8.self)
            if let lastNewline = text.lastIndex(of: "\n") { text = String(text[...lastNewline]) } else { text = "" }
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts[0] == "put" {
                    acked[String(parts[1])] = String(parts[2])
                    updating[String(parts[1])] = nil
                    totalAcks += 1
                }
                if parts[0] == "updating" {
                    updating[String(parts[1])] = String(parts[2])
                    updated.insert(String(parts[1]))
                }
                if parts[0] == "deleting" { deleting.insert(String(parts[1])) }
                if parts[0] == "del" { deleted.insert(String(parts[1])) }
            }

            var config = Configuration()
            config.autoCompaction = false  // the checks below read the files as the child left them
            let store = try ContextStore.open(directory: tmp.path, configuration: config)
            #expect(unnamedFiles(tmp.path).isEmpty, "cycle \(cycle): files no MANIFEST names survived open")
            let live = try store.scan(project: "crash")
            var liveByID: [String: ContextSegment] = [:]
            for s in live {
                #expect(liveByID[s.segmentID] == nil, "duplicate live id \(s.segmentID)")
                liveByID[s.segmentID] = s
                #expect(selfValidates(s), "cycle \(cycle): invented or damaged segment \(s.segmentID)")
            }
            for (id, hash) in acked where !deleting.contains(id) {
                guard let s = liveByID[id] else {
                    Issue.record("cycle \(cycle): acknowledged segment \(id) lost (seed \(testSeed))")
                    continue
                }
                let got = String(testFNV(s.text), radix: 16)
                #expect(got == hash || got == updating[id], "cycle \(cycle): \(id) altered")
            }
            for id in deleted { #expect(liveByID[id] == nil, "cycle \(cycle): deleted \(id) came back") }
            // The totals kept in the MANIFEST and the index equal the live records.
            let totals = try store.totals(project: "crash") ?? ProjectTotals()
            #expect(totals.segments == live.count && totals.tokens == live.reduce(0) { $0 + ($1.tokens ?? 0) },
                    "cycle \(cycle): totals \(totals.segments) segments, \(totals.tokens) tokens; a scan: \(live.count), \(live.reduce(0) { $0 + ($1.tokens ?? 0) })")
            // The child writes each id once, but for its updates: the log holds the others once.
            var puts = Set<String>()
            var lastSeq: UInt64 = 0
            if let snap = store.view.snapshot(project: "crash") {
                try store.forEachRecord(snap) { r in
                    #expect(r.seq > lastSeq)
                    lastSeq = r.seq
                    if case let .put(s) = r.record, !puts.insert(s.segmentID).inserted {
                        #expect(updated.contains(s.segmentID), "duplicated record \(s.segmentID)")
                    }
                }
            }
            store.close()
        }
        #expect(totalAcks > cycles, "the children acknowledged too little to test anything: \(totalAcks)")
        let report = try ContextStore.verify(directory: tmp.path)
        #expect(report.isSound, "\(report.problems)")
    }

    /// Files under the store that its MANIFEST does not name (temporaries, orphans).
    func unnamedFiles(_ root: String) -> [String] {
        let layout = StoreLayout(root: root)
        guard let m = try? Recovery.readManifest(layout.manifest) else { return ["MANIFEST unreadable"] }
        var named = Set([layout.manifest, layout.lock, layout.socket])  // the socket: the reopened holder's
        for p in m.projects {
            for f in p.files { named.insert(layout.logFile(project: p.number, file: f.number)) }
            for x in p.indexes {
                named.insert(layout.indexFile(project: p.number, index: x.number))
                if x.deletionRevision > 0 { named.insert(layout.deletionFile(project: p.number, index: x.number, revision: x.deletionRevision)) }
            }
        }
        let all = (try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []
        return all.map { root + "/" + $0 }.filter { path in
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            return !isDir.boolValue && !named.contains(path)
        }
    }

    func selfValidates(_ s: ContextSegment) -> Bool {
        let parts = s.text.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == s.segmentID, s.segmentID.hasPrefix("c") else { return false }
        return String(testFNV(String(parts[1])), radix: 16) == parts[2]
    }
}
