// Tokenizer throughput beside Python tiktoken, on the same texts in the same run (the
// machine is shared and noisy: compare ratios, report medians).
//
//   swift build -c release --product TokenBench
//   .build/release/TokenBench [--ndjson FILE] [--limit N] [--runs 5] [--threads N]
//                             [--encodings cl100k_base,o200k_base] [--max-mb 16]
//                             [--python python3] [--script Benchmarks/tiktoken_bench.py]
//                             [--vocabulary DIR] [--no-python]
//
// Texts: the `text` field of every line of --ndjson FILE (segments, e.g. from
// `ctxstore export --format ndjson`), or by default two sets cut from this machine's files into
// chunks of 20-120 lines: C headers from /usr/include (seeded file order, up to --max-mb)
// and English prose from /usr/share/common-licenses (264 KB here, so its texts are
// repeated to 8 MB to make each timed pass long enough to measure).
//
// For each set and encoding: the Swift tokenizer counts every text once (warm-up, and the
// counts), then --runs timed passes on one thread and --runs on --threads threads (texts
// handed out in small blocks); then Benchmarks/tiktoken_bench.py gets the same texts and
// times tiktoken's encode_ordinary loop on one thread the same way. Per-text counts must
// be identical; any difference is printed loudly and the exit status is 1.
import ContextStore
import Foundation
import Synchronization

struct Options {
    var ndjson: String?
    var limit: Int?
    var runs = 5
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var encodings: [TokenEncoding] = TokenEncoding.allCases
    var maxMB = 16.0
    var python = "python3"
    var script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tiktoken_bench.py").path
    var vocabulary: String?
    var runPython = true

    static let usage = """
        usage: TokenBench [--ndjson FILE] [--limit N] [--runs N] [--threads N]
                          [--encodings cl100k_base,o200k_base] [--max-mb MB] [--python EXE]
                          [--script PATH] [--vocabulary DIR] [--no-python]
        """

