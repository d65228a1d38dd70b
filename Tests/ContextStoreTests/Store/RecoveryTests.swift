import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

@Suite struct RecoveryTests {
    func segment(_ i: Int, project: String = "p") -> ContextSegment {
        ContextSegment(segmentID: "id-\(i)", text: "text of segment \(i) " + String(repeating: "ж", count: i % 50),
                       type: .note, projectID: project, createdAt: Timestamp(utcMicroseconds: Int64(i) * 1_000_123))
    }

    func logs(_ dir: String) -> [String] {
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/projects"))?.filter { $0.hasSuffix(".log") }.sorted() ?? []
        return names.map { dir + "/projects/" + $0 }
    }

    func activeLog(_ dir: String) -> String { logs(dir).last! }

    /// Cut the active log at every byte offset inside the last record's batch: every open
    /// succeeds, keeps exactly the earlier records, and new appends after it survive reopen.
    @Test func tornTailAtEveryOffsetOfTheLastRecord() async throws {
        let tmp = TempDir("torn"); defer { tmp.cleanup() }
        // A crash image: the directory as a killed process leaves it (copied while open, after
        // the writes were acknowledged and synced; a clean close would also record how far
        // the active file is verified, and a cut below that is damage, not a torn tail).
        let base = tmp.sub("base")
        do {
            let store = try ContextStore.open(directory: tmp.sub("live"))
            for i in 0..<5 { try await store.put(segment(i)) }  // one batch each
            copyTree(tmp.sub("live"), base)
            store.close()
        }
        let log = activeLog(base)
        let full = try FileSystem.fileSize(log)
        let lastStart = try #require(try lastFrameOffset(log))
        var checked = 0
        for cut in lastStart..<full {
            let work = tmp.sub("w")
            copyTree(base, work)
            let h = try FileHandle.openReadWrite(activeLog(work))
            try h.truncate(to: cut)
            let store = try ContextStore.open(directory: work)
            let live = try store.scan(project: "p")
            #expect(live.map(\.segmentID) == (0..<4).map { "id-\($0)" }, "cut at \(cut)")
            #expect(live.map(\.withoutTokenCache) == (0..<4).map { segment($0) })
            if cut > lastStart {
                #expect(store.recoveryReport.tornTails.first?.droppedBytes == cut - lastStart)
            }
            try await store.put(segment(100))
            store.close()
            let again = try ContextStore.open(directory: work)
            #expect(try again.scan(project: "p").map(\.segmentID) == (0..<4).map { "id-\($0)" } + ["id-100"])
            #expect(again.recoveryReport.tornTails.isEmpty)
            again.close()
            checked += 1
        }
        #expect(checked == Int(full - lastStart))
    }

    func lastFrameOffset(_ path: String) throws -> Int64? {
        let reader = try LogFileReader(path: path, size: FileSystem.fileSize(path))
        var last: Int?
        _ = reader.scanFrames { offset, _ in last = offset }
        return last.map(Int64.init)
    }

