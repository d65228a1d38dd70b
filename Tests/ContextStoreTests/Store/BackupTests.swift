import ContextStoreTestSupport
import Dispatch
import Foundation
import Testing

@testable import ContextStore

#if canImport(Glibc)
import Glibc
#endif

/// `ContextStore.backup(to:)`: the copy opens, verifies and holds exactly the store's
/// segments (sealed index files, deletion files, rolled logs and an unsealed tail, hard-linked
/// or copied); a backup taken while a writer keeps writing and a compaction retires the
/// snapshot's files holds every acknowledged write; a target that is not new or empty is
/// refused with nothing changed. Faults during a backup: `FaultInjectionTests` below.
@Suite struct BackupTests {
    /// Seals every 8 documents and rolls log files at 8 KiB, so a few puts make sealed index
    /// files, deletion files and several log files; no background compaction.
    static func configuration() -> Configuration {
        var c = Configuration()
        c.indexSealDocs = 8
        c.autoCompaction = false
        c.logFileSize = 8 << 10
        c.batchTargetBytes = 1 << 10
        return c
    }

    /// A segment whose text follows from its id (so a copy's segments can be checked alone).
    static func segment(_ id: String, project: String = "p") -> ContextSegment {
        ContextSegment(segmentID: id, text: "backup words \(id) " + String(repeating: "y", count: 60 + id.count * 9),
                       type: .note, projectID: project, createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000),
                       tier: .stashed)
    }

    /// Projects p and q: sealed index files, superseded and deleted documents (deletion
    /// files), rolled log files, and an unsealed tail in p's active file.
    static func fill(_ store: ContextStore) async throws {
        for k in 0..<4 {
            try await store.put((0..<10).map { segment("a\(k * 10 + $0)") } + (0..<5).map { segment("q\(k * 5 + $0)", project: "q") })
        }
        _ = try await store.delete(project: "p", ids: ["a1", "a2", "a13"])
        try await store.put([segment("a5"), segment("a20")])
        try await store.put((0..<8).map { segment("b\($0)") })
        try await store.put((0..<3).map { segment("t\($0)") })
    }

    /// Every project's live segments, as a scan returns them.
    static func contents(_ store: ContextStore) throws -> [String: [ContextSegment]] {
        var out: [String: [ContextSegment]] = [:]
        for p in try store.projectIDs() { out[p] = try store.scan(project: p) }
        return out
    }

    /// Every file under `dir` (but `LOCK` and the socket, which a holder's open writes) with
    /// its bytes, and every directory (as `name/`).
    static func tree(_ dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for name in (try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? [] where name != "LOCK" && name != "WRITER.sock" {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory)
            out[isDirectory.boolValue ? name + "/" : name] = isDirectory.boolValue ? Data() : FileManager.default.contents(atPath: dir + "/" + name)
        }
        return out
    }

    /// The store files (logs, index and deletion files) under `dir`, by relative path.
    static func storeFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".log") || $0.hasSuffix(".idx") || $0.hasSuffix(".del") }.sorted()
    }

    static func inode(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    /// Runs `body` on a thread of its own (a backup blocks its caller).
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in Thread { c.resume(with: Result { try body() }) }.start() }
    }

    /// Runs async `body` from a plain thread and waits for it; returns its error, if any.
    static func blocking(_ body: @escaping @Sendable () async throws -> Void) -> (any Error)? {
        let done = DispatchSemaphore(value: 0)
        let failure = Locked<(any Error)?>(nil)
        Task {
            do { try await body() } catch { failure.withLock { $0 = error } }
            done.signal()
        }
        done.wait()
        return failure.withLock { $0 }
    }

    /// Waits (up to a minute) until `acked` holds more than `n` ids.
    static func waitForWrites(_ acked: Locked<Set<String>>, beyond n: Int) {
        let deadline = Date().addingTimeInterval(60)
        while acked.withLock({ $0.count }) <= n && Date() < deadline { usleep(2_000) }
    }

    /// `waitForWrites` for a task: it sleeps without holding one of the few threads of the
    /// cooperative pool, which the writer task needs (on 2 cores, a blocked pool thread
    /// starved it until the deadline).
    static func waitForWrites(_ acked: Locked<Set<String>>, beyond n: Int) async {
        let deadline = Date().addingTimeInterval(300)
        while acked.withLock({ $0.count }) <= n && Date() < deadline { try? await Task.sleep(nanoseconds: 2_000_000) }
    }

    /// What the test saw halfway through a backup (on the backup's thread, where it cannot
    /// record issues itself).
    struct Midway: Sendable {
        var writeError: String?
        var retiredAndHeld = -1
        var manifestThere = true
        var projectsThere = false
        var openError: StoreError?
    }

    @Test(arguments: [true, false])
    func aCopyOpensVerifiesAndHoldsExactlyTheStoresSegments(hardLinks: Bool) async throws {
        let tmp = TempDir("backup"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        let store = try ContextStore.open(directory: dir, configuration: Self.configuration())
        defer { store.close() }
        try await Self.fill(store)
        let files = Self.storeFiles(dir)
        try #require(files.contains { $0.hasSuffix(".del") } && files.filter { $0.hasSuffix(".idx") }.count >= 2
                     && files.filter { $0.hasSuffix(".log") }.count > 3, "sealed and unsealed data: \(files)")
        let before = Self.tree(dir)
        let expected = try Self.contents(store)

        let copy = tmp.sub("backups/first")  // its parent is created too
        let report = try store.backup(to: copy + "/", hardLinks: hardLinks)
        #expect(Self.tree(dir) == before, "the store is only read")
        #expect(report.directory == copy && report.projects == 2)
        // The copy names what the store's MANIFEST names, byte for byte.
        #expect(FileManager.default.contents(atPath: copy + "/MANIFEST") == before["MANIFEST"])
        #expect(Self.storeFiles(copy) == files && report.files == files.count)
        let shared = files.filter { Self.inode(dir + "/" + $0) == Self.inode(copy + "/" + $0) }
        if hardLinks {
            // Everything but the two active log files is shared.
            #expect(report.copiedFiles == 2 && report.linkedFiles == files.count - 2 && shared.count == report.linkedFiles,
                    "\(report), shared: \(shared)")
        } else {
            #expect(report.linkedFiles == 0 && shared.isEmpty && report.copiedBytes == report.bytes, "\(report)")
        }
        let verify = try ContextStore.verify(directory: copy)
        #expect(verify.isSound && verify.warnings.isEmpty && verify.projects == 2, "\(verify.problems) \(verify.warnings)")

        // Through a read-only handle beside the holder: the same copy.
        let reader = try ContextStore.open(directory: dir, mode: .readOnly, configuration: Self.configuration())
        let second = tmp.sub("second")
        _ = try reader.backup(to: second, hardLinks: hardLinks)
        reader.close()

        for c in [copy, second] {
            let opened = try ContextStore.open(directory: c, configuration: Self.configuration())
            #expect(opened.recoveryReport.tornTails.isEmpty && opened.recoveryReport.removedOrphans.isEmpty)
            #expect(try Self.contents(opened) == expected, "\(c) holds exactly the store's segments")
            #expect(try opened.search(SearchQuery(project: "p", query: "backup", limit: 100)).totalMatches == expected["p"]!.count)
            // A store of its own: writing and compacting it (which unlinks its shared files)
            // changes nothing in the original.
            try await opened.put(Self.segment("only-in-copy"))
            try await opened.compact()
            #expect(opened.close() == nil)
        }
        #expect(Self.tree(dir) == before, "the store is untouched by its copies")
        #expect(try Self.contents(store) == expected)
    }

    /// A writer keeps putting while the backup runs; midway through the copy a compaction
    /// retires the snapshot's files, the writer rolls and seals, and a project is created.
    @Test func aBackupWhileWritesAndACompactionRunHoldsEveryAcknowledgedWrite() async throws {
        let tmp = TempDir("backup-live"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        let store = try ContextStore.open(directory: dir, configuration: Self.configuration())
        defer { store.close() }
        try await Self.fill(store)
        let acked = Locked(Set<String>())  // "project/id" of every put that returned
        for (p, segments) in try Self.contents(store) { acked.withLock { $0.formUnion(segments.map { "\(p)/\($0.segmentID)" }) } }
        let stop = Locked(false)
        let writer = Task {
            var k = 0
            while !stop.withLock({ $0 }) {
                let batch = (0..<3).map { Self.segment("w\(k)-\($0)", project: k % 3 == 0 ? "r" : "p") }
                try await store.put(batch)
                acked.withLock { $0.formUnion(batch.map { "\($0.projectID)/\($0.segmentID)" }) }
                k += 1
            }
        }
        let filled = acked.withLock { $0.count }
        await Self.waitForWrites(acked, beyond: filled + 30)
        let before = acked.withLock { $0 }
        // (On a loaded machine other suites can starve the writer task: a few writes do.)
        try #require(before.count > filled + 3, "the writer wrote before the backup began")

        let copy = tmp.sub("copy")
        let midway = Locked(Midway())
        let report = try await Self.onThread {
            var first = true
            return try store.backup(to: copy, hardLinks: false) { done, _ in
                // After the first bytes copied: the snapshot is taken, files are being written.
                guard first, done > 0 else { return }
                first = false
                let failure = Self.blocking {
                    try await store.compact()
                    try await store.put(Self.segment("x", project: "late"))
                }
                Self.waitForWrites(acked, beyond: before.count + 30)
                var seen = Midway()
                seen.writeError = failure.map { "\($0)" }
                // The compaction's inputs that the snapshot names wait for the backup.
                seen.retiredAndHeld = store.retired.count
                // Halfway, the copy has no MANIFEST: it is not a store.
                seen.manifestThere = FileManager.default.fileExists(atPath: copy + "/MANIFEST")
                seen.projectsThere = FileManager.default.fileExists(atPath: copy + "/projects")
                do throws(StoreError) { _ = try ContextStore.open(directory: copy, mode: .readOnly) } catch { seen.openError = error }
                midway.withLock { $0 = seen }
            }
        }
        stop.withLock { $0 = true }
        try await writer.value
        let seen = midway.withLock { $0 }
        #expect(seen.writeError == nil, "\(seen.writeError ?? "")")
        #expect(seen.retiredAndHeld > 0, "files the backup held were retired meanwhile (\(seen.retiredAndHeld))")
        #expect(!seen.manifestThere && seen.projectsThere)
        #expect(seen.openError == .notAStore(path: copy), "a copy without its MANIFEST is not a store: \(String(describing: seen.openError))")

        let verify = try ContextStore.verify(directory: copy)
        #expect(verify.isSound && verify.warnings.isEmpty, "\(verify.problems) \(verify.warnings)")
        let opened = try ContextStore.open(directory: copy, mode: .readOnly)
        defer { opened.close() }
        #expect(!(try opened.projectIDs()).contains("late"), "a project created after the snapshot is not in the copy")
        var have = Set<String>()
        for (p, segments) in try Self.contents(opened) {
            for s in segments {
                have.insert("\(p)/\(s.segmentID)")
                #expect(s.text == Self.segment(s.segmentID, project: p).text, "\(p)/\(s.segmentID) as written")
            }
        }
        let missing = before.subtracting(have)
        #expect(missing.isEmpty, "acknowledged before the backup began, missing from the copy: \(missing.sorted().prefix(10))")
        #expect(have.isSubset(of: acked.withLock { $0 }), "the copy holds only what was written")
        #expect(report.copiedFiles == report.files && report.projects == 3)

        // Let go: the held files go at the holder's next change.
        try await store.put(Self.segment("after"))
        try await store.compact()
        #expect(store.retired.count == 0)
    }

    /// Holding the files a chunk at a time (here 4, so a store of any number of files
    /// copies within a bounded number of descriptors): a compaction midway deletes files of
    /// the snapshot not held yet, and the backup starts over from the new MANIFEST; the copy
    /// then holds exactly the store as it is after the compaction.
    @Test func aBackupInChunksStartsOverWhenTheStoreDeletesAFileNotYetHeld() async throws {
        let tmp = TempDir("backup-chunks"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        var configuration = Self.configuration()
        configuration.maxReaderHeldFiles = 4
        let store = try ContextStore.open(directory: dir, configuration: configuration)
        defer { store.close() }
        try await Self.fill(store)
        try #require(Self.storeFiles(dir).count > 8, "more files than one chunk: \(Self.storeFiles(dir))")
        let copy = tmp.sub("copy")
        let starts = Locked(0)
        let failure = Locked<String?>(nil)
        let report = try await Self.onThread {
            var compacted = false
            return try store.backup(to: copy, hardLinks: false) { done, _ in
                if done == 0 { starts.withLock { $0 += 1 } }
                guard !compacted, done > 0 else { return }
                compacted = true
                let e = Self.blocking {
                    try await store.compact()
                    try await store.put(Self.segment("late", project: "late"))
                }
                failure.withLock { $0 = e.map { "\($0)" } }
            }
        }
        #expect(failure.withLock { $0 } == nil, "\(failure.withLock { $0 } ?? "")")
        #expect(starts.withLock { $0 } >= 2, "the backup started over (\(starts.withLock { $0 }) starts)")
        #expect(report.projects == 3)
        let verify = try ContextStore.verify(directory: copy)
        #expect(verify.isSound && verify.warnings.isEmpty, "\(verify.problems) \(verify.warnings)")
        let opened = try ContextStore.open(directory: copy, mode: .readOnly)
        defer { opened.close() }
        #expect(try Self.contents(opened) == (try Self.contents(store)), "the copy is the store after the compaction")
    }

    /// A holder that died mid-write left part of a batch after the last whole one (a torn
    /// tail, which the next holder's open cuts): a backup through a reader copies the
    /// active file only up to the last whole batch, so the copy has no torn tail.
    @Test func aBatchNotWrittenWholeIsNotCopied() async throws {
        let tmp = TempDir("backup-torn"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        let store = try ContextStore.open(directory: dir, configuration: Self.configuration())
        try await Self.fill(store)
        let expected = try Self.contents(store)
        store.close()
        // The clean close sealed every memtable: each project's last log file is its active one.
        let active = dir + "/" + Self.storeFiles(dir).filter { $0.hasPrefix("projects/0000000000000001/log/") }.last!
        let whole = try FileManager.default.attributesOfItem(atPath: active)[.size] as! Int
        let torn: [UInt8] = [0x43, 0x58, 0x42, 0x31] + [UInt8](repeating: 7, count: 30)  // "CXB1" and part of a header
        let h = try Foundation.FileHandle(forWritingTo: URL(fileURLWithPath: active))
        h.seekToEndOfFile()
        h.write(Data(torn))
        try h.close()

        let reader = try ContextStore.open(directory: dir, mode: .readOnly, configuration: Self.configuration())
        let copy = tmp.sub("copy")
        _ = try reader.backup(to: copy)
        reader.close()
        let copied = copy + active.dropFirst(dir.count)
        #expect(try FileManager.default.attributesOfItem(atPath: copied)[.size] as? Int == whole)
        #expect(try FileManager.default.attributesOfItem(atPath: active)[.size] as? Int == whole + torn.count, "the store is only read")
        let verify = try ContextStore.verify(directory: copy)
        #expect(verify.isSound && verify.warnings.isEmpty, "\(verify.problems) \(verify.warnings)")
        let opened = try ContextStore.open(directory: copy, configuration: Self.configuration())
        #expect(opened.recoveryReport.tornTails.isEmpty)
        #expect(try Self.contents(opened) == expected)
        opened.close()
    }

    @Test func aTargetThatIsNotANewOrEmptyDirectoryOutsideTheStoreIsRefused() async throws {
        let tmp = TempDir("backup-refused"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        let store = try ContextStore.open(directory: dir, configuration: Self.configuration())
        try await Self.fill(store)
        let before = Self.tree(dir)

        let full = tmp.sub("full")
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: full + "/keep.txt"))
        #expect(throws: StoreError.invalidBackupTarget(path: full, reason: "it is not empty")) { try store.backup(to: full) }
        #expect(Self.tree(full) == ["keep.txt": Data("mine".utf8)])

        let file = tmp.sub("file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: StoreError.invalidBackupTarget(path: file, reason: "it exists and is not a directory")) {
            try store.backup(to: file)
        }
        #expect(throws: StoreError.invalidBackupTarget(path: dir, reason: "it is not empty")) { try store.backup(to: dir) }
        for inside in [dir + "/projects/copy", dir + "/new/../copy", tmp.sub("elsewhere/../store/copy")] {
            #expect(throws: StoreError.invalidBackupTarget(path: inside, reason: "it is inside the store it would copy")) {
                try store.backup(to: inside)
            }
        }
        #expect(Self.tree(dir) == before, "nothing changed in the store")
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("elsewhere")))

        let empty = tmp.sub("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        _ = try store.backup(to: empty)
        #expect(try ContextStore.verify(directory: empty).isSound)

        store.close()
        #expect(throws: StoreError.closed) { try store.backup(to: tmp.sub("late")) }
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("late")))
    }
}

