import ContextStoreTestSupport
import Foundation
import Testing

@testable import ContextStore

#if canImport(Glibc)
import Glibc
#endif

/// Faults a user's machine meets (EIO, ENOSPC, short writes), injected at every system call
/// of a workload through the IO seam (`SystemCallFaults`): the Nth call of a kind fails.
/// After each, with the fault removed: the store reopens, `verify` finds nothing wrong,
/// nothing acknowledged is lost, a failed call is all or nothing, and the totals equal a
/// scan. By default 3 calls of each kind (the first, the last and one between); with
/// `CONTEXTSTORE_FAULT_CALLS=1000` every call of every kind (the long loop). Every sync of
/// the store directory after a MANIFEST rename fails in `everyManifestCommitPointFailsSafely`.
@Suite(.serialized) struct FaultInjectionTests {
    static let maxCalls = Int(ProcessInfo.processInfo.environment["CONTEXTSTORE_FAULT_CALLS"] ?? "") ?? 3
    static let kinds: [SystemCall] = [.open, .pread, .pwrite, .fdatasync, .fsync, .rename, .unlink, .ftruncate, .mmap, .mkdir]

    static func configuration() -> Configuration {
        var c = Configuration()
        c.indexSealDocs = 8
        c.autoCompaction = false
        c.logFileSize = 8 << 10
        c.batchTargetBytes = 1 << 10
        c.forwardWrites = false
        c.maxOpenLogFiles = 2  // descriptors closed and reopened (and synced) under faults too
        c.maxMappedLogFiles = 2
        return c
    }

