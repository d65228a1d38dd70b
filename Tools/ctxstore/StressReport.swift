import ContextStore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One optional phase's figures for `ctxstore stress`: rows for the text table and the same
/// values under a JSON object (`--json` puts it at `key` in the top-level object).
struct StressSection {
    /// One line of the table; `values` are its JSON keys and values (one or more).
    struct Row {
        var label: String
        var text: String
        var values: [(key: String, value: Any)]
    }

    let key: String
    let title: String
    private(set) var rows: [Row] = []
    /// Definitions printed under the table (and put in the JSON as `<key>_definition`).
    private(set) var notes: [(key: String, text: String)] = []

    init(key: String, title: String) {
        self.key = key
        self.title = title
    }

    mutating func add(_ label: String, _ text: String, _ values: [(key: String, value: Any)]) {
        rows.append(Row(label: label, text: text, values: values))
    }

    mutating func add(_ label: String, _ key: String, _ value: Double, digits: Int = 2) {
        add(label, showFigure(value, digits), [(key, jsonNumber(value))])
    }

    mutating func add(_ label: String, _ key: String, _ value: Int) { add(label, "\(value)", [(key, value)]) }
    mutating func add(_ label: String, _ key: String, _ value: Int64) { add(label, "\(value)", [(key, value)]) }
    mutating func add(_ label: String, _ key: String, _ value: Bool) { add(label, value ? "yes" : "NO", [(key, value)]) }
    mutating func add(_ label: String, _ key: String, _ value: String) { add(label, value, [(key, value)]) }

    mutating func note(_ key: String, _ text: String) { notes.append((key, text)) }

    var jsonObject: [String: Any] {
        var o: [String: Any] = [:]
        for r in rows { for (k, v) in r.values { o[k] = v } }
        for n in notes { o[n.key + "_definition"] = n.text }
        return o
    }

    func printText() {
        print("")
        print(title)
        let width = rows.map(\.label.count).max() ?? 0
        for r in rows { print("  " + r.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + r.text) }
        for n in notes { print("  * " + n.text) }
    }
}

/// A figure for the text table: "n/a" for NaN or infinity (no samples, a zero divisor).
func showFigure(_ v: Double, _ digits: Int = 2) -> String {
    guard v.isFinite else { return "n/a" }
    return fmt(abs(v) < 0.5 * pow(10, Double(-digits)) ? 0 : v, digits)  // no "-0.000"
}

/// A figure for the JSON output: null for NaN or infinity (JSONSerialization refuses them).
func jsonNumber(_ v: Double) -> Any { v.isFinite ? v : NSNull() }

/// The value at fraction `p` of `sorted` (nearest rank, as the search phase has always
/// computed it); NaN when there are no samples.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
}

func nowNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// One timed operation (a search or a put), in `DispatchTime` nanoseconds.
struct TimedOp: Sendable {
    var start: UInt64
    var end: UInt64
    var micros: Double { Double(end - start) / 1000 }
}

extension Array where Element == TimedOp {
    /// The operations that started and finished inside [from, to].
    func within(_ from: UInt64, _ to: UInt64) -> [TimedOp] { filter { $0.start >= from && $0.end <= to } }
    var sortedMicros: [Double] { map(\.micros).sorted() }
}

/// A one-way signal between tasks (set once, polled).
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// Resident memory of this process from /proc/self/status (Linux; nil elsewhere).
enum ProcessMemory {
    /// Resets the peak (`VmHWM`) to the current resident size, so that the next reading is
    /// the peak of what ran in between (Linux >= 4.0: "5" into /proc/self/clear_refs).
    /// False if the kernel refused: the peak then covers the whole process lifetime.
    static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// `VmHWM` (peak resident) in MB (10^6 bytes).
    static var peakMB: Double? { field("VmHWM:") }
    /// `VmRSS` (current resident) in MB.
    static var residentMB: Double? { field("VmRSS:") }

    private static func field(_ name: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let kb = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Double($0) }
            return kb.map { $0 * 1024 / 1e6 }
        }
        return nil
    }
}

/// A progress bar fed with (done, total) byte counts from any thread (compaction, import):
/// made on the first report, since the total is only known then.
final class ByteProgressBar: @unchecked Sendable {
    // Sendable: `bar` and `shown` are behind `lock`.
    private let lock = NSLock()
    private let label: String
    private var bar: ProgressBar?
    private var shown: Int64 = 0

    init(_ label: String) { self.label = label }

    func update(done: Int64, total: Int64) {
        lock.lock()
        defer { lock.unlock() }
        if bar == nil { bar = ProgressBar(label, total: Int(max(total, 1))) }
        if done > shown {
            bar?.advance(by: Int(done - shown))
            shown = done
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        bar?.finish()
    }
}

/// Makes a new directory `ctxstore-stress-<pid>-<n>` under `parent` (default: the store's
/// parent directory) and returns its path. Only such directories are ever removed.
func makeScratchDirectory(parent: String?, store: String) throws -> String {
    let base = parent ?? URL(fileURLWithPath: store).standardizedFileURL.deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    for n in 0..<1000 {
        let path = base + "/ctxstore-stress-\(getpid())-\(n)"
        if mkdir(path, 0o755) == 0 { return path }
        if errno != EEXIST { break }
    }
    throw CommandFailure("cannot make a scratch directory under \(base)")
}
