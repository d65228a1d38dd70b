import ArgumentParser
import ContextStore
import Foundation

/// The child process of the crash tests: appends self-validating segments (and some
/// deletes) with several concurrent writers until it is killed, and prints an
/// acknowledgement line on stdout after each write returns:
///   `put <id> <fnv>` after a put of segment <id>, whose text carries its own checksum
///   `deleting <id>` before a delete starts (from then on the id may be gone)
///   `del <id>` after a delete
///   `updating <id> <fnv>` before a put of a new text for an acknowledged id (from then on
///   either text may be live; the `put` line after it makes the new one the only one)
/// The parent kills it with SIGKILL at a random moment, reopens the store and checks that
/// every acknowledged write is there and nothing else is.
struct CrashWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-writer",
        abstract: "Crash-test child: append until killed, acknowledging each write on stdout.",
        shouldDisplay: false
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "Seed; ids are c<seed>-<writer>-<n>.") var seed: UInt64 = 1
    @Option(help: "Concurrent writers.") var writers = 4
    @Option(help: "Log file size in bytes (small values exercise rolls).") var logFileSize = 1 << 20
    @Option(help: "Seal the memtable every N docs (small values make many index files, so background compaction runs).")
    var sealDocs = 100_000
    @Flag(help: "Also run full compactions back to back while writing.") var compact = false

    func run() async throws {
        var configuration = Configuration(durability: .syncEachBatch, logFileSize: logFileSize, batchTargetBytes: 8 << 10,
                                          indexSealDocs: sealDocs)
        configuration.compactionMergeFactor = 3
        configuration.forwardWrites = false  // the crash tests' child must hold the store itself
        let store = try ContextStore.open(directory: options.directory, configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            if compact {
                group.addTask {
                    while true {
                        try await store.compact()
                        try await Task.sleep(nanoseconds: 5_000_000)
                    }
                }
            }
            for w in 0..<writers {
                group.addTask {
                    var rng = SplitMix(seed: seed &* 1_000_003 &+ UInt64(w))
                    var n = 0
                    var acked: [String] = []
                    while true {
                        if !acked.isEmpty && rng.next() % 10 == 0 {
                            let id = acked.remove(at: Int(rng.next() % UInt64(acked.count)))
                            emit("deleting \(id)\n")  // in flight: present or absent are both legal
                            try await store.delete(project: "crash", ids: [id])
                            emit("del \(id)\n")
                            continue
                        }
                        if !acked.isEmpty && rng.next() % 10 == 0 {
                            // An update: the compactor may be merging the old version's
                            // file meanwhile (issue 17, defect 7: totals drifted here).
                            let id = acked[Int(rng.next() % UInt64(acked.count))]
                            let s = CrashPayload.segment(id: id, rng: &rng)
                            let hash = String(fnv1a(s.text), radix: 16)
                            emit("updating \(id) \(hash)\n")
                            try await store.put([s])
                            emit("put \(id) \(hash)\n")
                            continue
                        }
                        let count = 1 + Int(rng.next() % 6)
                        var segs: [ContextSegment] = []
                        for _ in 0..<count {
                            let id = "c\(seed)-\(w)-\(n)"
                            n += 1
                            segs.append(CrashPayload.segment(id: id, rng: &rng))
                        }
                        try await store.put(segs)
                        var lines = ""
                        for s in segs { lines += "put \(s.segmentID) \(String(fnv1a(s.text), radix: 16))\n" }
                        emit(lines)
                        acked.append(contentsOf: segs.map(\.segmentID))
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

/// Self-validating segment texts: `<id>|<payload>|<fnv1a(payload) hex>`.
enum CrashPayload {
    static func segment(id: String, rng: inout SplitMix) -> ContextSegment {
        let words = ["alpha", "beta", "γάμμα", "δέλτα", "日本語", "🙂", "tab\there", "line\nbreak", "x"]
        let length = Int(rng.next() % 200) + (rng.next() % 20 == 0 ? 20_000 : 0)
        var payload = ""
        for _ in 0..<length { payload += words[Int(rng.next() % UInt64(words.count))] + " " }
        let text = id + "|" + payload + "|" + String(fnv1a(payload), radix: 16)
        return ContextSegment(segmentID: id, text: text, type: .note, projectID: "crash",
                              createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(rng.next() % 1_000_000_000)),
                              tags: ["crash", "w"], tier: .stashed)
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One write(2) per acknowledgement batch: lines under PIPE_BUF arrive whole.
func emit(_ s: String) {
    var s = s
    s.withUTF8 { buf in
        var done = 0
        while done < buf.count {
            let n = write(1, buf.baseAddress! + done, buf.count - done)
            if n <= 0 { exit(3) }
            done += n
        }
    }
}
