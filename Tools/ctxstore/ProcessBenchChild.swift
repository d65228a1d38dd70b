import Foundation

/// A `ctxstore process-worker --role holder` child of `bench-processes`: started from this
/// very executable, its stdout counted line by line on a thread of its own (`ack` lines are
/// the batches it made durable), stopped with SIGTERM (it closes the store and exits 0).
final class ProcessBenchChild: @unchecked Sendable {
    // Sendable: `acks`, `ready` and `closed` are only touched with `lock` held.
    private let process = Process()
    private let lock = NSCondition()
    private var acks = 0
    private var ready = false
    private var closed = false

    /// Starts `ctxstore process-worker` with `arguments` after it; waits until it holds the
    /// store (its `ready` line, or its first `ack`). Throws if it exits first.
    init(_ arguments: [String]) throws {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["process-worker"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? out.fileHandleForWriting.close()
        Thread { [self] in count(out.fileHandleForReading) }.start()
        lock.lock()
        while !ready && !closed { lock.wait() }
        let started = ready
        lock.unlock()
        if !started {
            process.waitUntilExit()
            throw CommandFailure("the holder child (process-worker \(arguments.joined(separator: " "))) exited with status "
                                 + "\(process.terminationStatus) before it held the store")
        }
    }

    private func count(_ handle: FileHandle) {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                pending = Data(pending[(nl + 1)...])
                lock.lock()
                if line.hasPrefix("ack ") { acks += 1; ready = true }
                if line == "ready" { ready = true }
                lock.broadcast()
                lock.unlock()
            }
        }
        lock.lock(); closed = true; lock.broadcast(); lock.unlock()
    }

    /// Batches acknowledged so far.
    var acknowledged: Int {
        lock.lock(); defer { lock.unlock() }
        return acks
    }

    /// SIGTERM, then waits for the exit; throws unless it closed the store and exited 0.
    func stop() throws {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        guard process.terminationReason == .exit && process.terminationStatus == 0 else {
            throw CommandFailure("the holder child exited with status \(process.terminationStatus)")
        }
    }
}
