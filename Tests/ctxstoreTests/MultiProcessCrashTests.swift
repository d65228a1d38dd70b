import ContextStore
import ContextStoreTestSupport
import Foundation
import Testing

/// SIGKILL of the holder while two writer children forward to it, cycle after cycle on one
/// store. A forwarded put in flight when the holder dies fails with `notAcknowledged` (a
/// `fail` line); the writers' next puts take the lock and recover (one of them prints
/// `role holder`) and the rest of their puts succeed. After each cycle the store is
/// reopened and checked against everything every writer and holder ever reported (and each
/// writer checks that it reads its own acknowledged writes, across the takeover): every
/// acknowledged write is there with last-acknowledged-wins, every acknowledged batch of the
/// killed holder is whole, the one in flight whole or absent.
///
/// Cycles: $CTXSTORE_MP_CYCLES (default 20).
extension MultiProcessTests {
    static var crashCycles: Int { Int(ProcessInfo.processInfo.environment["CTXSTORE_MP_CYCLES"] ?? "") ?? 20 }

    @Test func sigkillOfTheHolderWhileWritersForwardLosesNothingAcknowledged() async throws {
        let tmp = TempDir("mp-crash"); defer { tmp.cleanup() }
        var rng = TestRNG(seed: testSeed)
        var history = WriteHistory()
        var takeovers = 0
        let puts = 24
        for cycle in 1...Self.crashCycles {
            // Each cycle's holder writes batches in a project of its own, so its acks are checked alone.
            let holder = try ChildProcess(Self.holder(tmp.path, project: "h\(cycle)",
                                                      ["--seal-docs", "40", "--log-file-size", "65536"]))
            defer { if holder.isRunning { holder.signal(SIGKILL) } }
            try await Self.expectLine(holder) { $0.hasPrefix("ack ") }
            let names = ["c\(cycle)a", "c\(cycle)b"]
            // The writers go on until the stop file exists, so they are still writing when the
            // holder dies however late this process reads their lines.
            let stopFile = tmp.sub("stop-\(cycle)")
            let writers = try names.enumerated().map { i, name in
                try ChildProcess(["process-worker", "--role", "writer", "--store", tmp.path, "--name", name, "--ids", "4",
                                  "--count", "\(puts)", "--seed", "\(cycle * 2 + i)", "--read-own", "--stop-file", stopFile])
            }
            defer { for w in writers where w.isRunning { w.signal(SIGKILL) } }
            for w in writers { try await Self.expectLine(w) { $0.hasPrefix("role ") } }
            // A random moment while both forward: after the first writer's r-th acknowledgement.
            let r = Int.random(in: 1...(puts / 2), using: &rng)
            try await Self.expectLine(writers[0]) { $0.hasPrefix("ack ") && $0.contains(" \(names[0]):\(r - 1) ") }
            holder.signal(SIGKILL)
            let (_, killed) = await holder.waitForExit()
            #expect(killed, "cycle \(cycle): the holder exited before the kill")
            // Writes go on after the kill until a writer has taken the store over.
            func tookOver() -> Bool { writers.contains { $0.lines.contains("role holder") } }
            let deadline = Date().addingTimeInterval(60)
            while !tookOver() && Date() < deadline && writers.contains(where: \.isRunning) {
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            #expect(tookOver(), "cycle \(cycle): no writer took the store over after the kill")
            FileManager.default.createFile(atPath: stopFile, contents: nil)

            var becameHolder = 0
            for w in writers {
                let (status, signaled, description) = await w.exitSummary()
                #expect(status == 0 && !signaled, "cycle \(cycle): \(description)")
                #expect(w.lines.first == "role forwarder", "cycle \(cycle): \(w.arguments) began as \(w.lines.prefix(1))")
                becameHolder += w.lines.filter { $0 == "role holder" }.count
                let bad = history.add(w.lines)
                #expect(bad.isEmpty, "cycle \(cycle): lines out of protocol: \(bad)")
            }
            // The first writer had puts left after the kill, so some writer took the store over.
            #expect(becameHolder >= 1, "cycle \(cycle): no writer took over after the holder was killed")
            takeovers += becameHolder

            var configuration = Configuration()
            configuration.autoCompaction = false
            let store = try ContextStore.open(directory: tmp.path, configuration: configuration)
            defer { store.close() }
            #expect(store.role == .holder, "cycle \(cycle): a child still holds the store")
            let problems = history.problems(final: try Self.writerFinal(store))
            #expect(problems.isEmpty, "cycle \(cycle) (seed \(testSeed)): \(problems)")
            let acked = Self.ackedBatches(holder.lines)
            let batchProblems = Self.batchProblems(try store.scan(project: "h\(cycle)"), lastAcked: acked.count - 1,
                                                   inFlightAllowed: true)
            #expect(batchProblems.isEmpty, "cycle \(cycle): the killed holder's batches: \(batchProblems)")
        }
        #expect(history.acknowledgedCount > Self.crashCycles * puts, "too few acknowledged writes to test anything")
        #expect(takeovers >= Self.crashCycles)
        // Failures are legal, not required (a kill between two puts fails none): counted for the log only.
        print("multi-process crash loop: \(Self.crashCycles) cycles, \(history.acknowledgedCount) writes acknowledged, "
              + "\(history.failedCount) failed in flight, \(takeovers) takeovers")
        let report = try ContextStore.verify(directory: tmp.path)
        #expect(report.isSound, "\(report.problems)")
    }

    /// A reader outlives its holder: the holder (writing and compacting) is killed with
    /// SIGKILL and a new one recovers the store and writes on, while a reader child keeps
    /// refreshing and checking (whole batches 0...m, m never backwards, no mapped file
    /// deleted). It ends having seen every batch the killed holder acknowledged.
    @Test func aReaderOutlivesAKilledHolderAndFollowsTheNext() async throws {
        let tmp = TempDir("mp-reader-kill"); defer { tmp.cleanup() }
        let arguments = Self.holder(tmp.path, ["--compact", "--seal-docs", "30", "--log-file-size", "65536"])
        let first = try ChildProcess(arguments)
        defer { if first.isRunning { first.signal(SIGKILL) } }
        try await Self.expectLine(first) { $0 == "ack 20" }
        // The reader goes on until the next holder has written (the stop file), so its last
        // refresh comes after the kill however slowly it runs.
        let stopFile = tmp.sub("stop")
        let reader = try ChildProcess(["process-worker", "--role", "reader", "--store", tmp.path, "--seconds", "5",
                                       "--stop-file", stopFile])
        defer { if reader.isRunning { reader.signal(SIGKILL) } }
        try await Self.expectLine(reader) { $0.hasPrefix("seen ") }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        first.signal(SIGKILL)
        #expect(await first.waitForExit().signaled)
        let lastAcked = Self.ackedBatches(first.lines).last ?? -1
        // The next holder need not compact (a nice-19 compaction starved by a busy machine
        // only delays its exit).
        let second = try ChildProcess(Self.holder(tmp.path, ["--seal-docs", "30", "--log-file-size", "65536"]))
        defer { if second.isRunning { second.signal(SIGKILL) } }
        try await Self.expectLine(second) { $0 == "ack 0" }
        FileManager.default.createFile(atPath: stopFile, contents: nil)
        let (status, signaled, description) = await reader.exitSummary()
        #expect(status == 0 && !signaled, "\(description)")
        let last = reader.lines.last?.split(separator: " ") ?? []
        #expect(last.count == 4 && last[0] == "ok" && (Int(last[2]) ?? -1) >= lastAcked,
                "the killed holder acknowledged 0...\(lastAcked); the reader ended with \(reader.lines.suffix(2))")
        second.signal(SIGTERM)
        let (status2, _, description2) = await second.exitSummary()
        #expect(status2 == 0, "\(description2)")
    }
}
