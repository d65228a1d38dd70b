import Foundation

/// A running `ctxstore` child whose stdout is read line by line as it comes (on a thread of
/// its own, so the child never blocks on a full pipe), and which the test can signal: the
/// multi-process tests start holders, readers and writers with it and kill them with SIGKILL.
///
/// Only complete lines are kept: a child killed in the middle of a line leaves no half line.
/// Waits poll with `Task.sleep`, never blocking a thread of the cooperative pool.
package final class ChildProcess: @unchecked Sendable {
    // Sendable: `received` and `stdoutClosed` are only touched with `lock` held; `process`
    // is set up before the reader threads start.
    private let process = Process()
    private let lock = NSLock()
    private var received: [String] = []
    private var stdoutClosed = false
    private let stderrData = Collected()

    /// The child's process id.
    package var pid: Int32 { process.processIdentifier }
    /// Whether the child has not exited yet.
    package var isRunning: Bool { process.isRunning }
    /// The arguments it was started with (for messages).
    package let arguments: [String]

    /// Starts the built `ctxstore` with `arguments`, stdin closed, stdout and stderr piped.
    /// Throws when the executable is missing or cannot start.
    package init(_ arguments: [String]) throws {
        self.arguments = arguments
        process.executableURL = URL(fileURLWithPath: try ctxstoreBinary())
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        let stderrData = self.stderrData
        Thread { stderrData.set(err.fileHandleForReading.readDataToEndOfFile()) }.start()
        Thread { [self] in readLines(out.fileHandleForReading) }.start()
    }

    /// Reads the pipe to its end, publishing each complete line as it arrives.
    private func readLines(_ handle: FileHandle) {
        var pending = Data()
        while true {
            let chunk = handle.availableData  // empty only at end of file
            if chunk.isEmpty { break }
            pending.append(chunk)
            guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
            let whole = pending[pending.startIndex..<last]
            let lines = whole.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            pending = Data(pending[(last + 1)...])
            lock.lock(); received.append(contentsOf: lines); lock.unlock()
        }
        lock.lock(); stdoutClosed = true; lock.unlock()
    }

    /// The complete stdout lines received so far.
    package var lines: [String] { state().lines }

    /// The lines so far and whether stdout has closed, read together.
    private func state() -> (lines: [String], closed: Bool) {
        lock.withLock { (received, stdoutClosed) }
    }

    /// Waits until a line satisfies `match` (returns it), or stdout closes or `seconds` pass
    /// (returns nil).
    package func waitForLine(timeout seconds: Double = 60, _ match: (String) -> Bool) async -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        var checked = 0
        while true {
            let (snapshot, closed) = state()
            if let hit = snapshot[checked...].first(where: match) { return hit }
            checked = snapshot.count
            if closed || Date() > deadline { return nil }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    /// Sends `signal` to the child (SIGKILL, SIGTERM ...).
    package func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the child to exit and for its stdout to be read to the end; returns its
    /// status (the signal number when a signal ended it) and whether a signal did. Kills it
    /// with SIGKILL after `seconds` (a hung child must not hang the suite).
    @discardableResult
    package func waitForExit(timeout seconds: Double = 120) async -> (status: Int32, signaled: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline { signal(SIGKILL) }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        while !state().closed { try? await Task.sleep(nanoseconds: 2_000_000) }
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    /// Everything the child wrote on stderr; waits for the pipe's end (call after it exited).
    package func stderr() async -> String {
        String(decoding: await stderrData.wait(), as: UTF8.self)
    }

    /// `waitForExit`, then its stderr, in one message-ready form: "`args`: status s, stderr: ...".
    package func exitSummary(timeout seconds: Double = 120) async -> (status: Int32, signaled: Bool, description: String) {
        let (status, signaled) = await waitForExit(timeout: seconds)
        let err = await stderr()
        let how = signaled ? "signal \(status)" : "status \(status)"
        return (status, signaled, "ctxstore \(arguments.joined(separator: " ")): \(how), stderr: \(err)")
    }
}
