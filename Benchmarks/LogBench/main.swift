// Append-throughput benchmark for the log, beside the disk's own sequential write speed
// measured in the same run (the machine is shared and noisy: compare ratios, report medians).
//
//   swift run -c release LogBench [--runs 3] [--dir /tmp] [--records-400 100000] [--records-4k 25000]
//
// For each record size (400 B and 4 KiB of real text from /usr/include) and durability
// (fsync: sync-each-batch; no fsync: buffered), 32 concurrent writers put one record per
// call through the public API, so group commit decides how many writes and syncs happen.
import ContextStore
import Foundation

struct Options {
    var runs = 3
    var dir = NSTemporaryDirectory()
    var records400 = 100_000
    var records4k = 25_000
    var writers = 32

    init(_ args: [String]) {
        var i = 1
        while i < args.count {
            let v = i + 1 < args.count ? args[i + 1] : ""
            switch args[i] {
            case "--runs": runs = Int(v) ?? runs
            case "--dir": dir = v
            case "--records-400": records400 = Int(v) ?? records400
            case "--records-4k": records4k = Int(v) ?? records4k
            case "--writers": writers = Int(v) ?? writers
            default:
                print("usage: LogBench [--runs N] [--dir DIR] [--records-400 N] [--records-4k N] [--writers N]")
                exit(args[i] == "--help" ? 0 : 2)
            }
            i += 2
        }
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

/// Real text, cut into pieces of exactly `size` UTF-8 bytes (at line boundaries where possible).
func corpusTexts(size: Int, count: Int) -> [String] {
    var pool: [UInt8] = []
    let fm = FileManager.default
    if let walker = fm.enumerator(atPath: "/usr/include") {
        for case let rel as String in walker where rel.hasSuffix(".h") {
            if let d = fm.contents(atPath: "/usr/include/" + rel), String(data: d, encoding: .utf8) != nil { pool += d }
            if pool.count > 64 << 20 { break }
        }
    }
    if pool.isEmpty { pool = Array(String(repeating: "lorem ipsum dolor sit amet ", count: 100_000).utf8) }
    var out: [String] = []
    var at = 0
    while out.count < count {
        if at + size > pool.count { at = 0 }
        var end = at + size
        while end > at, (pool[end - 1] & 0xC0) == 0x80 || pool[end - 1] >= 0xC0 { end -= 1 }  // whole scalars
        var piece = Array(pool[at..<end])
        while piece.count < size { piece.append(0x20) }
        out.append(String(decoding: piece, as: UTF8.self))
        at = end
    }
    return out
}

/// The disk's sequential write speed: 256 MiB in 1 MiB writes, one fdatasync at the end;
/// and the rate of "1 MiB write + fdatasync" pairs.
func diskSpeed(dir: String) -> (seqMBs: Double, syncedMBs: Double) {
    let path = dir + "/logbench-disk-\(getpid())"
    defer { unlink(path) }
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0)
    defer { close(fd) }
    let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
    var t = now()
    for i in 0..<256 { _ = chunk.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(i) << 20) } }
    fdatasync(fd)
    let seq = 256 / (now() - t)
    t = now()
    for i in 0..<64 {
        _ = chunk.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(256 + i) << 20) }
        fdatasync(fd)
    }
    let synced = 64 / (now() - t)
    return (seq * 1.048576, synced * 1.048576)
}

func appendRun(texts: [String], durability: Durability, writers: Int, dir: String) async throws
    -> (seconds: Double, groups: Int, syncs: Int) {
    let path = dir + "/logbench-store-\(getpid())-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try ContextStore.open(directory: path, configuration: Configuration(durability: durability))
    let created = Timestamp(utcMicroseconds: 1_750_000_000_000_000)
    let segments = texts.enumerated().map { i, t in
        ContextSegment(segmentID: "r\(i)", text: t, type: .code, projectID: "bench", createdAt: created,
                       filePath: "/usr/include/x.h", tags: ["h"], tier: .stashed)
    }
    let t0 = now()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for w in 0..<writers {
            group.addTask {
                var i = w
                while i < segments.count {
                    try await store.put(segments[i])
                    i += writers
                }
            }
        }
        try await group.waitForAll()
    }
    try await store.sync()
    let seconds = now() - t0
    let stats = store.writeStatistics
    store.close()
    return (seconds, stats.groups, stats.syncs)
}

let options = Options(CommandLine.arguments)
print("LogBench: \(options.runs) runs each, medians; \(options.writers) concurrent writers, one record per put; dir \(options.dir)")
var diskSeq: [Double] = []
var diskSynced: [Double] = []
for _ in 0..<options.runs {
    let d = diskSpeed(dir: options.dir)
    diskSeq.append(d.seqMBs)
    diskSynced.append(d.syncedMBs)
}
print(String(format: "disk: sequential write %.0f MB/s (256 MiB, one fdatasync); 1 MiB write+fdatasync %.0f MB/s",
             median(diskSeq), median(diskSynced)))
print("record  durability        records/s       MB/s   groups  fdatasyncs  (median of \(options.runs))")
for (size, count) in [(400, options.records400), (4096, options.records4k)] {
    let texts = corpusTexts(size: size, count: count)
    for (name, mode) in [("fsync (sync)", Durability.syncEachBatch), ("no fsync (buffered)", Durability.buffered)] {
        var rates: [Double] = []
        var groups = 0, syncs = 0
        for _ in 0..<options.runs {
            let r = try await appendRun(texts: texts, durability: mode, writers: options.writers, dir: options.dir)
            rates.append(Double(count) / r.seconds)
            groups = r.groups
            syncs = r.syncs
        }
        let rps = median(rates)
        print(String(format: "%6d  %-19@ %9.0f  %9.1f  %7d  %10d", size, name, rps, rps * Double(size) / 1e6, groups, syncs))
    }
}