    static func segment(_ id: String, project: String = "p", tier: SegmentTier = .stashed) -> ContextSegment {
        // The text follows from the id (the check compares what is read with it); "L" ids
        // are long, so a large put spans several batches and log files.
        ContextSegment(segmentID: id, text: "segment \(id) with words alpha beta \(id.count) "
                           + String(repeating: "x", count: id.hasPrefix("L") ? 400 : id.count * 7),
                       type: .note, projectID: project, createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000), tier: tier)
    }

    /// What a workload did: which ids it may have added or removed, all or nothing.
    struct Outcome {
        var added: [String: [String]] = [:]  // project -> ids
        var removed: [String: [String]] = [:]
    }

    struct Workload: Sendable {
        let name: String
        let outcome: Outcome
        /// Whether a failed call must have stored all of its segments or none (every write
        /// call; an export or a compaction stores none).
        var atomic = true
        let run: @Sendable (ContextStore, String) async throws -> Void

        init(name: String, outcome: Outcome, atomic: Bool = true, run: @escaping @Sendable (ContextStore, String) async throws -> Void) {
            self.name = name
            self.outcome = outcome
            self.atomic = atomic
            self.run = run
        }
    }

    static let workloads: [Workload] = [
        Workload(name: "put", outcome: Outcome(added: ["p": (0..<10).map { "b\($0)" }])) { store, _ in
            try await store.put((0..<10).map { segment("b\($0)") })
        },
        // One call that spans several batches, a log file roll and seals.
        Workload(name: "large put", outcome: Outcome(added: ["p": (0..<60).map { "L\($0)" }, "r": (0..<20).map { "R\($0)" }])) { store, _ in
            try await store.put((0..<60).map { segment("L\($0)") } + (0..<20).map { segment("R\($0)", project: "r") })
        },
        Workload(name: "delete", outcome: Outcome(removed: ["p": (0..<5).map { "a\($0)" }])) { store, _ in
            _ = try await store.delete(project: "p", ids: (0..<5).map { "a\($0)" })
        },
        Workload(name: "compaction", outcome: Outcome()) { store, _ in
            try await store.compact()
        },
        Workload(name: "import commit", outcome: Outcome(added: ["q": (0..<10).map { "i\($0)" }, "p": (0..<3).map { "i\($0)" }])) { store, _ in
            let tx = try await store.beginImport()
            try await tx.append((0..<10).map { segment("i\($0)", project: "q") } + (0..<3).map { segment("i\($0)") })
            _ = try await tx.commit()
        },
        Workload(name: "export", outcome: Outcome()) { store, dir in
            _ = try await store.export(to: dir + "/out", format: .sharded)
        },
        // Recovery: the base store's last log file is still open (unsealed data to replay).
        Workload(name: "open", outcome: Outcome()) { _, _ in },
    ]

    /// The base: project p with a0...a29, in several sealed index files and log files.
    static func prepare(_ dir: String) async throws {
        let store = try ContextStore.open(directory: dir, configuration: configuration())
        for k in 0..<3 { try await store.put((0..<10).map { segment("a\(k * 10 + $0)") }) }
        store.close()
    }

    /// Runs `workload` with `fault` (nil: none, counting calls) on a fresh store; returns
    /// what the fault-free run calls, or checks the store after the faulted run.
    @discardableResult
    static func trial(_ workload: Workload, _ fault: ((String) -> SystemCallFault)?) async throws -> [SystemCall: Int] {
        let tmp = TempDir("fault")
        defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        try await prepare(dir)
        let f = fault?(dir) ?? SystemCallFault(.open, nth: Int.max, errno: EIO, scope: tmp.path)
        var outcome: Outcome?
        var failure: Error?
        var removed: (fired: Bool, counts: [SystemCall: Int])?
        var tookWriteAfter = false
        // The open is inside the fault's window only for the "open" workload.
        let opensUnderFault = workload.name == "open"
        if opensUnderFault { SystemCallFaults.install(f) }
        do {
            let store = try ContextStore.open(directory: dir, configuration: configuration())
            if !opensUnderFault { SystemCallFaults.install(f) }
            do {
                try await workload.run(store, tmp.path)
                outcome = workload.outcome
            } catch {
                failure = error
                // Defect 2 of issue 17: a full disk while a put writes its batches leaves
                // the store as before the call, and writable once space is free again. After
                // any other failed put, a write the store still takes must be kept.
                if let f = fault?(dir), workload.name.hasSuffix("put") {
                    removed = SystemCallFaults.remove()
                    do {
                        try await store.put([segment("after-full-disk")])
                        tookWriteAfter = true
                    } catch {
                        if f.call == .pwrite && f.errno == ENOSPC {
                            Issue.record("\(workload.name), \(f): the store takes writes once space is free: \(error)")
                        }
                    }
                }
            }
            store.close()
        } catch {
            failure = error
        }
        let (fired, counts) = removed ?? SystemCallFaults.remove()
        if fault == nil {
            #expect(failure == nil, "\(workload.name) without a fault: \(String(describing: failure))")
            return counts
        }
        let label = "\(workload.name), \(f)\(fired ? "" : " (never reached)"): \(failure.map { "\($0)" } ?? "succeeded")"
        // An injected I/O error is reported as one (with its errno), never as damage.
        if let e = failure as? StoreError, case .corruption = e {
            Issue.record("\(label): an I/O error reported as corruption")
        }
        try check(dir, label: label, outcome: outcome, mayHave: workload.outcome, atomic: workload.atomic,
                  acknowledgedAfter: tookWriteAfter ? ["after-full-disk"] : [])
        if workload.name == "export", failure != nil {
            let left = (try? FileManager.default.subpathsOfDirectory(atPath: tmp.path + "/out")) ?? []
            #expect(!left.contains { $0.hasSuffix(".tmp") }, "\(label): a failed export leaves no .tmp file: \(left)")
        }
        return counts
    }

    /// Reopens the store without faults and checks it.
    static func check(_ dir: String, label: String, outcome: Outcome?, mayHave: Outcome, atomic: Bool,
                      acknowledgedAfter: [String] = []) throws {
        let store: ContextStore
        do { store = try ContextStore.open(directory: dir, configuration: configuration()) } catch {
            Issue.record("\(label): the store does not reopen: \(error)")
            return
        }
        var ids: [String: Set<String>] = [:]
        for project in try store.projectIDs() {
            let live = try store.scan(project: project)
            ids[project] = Set(live.map(\.segmentID))
            let totals = try store.totals(project: project) ?? ProjectTotals()
            #expect(totals.segments == live.count, "\(label): totals of \(project) (\(totals.segments)) equal a scan (\(live.count))")
            #expect(totals.tokens == live.reduce(0) { $0 + ($1.tokens ?? 0) }, "\(label): token totals of \(project) equal a scan")
            for s in live where s != segment(s.segmentID, project: project) && s.text != segment(s.segmentID, project: project).text {
                Issue.record("\(label): \(s.segmentID) has other text than was written")
            }
        }
        store.close()
        let base = Set((0..<30).map { "a\($0)" })
        let p = ids["p"] ?? []
        #expect(p.isSuperset(of: acknowledgedAfter), "\(label): the write acknowledged after the failure is there")
        let removed = Set(mayHave.removed["p"] ?? [])
        if outcome != nil {
            #expect(p.isSuperset(of: base.subtracting(removed)), "\(label): every acknowledged segment is there")
            #expect(p.isDisjoint(with: removed), "\(label): deleted segments are gone")
            for (project, added) in mayHave.added {
                #expect((ids[project] ?? []).isSuperset(of: added), "\(label): every segment of the acknowledged call is there")
            }
        } else if atomic {
            #expect(p.isSuperset(of: base.subtracting(removed)), "\(label): every acknowledged segment is there")
            let gone = removed.subtracting(p)
            #expect(gone.isEmpty || gone == removed, "\(label): a failed delete removed all or none: \(gone.sorted())")
            for (project, added) in mayHave.added {
                let there = (ids[project] ?? []).intersection(added)
                #expect(there.isEmpty || there.count == Set(added).count, "\(label): a failed call stored all or none: \(there.sorted())")
            }
        } else {
            #expect(p.isSuperset(of: base.subtracting(removed)), "\(label): every acknowledged segment is there")
        }
        let report = try ContextStore.verify(directory: dir)
        #expect(report.problems.isEmpty, "\(label): verify after reopening: \(report.problems)")
    }

    /// Defect 1 of issue 17: the directory sync that follows each MANIFEST rename fails (EIO,
    /// ENOSPC); the new MANIFEST may be the durable one, so nothing it names may be gone.
    @Test(arguments: ["compaction", "import commit", "large put", "delete"])
    func everyManifestCommitPointFailsSafely(_ name: String) async throws {
        let workload = Self.workloads.first { $0.name == name }!
        var n = 1, fired = true
        while fired {
            for e in [EIO, ENOSPC] {
                let counts = try await Self.trial(workload) { SystemCallFault(.fsync, nth: n, errno: e, scope: $0, exact: true) }
                fired = (counts[.fsync] ?? 0) >= n
            }
            n += 1
        }
        #expect(n > 2, "\(name): the store directory was synced after a MANIFEST rename")
    }

    @Test(arguments: workloads.map(\.name))
    func everyCallOfAWorkloadFailsSafely(_ name: String) async throws {
        let workload = Self.workloads.first { $0.name == name }!
        let counts = try await Self.trial(workload, nil)
        var trials = 0
        for kind in Self.kinds {
            let calls = counts[kind] ?? 0
            guard calls > 0 else { continue }
            // The first calls, the last, and some between (every one with a larger budget);
            // the MANIFEST's commit points have their own test below.
            let picks = calls <= Self.maxCalls ? Array(1...calls)
                : Array(Set([1, 2, calls] + (1...max(1, Self.maxCalls - 3)).map { 1 + $0 * (calls - 1) / Self.maxCalls })).sorted()
            for n in picks {
                for e in [EIO, ENOSPC] {
                    try await Self.trial(workload) { SystemCallFault(kind, nth: n, errno: e, scope: $0) }
                    trials += 1
                }
                if kind == .pwrite {
                    try await Self.trial(workload) { SystemCallFault(kind, nth: n, errno: ENOSPC, shortWrite: true, scope: $0) }
                    trials += 1
                }
            }
        }
        #expect(trials > 10, "\(name): faults injected in \(trials) trials (calls: \(counts))")
        print("fault trials: \(name): \(trials) (calls of each kind without a fault: \(counts.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", ")))")
    }
}

