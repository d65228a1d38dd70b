import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// All or nothing after a kill: a real `ctxstore import` process is killed with SIGKILL
/// at random moments (staging, the staged seals it makes every 2,000 docs, the commit).
/// After each kill the store, reopened, holds exactly what it held before the import or
/// exactly that plus the whole import, and no file its MANIFEST does not name.
///
/// Cycles: $CONTEXTSTORE_CRASH_CYCLES / 3, at least 8.
@Suite struct ImportCrashTests {
    typealias Live = [ByteKey: [ByteKey: ContextSegment]]

    @Test func sigkillDuringAnImportLeavesNoneOrAllOfIt() async throws {
        let binary = try ctxstoreBinary()
        let tmp = TempDir("import-crash"); defer { tmp.cleanup() }
        var rng = TestRNG(seed: testSeed &+ 23)

        // Before: 300 segments in "p"; the import supersedes every 10th of them and adds
        // 30,000 more in "p" and "q" (a new project), some superseding each other.
        let base = tmp.sub("base")
        var before: Live = [:]
        do {
            let store = try ContextStore.open(directory: base)
            let segments = (0..<300).map { ImportTestSupport.segment("b\($0)", project: "p", i: $0) }
            try await store.put(segments)
            for s in segments { before[ByteKey(s.projectID), default: [:]][ByteKey(s.segmentID)] = s }
            store.close()
        }
        var imported: [ContextSegment] = []
        for i in 0..<30_000 {
            let project = i < 15_000 ? "p" : "q"
            let id = i % 97 == 0 ? "b\((i / 97) % 300)" : i % 89 == 0 ? "n\(i / 2)" : "n\(i)"
            let text = String(repeating: "word\(i % 13) ", count: 10 + Int(rng.next() % 40)) + "\u{00E9}\(i)"
            imported.append(ImportTestSupport.segment(id, project: project, text: text, i: i))
        }
        var after = before
        for s in imported { after[ByteKey(s.projectID), default: [:]][ByteKey(s.segmentID)] = s }
        let file = tmp.sub("import.ndjson")
        try SegmentFiles.write(file, try SegmentFiles.bytes(imported, as: .ndjson))

        // One import to the end: it must give `after`, and its duration sets the kill times.
        let clock = ContinuousClock()
        let full = tmp.sub("full")
        copyTree(base, full)
        let start = clock.now
        let p = try launch(binary, full, file)
        p.waitUntilExit()
        let duration = start.duration(to: clock.now)
        #expect(p.terminationReason == .exit && p.terminationStatus == 0, "the uninterrupted import failed")
        #expect(try await live(full) == after, "the uninterrupted import did not give the expected store")

        let cycles = max(8, CrashTests.cycles / 3)
        var outcomes = (none: 0, all: 0)
        // Kill times spread over the whole run, most of them inside it. The reference run's
        // duration is only an estimate on a busy machine (a slow reference run puts every
        // kill after the commit), so while no kill has landed inside an import, extra cycles
        // kill earlier and earlier (half the time each), at most 10 of them.
        var extra = 0
        var cycle = 0
        while cycle < cycles || (outcomes.none == 0 && extra < 10) {
            cycle += 1
            let fraction: Double
            if cycle <= cycles {
                fraction = Double(rng.next() % 1_000) / 1_000 * 1.1
            } else {
                extra += 1
                fraction = 0.5 / Double(1 << (extra - 1))
            }
            let dir = tmp.sub("cycle\(cycle)")
            copyTree(base, dir)
            let p = try launch(binary, dir, file)
            try await Task.sleep(for: duration * fraction)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let killed = p.terminationReason == .uncaughtSignal
            if !killed { #expect(p.terminationStatus == 0, "cycle \(cycle): import failed on its own") }

            let state = try await live(dir)
            if state == before {
                outcomes.none += 1
                #expect(killed, "cycle \(cycle): the import finished but its segments are missing")
            } else if state == after {
                outcomes.all += 1
            } else {
                Issue.record("cycle \(cycle): the store holds part of the import (killed at \(Int(fraction * 100))% of a run)")
            }
            #expect(CrashTests().unnamedFiles(dir).isEmpty, "cycle \(cycle): staged files survived the reopen")
            let report = try ContextStore.verify(directory: dir)
            #expect(report.isSound, "cycle \(cycle): \(report.problems)")
        }
        #expect(outcomes.none > 0, "no kill landed inside an import: \(outcomes)")
    }

    private func launch(_ binary: String, _ store: String, _ file: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["import", "--store", store, "--seal-docs", "2000", file]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The live segments after a reopen (which removes what no MANIFEST names).
    private func live(_ directory: String) async throws -> Live {
        var config = Configuration()
        config.autoCompaction = false
        let store = try ContextStore.open(directory: directory, configuration: config)
        defer { store.close() }
        var out: Live = [:]
        for (project, segments) in try await ImportTestSupport.liveSegments(store) {
            for s in segments { out[project, default: [:]][ByteKey(s.segmentID)] = s }
        }
        return out
    }
}
