import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (scripts and CI
/// logs stay quiet), at most ten times a second.
final class ProgressBar: @unchecked Sendable {
    // Sendable: all state is behind `lock`.
    private let lock = NSLock()
    private let label: String
    private let total: Int
    private var done = 0
    private var lastDraw: UInt64 = 0
    private let start = DispatchTime.now().uptimeNanoseconds
    private let enabled = isatty(2) != 0

    init(_ label: String, total: Int) {
        self.label = label
        self.total = max(total, 1)
    }

    func advance(by n: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        done += n
        let now = DispatchTime.now().uptimeNanoseconds
        if now - lastDraw < 100_000_000 && done < total { return }
        lastDraw = now
        let frac = min(1.0, Double(done) / Double(total))
        let width = 30
        let filled = Int(frac * Double(width))
        let secs = Double(now - start) / 1e9
        let rate = secs > 0 ? Double(done) / secs : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\r%@ [%@] %3.0f%% %d/%d %.0f/s", label, bar, frac * 100, done, total, rate)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