/// Faults during a backup (here, beside the other fault tests, whose suite runs one test at
/// a time: the injector is process-wide). Every system call of each kind that a backup makes
/// under the test's directory, the first, a middle and the last one, fails in turn.
extension FaultInjectionTests {
    @Test(arguments: [true, false])
    func aFaultDuringBackupLeavesNoManifestAndTheStoreAsItWas(hardLinks: Bool) async throws {
        let tmp = TempDir("backup-fault"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        let store = try ContextStore.open(directory: dir, configuration: BackupTests.configuration())
        try await BackupTests.fill(store)
        let before = BackupTests.tree(dir)
        let expected = try BackupTests.contents(store)

        SystemCallFaults.install(SystemCallFault(.open, nth: Int.max, errno: EIO, scope: tmp.path))
        _ = try store.backup(to: tmp.sub("clean"), hardLinks: hardLinks)
        let counts = SystemCallFaults.remove().counts
        #expect((counts[.link] ?? 0) > 0 || !hardLinks)

        var trials = 0
        for kind in SystemCall.allCases {
            let calls = counts[kind] ?? 0
            guard calls > 0 else { continue }
            for n in Set([1, (calls + 1) / 2, calls]).sorted() {
                // ENOSPC for writes; EXDEV for a link: the copy is on another file system,
                // so the backup copies instead and succeeds.
                let errnos = kind == .pwrite ? [EIO, ENOSPC] : kind == .link ? [EIO, EXDEV] : [EIO]
                for e in errnos {
                    trials += 1
                    let target = tmp.sub("b\(trials)")
                    let label = "backup (hard links \(hardLinks)), \(kind.rawValue) #\(n) errno \(e)"
                    SystemCallFaults.install(SystemCallFault(kind, nth: n, errno: e, scope: tmp.path))
                    let result = Result { () throws(StoreError) -> BackupReport in try store.backup(to: target, hardLinks: hardLinks) }
                    let fired = SystemCallFaults.remove().fired
                    #expect(fired, "\(label): the call was reached")
                    switch result {
                    case let .success(report):
                        #expect(kind == .link && e == EXDEV, "\(label): a failed system call fails the backup")
                        #expect(report.linkedFiles == n - 1 && report.copiedFiles == report.files - (n - 1), "\(label): \(report)")
                        #expect(try ContextStore.verify(directory: target).isSound, "\(label)")
                    case let .failure(error):
                        #expect(!(kind == .link && e == EXDEV), "\(label): \(error)")
                        switch error {
                        case .diskFull: #expect(e == ENOSPC, "\(label): \(error)")
                        case .io: #expect(e != ENOSPC, "\(label): \(error)")
                        default: Issue.record("\(label): an I/O error is reported as one: \(error)")
                        }
                        let left = (try? FileManager.default.subpathsOfDirectory(atPath: target)) ?? []
                        #expect(!FileManager.default.fileExists(atPath: target), "\(label): left behind \(left)")
                    }
                }
            }
        }
        #expect(trials > 15, "faults in \(trials) trials (calls: \(counts))")
        print("fault trials: backup (hard links \(hardLinks)): \(trials) (calls of each kind without a fault: "
            + "\(counts.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", ")))")
        #expect(BackupTests.tree(dir) == before, "the store is only read")
        #expect(try BackupTests.contents(store) == expected)
        #expect(store.close() == nil)
        #expect(try ContextStore.verify(directory: dir).isSound)
        let again = try ContextStore.open(directory: dir, configuration: BackupTests.configuration())
        #expect(try BackupTests.contents(again) == expected)
        again.close()
    }
}