    init(_ args: [String]) {
        var i = 1
        func value() -> String {
            guard i + 1 < args.count else { Self.fail("\(args[i]) needs a value") }
            i += 1
            return args[i]
        }
        func number<T: LosslessStringConvertible>(_ flag: String) -> T {
            let text = value()
            guard let n = T(text) else { Self.fail("\(flag) needs a number, not \(text)") }
            return n
        }
        while i < args.count {
            switch args[i] {
            case "--ndjson": ndjson = value()
            case "--limit": limit = number("--limit") as Int
            case "--runs": runs = max(1, number("--runs"))
            case "--threads": threads = max(1, number("--threads"))
            case "--max-mb": maxMB = number("--max-mb")
            case "--python": python = value()
            case "--script": script = value()
            case "--vocabulary": vocabulary = value()
            case "--no-python": runPython = false
            case "--encodings":
                encodings = value().split(separator: ",").map { name in
                    guard let encoding = TokenEncoding(rawValue: String(name)) else { Self.fail("unknown encoding \(name)") }
                    return encoding
                }
            case "--help", "-h":
                print(Self.usage)
                exit(0)
            default: Self.fail("unknown argument \(args[i])")
            }
            i += 1
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("TokenBench: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
}

// MARK: - Texts

struct TextSet {
    let name: String
    let texts: [String]
    let sources: [String]  // where each text came from, for mismatch reports
    var bytes: Int { texts.reduce(0) { $0 + $1.utf8.count } }
}

/// SplitMix64, for a seeded file order.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func loadNDJSON(_ path: String, limit: Int?) -> TextSet {
    struct Line: Decodable { let segment_id: String?; let text: String }
    guard let data = FileManager.default.contents(atPath: path) else { Options.fail("cannot read \(path)") }
    let decoder = JSONDecoder()
    var texts: [String] = [], sources: [String] = []
    var number = 0
    for line in data.split(separator: 0x0A) {
        number += 1
        if let limit, texts.count >= limit { break }
        guard let segment = try? decoder.decode(Line.self, from: Data(line)) else {
            Options.fail("\(path) line \(number) is not a segment with a text field")
        }
        texts.append(segment.text)
        sources.append("\(path):\(number) \(segment.segment_id ?? "")")
    }
    return TextSet(name: (path as NSString).lastPathComponent, texts: texts, sources: sources)
}

/// Chunks of 20-120 lines (lengths from the RNG) of every UTF-8 file, in the given order,
/// until `maxBytes` of text.
func chunkFiles(_ paths: [String], name: String, maxBytes: Int, rng: inout SplitMix) -> TextSet {
    var texts: [String] = [], sources: [String] = []
    var bytes = 0
    for path in paths where bytes < maxBytes {
        guard let data = FileManager.default.contents(atPath: path), !data.contains(0),
              let text = String(validating: data, as: UTF8.self) else { continue }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var start = 0
        while start < lines.count && bytes < maxBytes {
            let end = min(lines.count, start + Int.random(in: 20...120, using: &rng))
            let chunk = lines[start..<end].joined(separator: "\n")
            if !chunk.allSatisfy(\.isWhitespace) {
                texts.append(chunk)
                sources.append("\(path):\(start + 1)-\(end)")
                bytes += chunk.utf8.count
            }
            start = end
        }
    }
    return TextSet(name: name, texts: texts, sources: sources)
}

/// Regular files (no symlinks) under `root` whose name passes `keep`, sorted.
func regularFiles(under root: String, _ keep: (String) -> Bool) -> [String] {
    var paths: [String] = []
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    for case let rel as String in walker where keep(rel) {
        let path = root + "/" + rel
        if let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType,
           type == .typeRegular {
            paths.append(path)
        }
    }
    return paths.sorted()
}

func defaultTextSets(maxMB: Double) -> [TextSet] {
    var rng = SplitMix(state: 20_261_124)
    var headers = regularFiles(under: "/usr/include") { $0.hasSuffix(".h") || $0.hasSuffix(".hpp") }
    headers.shuffle(using: &rng)
    let licenses = regularFiles(under: "/usr/share/common-licenses") { _ in true }
    var proseRNG = SplitMix(state: 7)  // its own, so --max-mb does not change the prose set
    return [
        chunkFiles(headers, name: "usr-include headers", maxBytes: Int(maxMB * 1e6), rng: &rng),
        repeated(chunkFiles(licenses, name: "common-licenses prose", maxBytes: Int.max, rng: &proseRNG), toAtLeast: 8_000_000),
    ].filter { !$0.texts.isEmpty }
}

/// A small set repeated until it has `bytes` of text, so each timed pass lasts long enough
/// to measure (neither tokenizer caches anything between texts, so repeats cost the same).
func repeated(_ set: TextSet, toAtLeast bytes: Int) -> TextSet {
    let size = set.bytes
    guard size > 0, size < bytes else { return set }
    let times = (bytes + size - 1) / size
    return TextSet(name: "\(set.name) ×\(times)", texts: Array([[String]](repeating: set.texts, count: times).joined()),
                   sources: Array([[String]](repeating: set.sources, count: times).joined()))
}

// MARK: - Swift measurements

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// User + system CPU seconds of this process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

func medianOf(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

@inline(never)
func countSerially(_ texts: [String], _ tokenizer: Tokenizer) -> Int {
    var total = 0
    for text in texts { total += tokenizer.count(text) }
    return total
}

/// Hands out blocks of texts to whichever thread is free.
final class BlockQueue: Sendable {
    let next = Atomic<Int>(0)
    let total = Atomic<Int>(0)
}

@inline(never)
func countInParallel(_ texts: [String], _ tokenizer: Tokenizer, threads: Int) -> Int {
    let queue = BlockQueue()
    let block = 16
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
        var sum = 0
        while true {
            let start = queue.next.wrappingAdd(block, ordering: .relaxed).oldValue
            if start >= texts.count { break }
            for i in start..<min(start + block, texts.count) { sum += tokenizer.count(texts[i]) }
        }
        queue.total.wrappingAdd(sum, ordering: .relaxed)
    }
    return queue.total.load(ordering: .relaxed)
}

struct Timing {
    var seconds: [Double]
    var median: Double { medianOf(seconds) }
}

// MARK: - Python

struct PythonReport: Decodable {
    struct Entry: Decodable {
        let runs_seconds: [Double]
        let median_seconds: Double
        let tokens: Int
        let bytes: Int
        let counts: [Int]?
    }
    let tiktoken_version: String
    let python: String
    let texts: Int
    let results: [String: Entry]
}

/// Runs tiktoken_bench.py on `set`'s texts; nil (after a loud message) if it failed.
func runPython(_ set: TextSet, _ options: Options) -> PythonReport? {
    let file = NSTemporaryDirectory() + "tokenbench-texts-\(getpid()).ndjson"
    defer { unlink(file) }
    var out = Data()
    out.reserveCapacity(set.bytes + set.bytes / 8)
    let encoder = JSONEncoder()
    for text in set.texts {
        out.append(try! encoder.encode(text))
        out.append(0x0A)
    }
    guard FileManager.default.createFile(atPath: file, contents: out) else {
        printLoud("cannot write \(file)")
        return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    var arguments = [options.python, options.script, "--texts", file, "--runs", String(options.runs),
                     "--encodings", options.encodings.map(\.rawValue).joined(separator: ",")]
    if let vocabulary = options.vocabulary { arguments += ["--vocab-dir", vocabulary] }
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe  // stderr is inherited: the script's errors show as they are
    do { try process.run() } catch {
        printLoud("cannot run \(options.python) \(options.script): \(error)")
        return nil
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        printLoud("\(options.script) exited with status \(process.terminationStatus)")
        return nil
    }
    do {
        return try JSONDecoder().decode(PythonReport.self, from: data)
    } catch {
        printLoud("cannot parse the output of \(options.script): \(error)")
        return nil
    }
}

func printLoud(_ message: String) {
    FileHandle.standardError.write(Data("\n!!! TokenBench: \(message)\n\n".utf8))
}

// MARK: - Main

struct Row {
    let set: String
    let encoding: TokenEncoding
    let texts: Int
    let bytes: Int
    let tokens: Int
    let single: Timing
    let parallel: Timing
    let python: Double?  // median seconds
    let countsEqual: Bool?
}

let options = Options(CommandLine.arguments)
let sets: [TextSet] = options.ndjson.map { [loadNDJSON($0, limit: options.limit)] } ?? defaultTextSets(maxMB: options.maxMB)
guard !sets.isEmpty, sets.allSatisfy({ !$0.texts.isEmpty }) else { Options.fail("no texts") }

var rows: [Row] = []
var failed = false
var versions = "tiktoken not run"
for set in sets {
    print("\(set.name): \(set.texts.count) texts, \(String(format: "%.2f", Double(set.bytes) / 1e6)) MB")
    var swiftCounts: [TokenEncoding: [Int]] = [:]
    var partial: [(TokenEncoding, Int, Timing, Timing)] = []
    for encoding in options.encodings {
        let t0 = now()
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer.load(encoding, vocabularyDirectory: options.vocabulary)
        } catch {
            printLoud("\(error)")
            exit(1)
        }
        let loadSeconds = now() - t0
        let counts = set.texts.map { tokenizer.count($0) }  // warm-up, and the counts
        let tokens = counts.reduce(0, +)
        swiftCounts[encoding] = counts
        var single = Timing(seconds: []), parallel = Timing(seconds: [])
        var parallelCPU = 0.0
        for _ in 0..<options.runs {
            var t = now()
            let a = countSerially(set.texts, tokenizer)
            single.seconds.append(now() - t)
            t = now()
            let cpu = cpuSeconds()
            let b = countInParallel(set.texts, tokenizer, threads: options.threads)
            parallel.seconds.append(now() - t)
            parallelCPU += cpuSeconds() - cpu
            if a != tokens || b != tokens { printLoud("Swift counts changed between runs: \(tokens), \(a), \(b)"); failed = true }
        }
        let load = loadSeconds < 0.001 ? "vocabulary already loaded" : "vocabulary loaded in \(String(format: "%.0f", loadSeconds * 1000)) ms"
        print("  Swift \(encoding.rawValue): \(load); "
            + "1 thread \(fmtRuns(single.seconds)); \(options.threads) threads \(fmtRuns(parallel.seconds)), "
            + "using \(String(format: "%.2f", parallelCPU / parallel.seconds.reduce(0, +))) cores on average "
            + "(fewer than \(options.threads) means other processes held the CPU)")
        partial.append((encoding, tokens, single, parallel))
    }

    let report = options.runPython ? runPython(set, options) : nil
    if options.runPython && report == nil { failed = true }
    if let report { versions = "tiktoken \(report.tiktoken_version), Python \(report.python)" }
    for (encoding, tokens, single, parallel) in partial {
        let entry = report?.results[encoding.rawValue]
        var equal: Bool?
        if let entry {
            print("  tiktoken \(encoding.rawValue): 1 thread \(fmtRuns(entry.runs_seconds))")
            let ours = swiftCounts[encoding]!
            let theirs = entry.counts ?? []
            var mismatches = 0
            for i in 0..<min(ours.count, theirs.count) where ours[i] != theirs[i] {
                mismatches += 1
                if mismatches <= 10 {
                    printLoud("COUNT MISMATCH \(encoding.rawValue) text #\(i) (\(set.sources[i])): "
                        + "Swift \(ours[i]), tiktoken \(theirs[i]); text starts \(String(reflecting: String(set.texts[i].prefix(120))))")
                }
            }
            if theirs.count != ours.count || entry.tokens != tokens || mismatches > 0 {
                printLoud("COUNTS DIFFER for \(set.name) \(encoding.rawValue): \(mismatches) of \(ours.count) texts; "
                    + "totals Swift \(tokens), tiktoken \(entry.tokens)")
                failed = true
                equal = false
            } else {
                equal = true
            }
        }
        rows.append(Row(set: set.name, encoding: encoding, texts: set.texts.count, bytes: set.bytes, tokens: tokens,
                        single: single, parallel: parallel, python: entry?.median_seconds, countsEqual: equal))
    }
}

func fmtRuns(_ seconds: [Double]) -> String {
    "median \(String(format: "%.3f", medianOf(seconds))) s of [" + seconds.map { String(format: "%.3f", $0) }.joined(separator: ", ") + "]"
}

func rate(_ bytes: Int, _ tokens: Int, _ seconds: Double) -> String {
    String(format: "%.1f MB/s, %.2f M tok/s", Double(bytes) / 1e6 / seconds, Double(tokens) / 1e6 / seconds)
}

print("")
print("TokenBench: \(ProcessInfo.processInfo.activeProcessorCount) cores, medians of \(options.runs) runs, \(versions)")
print("")
print("| texts | encoding | MB | tokens | Swift 1 thread | Swift \(options.threads) threads | tiktoken 1 thread | Swift 1 thread ÷ tiktoken | Swift \(options.threads) threads ÷ tiktoken | counts equal |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
for row in rows {
    let single = row.single.median, parallel = row.parallel.median
    let python = row.python.map { rate(row.bytes, row.tokens, $0) } ?? "not run"
    let r1 = row.python.map { String(format: "%.2f×", $0 / single) } ?? "–"
    let r2 = row.python.map { String(format: "%.2f×", $0 / parallel) } ?? "–"
    let equal = row.countsEqual.map { $0 ? "yes (\(row.texts) texts)" : "**NO**" } ?? "not checked"
    print("| \(row.set) (\(row.texts)) | \(row.encoding.rawValue) | \(String(format: "%.2f", Double(row.bytes) / 1e6)) | \(row.tokens) "
        + "| \(rate(row.bytes, row.tokens, single)) | \(rate(row.bytes, row.tokens, parallel)) | \(python) | \(r1) | \(r2) | \(equal) |")
}
if failed {
    printLoud("FAILED: see the messages above (count mismatches or tiktoken errors)")
    exit(1)
}