/// Defect 4 of issue 17: a batch whose `fdatasync` failed was reported as not stored, yet
/// the next open served it from what the page cache had written. Now the failed group is cut
/// back before the error returns: it is not there after reopening either, and the handle is
/// read-only (a failed sync is never retried); a full disk on `pwrite` leaves it writable.
/// (In the serialized suite: the fault injector is process-wide.)
extension FaultInjectionTests {
    /// A put that rolls its project's file and then cannot publish the MANIFEST naming the
    /// new file leaves the writer as before (the roll forgotten, the old file's descriptor
    /// back): the next write goes to the old file and survives a reopen.
    @Test(arguments: [SystemCall.rename, .fsync, .pwrite])
    func aRollWhosePublishFailedIsForgotten(call: SystemCall) async throws {
        let tmp = TempDir("roll-fault"); defer { tmp.cleanup() }
        let dir = tmp.sub("s")
        var c = FaultInjectionTests.configuration()
        c.indexSealDocs = 10_000  // the active file keeps its data: the large put rolls it
        c.logFileSize = 2048  // the large put's frames do not fit after the first put's; the next small one does
        let store = try ContextStore.open(directory: dir, configuration: c)
        try await store.put((0..<5).map { FaultInjectionTests.segment("k\($0)") })
        // The MANIFEST publish after the roll: its temporary file's write (the second pwrite:
        // the first is the new log file's header), its rename, the store directory's sync.
        SystemCallFaults.install(SystemCallFault(call, nth: call == .pwrite ? 2 : 1, errno: EIO, scope: dir, exact: call == .fsync))
        var failure: StoreError?
        var rng = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijklmnopqrstuvwxyz ")
        let large = (0..<40).map { i in
            ContextSegment(segmentID: "L\(i)", text: String((0..<400).map { _ in letters[Int(rng.next() % UInt64(letters.count))] }),
                           type: .note, projectID: "p", createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000), tier: .stashed)
        }
        do { try await store.put(large) } catch { failure = error }
        let fired = SystemCallFaults.remove().fired
        #expect(fired && failure != nil, "the publish failed: \(String(describing: failure))")
        var after = false
        do {
            try await store.put([FaultInjectionTests.segment("after")])
            after = true
        } catch {
            // Only a publish in doubt (the directory sync after the rename) stays read-only.
            #expect(call == .fsync, "\(call): the store takes writes after a roll that was not published: \(error)")
        }
        store.close()
        let again = try ContextStore.open(directory: dir, configuration: c)
        defer { again.close() }
        let ids = Set(try again.scan(project: "p").map(\.segmentID))
        #expect(ids.isSuperset(of: (0..<5).map { "k\($0)" }))
        if after { #expect(ids.contains("after"), "\(call): the write after the failed roll is there: \(ids.sorted())") }
        let stored = ids.filter { $0.hasPrefix("L") }
        #expect(stored.isEmpty || stored.count == 40, "\(call): the failed put is all or nothing")
        #expect(try ContextStore.verify(directory: dir).problems.isEmpty)
    }

