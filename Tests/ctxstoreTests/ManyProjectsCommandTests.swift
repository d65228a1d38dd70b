import ContextStore
import ContextStoreTestSupport
import Foundation
import Testing

/// Issue 17, defect 8: a store of many projects (one segment each) is written, reopened,
/// searched (one project, and every project), counted, compacted and verified by
/// `ctxstore` under `ulimit -n 256`, each command a new process. By default 5,000 projects
/// (more than the 1,024 a holder keeps loaded); `CONTEXTSTORE_MANY_PROJECTS=100000` for the
/// full count. The store goes to /dev/shm when there is one: the test is about descriptors,
/// maps and memory, not about the disk's fsync rate. Then the same reads (and a forwarded
/// write) again while this process holds the store, each command a reader beside it, and
/// a backup (copied, not linked) whose copy verifies.
@Suite struct ManyProjectsCommandTests {
    static let projects = Int(ProcessInfo.processInfo.environment["CONTEXTSTORE_MANY_PROJECTS"] ?? "") ?? 5_000

    /// Runs ctxstore with at most 256 open descriptors.
    static func limited(_ args: [String], stdin: Data? = nil) throws -> (Int32, String, String) {
        let quoted = ([try ctxstoreBinary()] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -n 256 && exec " + quoted.joined(separator: " ")]
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        // Both pipes read on threads of their own from the start (see `runCtxstore`).
        let errData = Collected(), outData = Collected()
        Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }.start()
        Thread { outData.set(out.fileHandleForReading.readDataToEndOfFile()) }.start()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try? inp.fileHandleForWriting.close()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: outData.waitBlocking(), as: UTF8.self),
                String(decoding: errData.waitBlocking(), as: UTF8.self))
    }

    /// Runs `body` on a thread of its own: the commands take minutes, which must not hold
    /// one of the cooperative pool's few threads (other suites' tasks need them).
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in Thread { c.resume(with: Result { try body() }) }.start() }
    }

    @Test func aStoreOfManyProjectsWorksUnderAUlimitOf256() async throws {
        let problems = try await Self.onThread { try Self.run() }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The steps; returns what went wrong (issues are recorded by the test's task, not here).
    static func run() throws -> [String] {
        var problems: [String] = []
        func expect(_ ok: Bool, _ message: @autoclosure () -> String) { if !ok { problems.append(message()) } }
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let store = base + "/ctxstore-many-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: store) }
        var input = ""
        for i in 0..<Self.projects {
            input += #"{"segment_id":"s\#(i)","text":"many projects common word\#(i)","type":"note","project_id":"proj-\#(i)","created_at":"2026-01-01T00:00:00","last_touched_at":"2026-01-01T00:00:00","tier":"stashed"}"#
            input += "\n"
        }
        let n = Self.projects
        let started = Date()
        func step(_ label: String, _ args: [String], stdin: Data? = nil, on path: String? = nil) throws -> String {
            let t = Date()
            let (status, out, err) = try Self.limited(args + ["--store", path ?? store], stdin: stdin)
            print("many projects (\(n)): \(label) \(String(format: "%.1f", Date().timeIntervalSince(t))) s")
            expect(status == 0, "\(label): status \(status): \(err.suffix(500))")
            return out
        }
        /// A search of one project (`k`'s), of every project, and the per-project totals.
        func reads(_ prefix: String, project k: Int) throws {
            let one = try step(prefix + "search one project", ["search", "--project", "proj-\(k)", "--query", "word\(k)", "--json"])
            expect(one.contains("\"s\(k)\""), "\(one.prefix(300))")
            let all = try step(prefix + "search every project", ["search", "--query", "common", "--limit", "5", "--json"])
            expect(all.contains("\"total_matches\":\(n)") || all.contains("\"total_matches\": \(n)"), "\(all.prefix(300))")
            let stats = try step(prefix + "stats", ["stats", "--json"])
            expect(stats.contains("proj-\(n - 1)"), "\(stats.prefix(300))")
        }
        _ = try step("put", ["put", "--batch", "5000"], stdin: Data(input.utf8))
        // Reopened by every command from here on.
        try reads("", project: n - 7)
        _ = try step("put more into an old project", ["put"], stdin: Data(
            #"{"segment_id":"late","text":"many projects late","type":"note","project_id":"proj-3","created_at":"2026-01-01T00:00:00","last_touched_at":"2026-01-01T00:00:00"}"#.utf8 + Data("\n".utf8)))
        _ = try step("compact", ["compact", "--json"])
        let after = try step("search after compacting", ["search", "--project", "proj-3", "--query", "many", "--json"])
        expect(after.contains("\"late\"") && after.contains("\"s3\""), "\(after.prefix(300))")
        _ = try step("verify", ["verify"])

        // Beside a holder (this process): each command is a reader (or forwards its write),
        // holding a bounded number of files of the store.
        let holder = try ContextStore.open(directory: store)
        defer { holder.close() }
        try reads("reader: ", project: n - 9)
        _ = try step("forwarded put", ["put"], stdin: Data(
            #"{"segment_id":"beside","text":"many projects beside","type":"note","project_id":"proj-5","created_at":"2026-01-01T00:00:00","last_touched_at":"2026-01-01T00:00:00"}"#.utf8 + Data("\n".utf8)))
        let forwarded = try step("reader: get the forwarded write", ["get", "--project", "proj-5", "beside", "--json"])
        expect(forwarded.contains("many projects beside"), "\(forwarded.prefix(300))")
        let copy = store + "-copy"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        _ = try step("backup (copied) beside the holder", ["backup", "--to", copy, "--copy"])
        _ = try step("verify the copy", ["verify"], on: copy)
        let copied = try step("search the copy", ["search", "--project", "proj-5", "--query", "beside", "--json"], on: copy)
        expect(copied.contains("\"beside\""), "\(copied.prefix(300))")
        print("many projects (\(n)): all steps \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        return problems
    }
}