    /// A bad checksum with valid batches after it is corruption: open fails naming the
    /// file and offset, and the store directory is byte-for-byte unchanged.
    @Test func midLogCorruptionRefusesToOpenAndChangesNothing() async throws {
        let tmp = TempDir("corrupt"); defer { tmp.cleanup() }
        let dir = tmp.sub("s")
        let store = try ContextStore.open(directory: tmp.sub("live"))
        for i in 0..<6 { try await store.put(segment(i)) }
        copyTree(tmp.sub("live"), dir)  // a crash image (see tornTailAtEveryOffsetOfTheLastRecord)
        try await store.compact()  // seals the memtable (a clean close leaves a small one in the log)
        store.close()
        let log = activeLog(dir)
        let reader = try LogFileReader(path: log, size: FileSystem.fileSize(log))
        var offsets: [Int] = []
        _ = reader.scanFrames { o, _ in offsets.append(o) }
        var bytes = try #require(FileManager.default.contents(atPath: log))
        bytes[offsets[2] + LogFormat.batchHeaderSize + 3] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: log))
        let before = treeSnapshot(dir)
        #expect {
            _ = try ContextStore.open(directory: dir)
        } throws: { error in
            guard case let StoreError.corruption(file, offset, _) = error else { return false }
            return file == log && offset == Int64(offsets[2])
        }
        #expect(treeSnapshot(dir) == before)
        let report = try ContextStore.verify(directory: dir)
        #expect(!report.isSound)
        // The seal rolled the log: the records are now in a sealed file, which open trusts
        // (checking its size); `verify` still finds damage inside it.
        let closed = tmp.sub("live")
        let closedLog = logs(closed).first!
        #expect(closedLog != activeLog(closed))
        var closedBytes = try #require(FileManager.default.contents(atPath: closedLog))
        closedBytes[offsets[2] + LogFormat.batchHeaderSize + 3] ^= 0x10
        try closedBytes.write(to: URL(fileURLWithPath: closedLog))
        #expect(!(try ContextStore.verify(directory: closed)).isSound)
        let shortened = try FileHandle.openReadWrite(closedLog)
        try shortened.truncate(to: Int64(offsets[5]))
        #expect(throws: StoreError.self) { _ = try ContextStore.open(directory: closed) }
    }

    @Test func manifestDamageIsDetectedAndLeavesTheStoreUnchanged() async throws {
        let tmp = TempDir("manifest"); defer { tmp.cleanup() }
        let base = tmp.sub("base")
        let store = try ContextStore.open(directory: base)
        try await store.put(segment(1))
        store.close()
        let original = try #require(FileManager.default.contents(atPath: base + "/MANIFEST"))
        var damages: [(String, Data)] = [
            ("zero-filled", Data(count: original.count)),
            ("truncated", original.prefix(original.count - 3)),
            ("empty", Data()),
        ]
        for bit in stride(from: 0, to: original.count * 8, by: 7) {
            var d = original
            d.flipBit(bit)
            damages.append(("bit \(bit)", d))
        }
        for (what, content) in damages {
            let dir = tmp.sub("w")
            copyTree(base, dir)
            try content.write(to: URL(fileURLWithPath: dir + "/MANIFEST"))
            let before = treeSnapshot(dir)
            #expect(throws: StoreError.self, "\(what)") { _ = try ContextStore.open(directory: dir) }
            #expect(treeSnapshot(dir) == before, "\(what)")
        }
        // A future version is reported as such, and the directory is left byte-identical.
        let dir = tmp.sub("future")
        copyTree(base, dir)
        var future = original
        future[8] = 9
        try future.write(to: URL(fileURLWithPath: dir + "/MANIFEST"))
        let before = treeSnapshot(dir)
        #expect(throws: StoreError.unsupportedVersion(file: dir + "/MANIFEST", found: 9, supported: Int(ManifestCodec.version))) {
            _ = try ContextStore.open(directory: dir)
        }
        #expect(treeSnapshot(dir) == before)
    }

    @Test func sealedFileDamageIsDetected() async throws {
        let tmp = TempDir("sealed"); defer { tmp.cleanup() }
        let base = tmp.sub("base")
        let store = try ContextStore.open(directory: base, configuration: Configuration(logFileSize: 1024))
        for i in 0..<40 { try await store.put(segment(i)) }
        store.close()
        let first = base + "/projects/0000000000000001/log/00000001.log"
        #expect(FileManager.default.fileExists(atPath: base + "/projects/0000000000000001/log/00000002.log"))
        let cases: [(String, (String) throws -> Void)] = [
            ("missing", { try FileManager.default.removeItem(atPath: $0) }),
            ("shortened", { p in let h = try FileHandle.openReadWrite(p); try h.truncate(to: try h.size() - 1) }),
            ("lengthened", { p in let h = try FileHandle.openReadWrite(p); try h.write([0], at: try h.size()) }),
            ("swapped", { p in
                let other = p.replacingOccurrences(of: "00000001.log", with: "00000002.log")
                let a = FileManager.default.contents(atPath: p)!, b = FileManager.default.contents(atPath: other)!
                try b.write(to: URL(fileURLWithPath: p)); try a.write(to: URL(fileURLWithPath: other))
            }),
        ]
        for (what, damage) in cases {
            let dir = tmp.sub("w")
            copyTree(base, dir)
            try damage(first.replacingOccurrences(of: base, with: dir))
            #expect(throws: StoreError.self, "\(what)") { _ = try ContextStore.open(directory: dir) }
        }
        // Intact, it opens and holds everything.
        let ok = try ContextStore.open(directory: base)
        #expect(try ok.scan(project: "p").count == 40)
        ok.close()
        #expect(try ContextStore.verify(directory: base).isSound)
    }

    /// Files a crash left before the manifest named them (a roll or a new project whose
    /// publish never happened) are removed at open; the data the manifest names stays.
    @Test func orphansAreRemovedAtOpen() async throws {
        let tmp = TempDir("orphan"); defer { tmp.cleanup() }
        let dir = tmp.sub("s")
        let store = try ContextStore.open(directory: dir)
        try await store.put(segment(1))
        store.close()
        let orphanLog = dir + "/projects/0000000000000001/log/00000009.log"
        let orphanProject = dir + "/projects/00000000000000ff/log"
        try FileManager.default.createDirectory(atPath: orphanProject, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: orphanProject + "/00000001.log", contents: Data([1, 2, 3]))
        _ = FileManager.default.createFile(atPath: orphanLog, contents: Data([1, 2, 3]))
        _ = FileManager.default.createFile(atPath: dir + "/MANIFEST.tmp", contents: Data([9]))
        let reopened = try ContextStore.open(directory: dir)
        #expect(!FileManager.default.fileExists(atPath: orphanLog))
        #expect(!FileManager.default.fileExists(atPath: dir + "/projects/00000000000000ff"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/MANIFEST.tmp"))
        #expect(try reopened.scan(project: "p").count == 1)
        reopened.close()
    }
}