    @Test(arguments: [EIO, ENOSPC])
    func aBatchWhoseSyncFailedIsNotStoredAfterReopening(errno: Int32) async throws {
        let tmp = TempDir("sync-fault"); defer { tmp.cleanup() }
        let dir = tmp.sub("s")
        let c = FaultInjectionTests.configuration()
        let store = try ContextStore.open(directory: dir, configuration: c)
        try await store.put((0..<3).map { FaultInjectionTests.segment("k\($0)") })
        SystemCallFaults.install(SystemCallFault(.fdatasync, nth: 1, errno: errno, scope: dir + "/projects"))
        var failure: StoreError?
        do { try await store.put((0..<4).map { FaultInjectionTests.segment("f\($0)") }) } catch { failure = error }
        let fired = SystemCallFaults.remove().fired
        #expect(fired && failure != nil, "the put failed: \(String(describing: failure))")
        // Read-only after a failed sync, and its records are not served now either.
        await #expect(throws: StoreError.self) { try await store.put([FaultInjectionTests.segment("later")]) }
        #expect(try store.get(project: "p", ids: ["f0", "k0"]).map(\.segmentID) == ["k0"])
        store.close()
        let again = try ContextStore.open(directory: dir, configuration: c)
        defer { again.close() }
        #expect(try again.scan(project: "p").map(\.segmentID).sorted() == ["k0", "k1", "k2"])
        #expect(try ContextStore.verify(directory: dir).problems.isEmpty)
    }
}

/// A close that cannot seal (an I/O error writing the index file at close) says so: the
/// library's `close()` returns the error, and the data acknowledged before is all there
/// after the next open.
/// (In the serialized suite: the fault injector is process-wide.)
extension FaultInjectionTests {
    @Test func aFailedSealAtCloseIsReportedAndLosesNothing() async throws {
        let tmp = TempDir("close-fault"); defer { tmp.cleanup() }
        let dir = tmp.sub("s")
        var c = Configuration()
        c.autoCompaction = false
        let store = try ContextStore.open(directory: dir, configuration: c)
        // Enough docs that the close seals them (a small memtable stays in the log).
        try await store.put((0..<1100).map { FaultInjectionTests.segment("c\($0)") })
        // Nothing is written under index/ until the close seals the memtable.
        SystemCallFaults.install(SystemCallFault(.pwrite, nth: 1, errno: EIO, scope: dir + "/projects/0000000000000001/index"))
        let error = store.close()
        let fired = SystemCallFaults.remove().fired
        #expect(fired, "the seal at close wrote an index file")
        guard case let .readOnlyAfterFailure(cause)? = error else {
            Issue.record("close reports the failed seal: \(String(describing: error))")
            return
        }
        #expect(cause.contains("pwrite") && cause.contains(".idx"), "\(cause)")
        let again = try ContextStore.open(directory: dir, configuration: c)
        #expect(try again.scan(project: "p").map(\.segmentID).sorted() == (0..<1100).map { "c\($0)" }.sorted())
        #expect(again.close() == nil, "a clean close returns nil")
        #expect(try ContextStore.verify(directory: dir).problems.isEmpty)
    }
}
