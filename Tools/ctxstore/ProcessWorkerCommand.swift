import ArgumentParser
import ContextStore
import Foundation
import Synchronization

/// The child process of the multi-process tests (Tests/ctxstoreTests/MultiProcess*.swift)
/// and of `bench-processes`: one process in one role beside others on the same store.
///
/// Like `crash-writer`, it speaks in whole lines on stdout, each written with one write(2)
/// after the call it reports has returned, so a parent that kills it with SIGKILL can trust
/// every complete line:
///   holder: `role holder`, then `ack <k>` after batch k's put returned (durable), and with
///   `--compact` `compacted <n>` after its n-th full compaction returned;
///   reader: `seen <m>` when the visible batches grow to 0...m, `ok <refreshes> <max m> <most store files mapped>` at the end;
///   writer: `role <role>` first and whenever the handle's role changes, `send`, `ack` or `fail`
///   around each put (ProcessWorkerWriter says the fields).
/// A broken invariant is a `violation: ...` line on stderr and exit status 1; any other
/// error exits 1 with its message.
struct ProcessWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process-worker",
        abstract: "Multi-process test child: hold, read or forward writes, reporting each step on stdout.",
        shouldDisplay: false
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "holder, reader or writer.") var role: String
    @Option(help: "The project written and read.") var project = "mp"

    // holder
    @Flag(help: "holder: also run full compactions back to back while writing.") var compact = false
    @Option(help: "holder: seal the memtable every N docs (small values make index files and compactions).")
    var sealDocs = 100_000
    @Option(help: "holder: log file size in bytes (small values exercise rolls).") var logFileSize = 1 << 20
    @Option(help: "holder: stop after N batches, close and exit 0 (default: until SIGTERM). writer: puts to make.")
    var count: Int?
    @Flag(help: "holder: hold the store without writing until SIGTERM (prints `ready`).") var idle = false

    // reader
    @Option(help: "reader: how long to keep refreshing and checking.") var seconds = 5.0

    // writer
    @Option(help: "writer: its name, in every value it writes.") var name = "w"
    @Option(help: "writer: ids are w0..w<K-1>, shared with the other writers.") var ids = 4
    @Option(help: "writer: seed of the id choice.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("writer: after the --count puts, go on putting until this file exists (at most 10,000 times --count). reader: after --seconds, go on until a round that began after this file existed.",
                               valueName: "PATH"))
    var stopFile: String? = nil
    @Flag(help: "writer: check read-your-writes after each put, then on ids private to this writer.")
    var readOwn = false

    func validate() throws {
        guard ["holder", "reader", "writer"].contains(role) else {
            throw ValidationError("--role must be holder, reader or writer")
        }
        guard ids >= 1, seconds >= 0, sealDocs >= 1, (count ?? 0) >= 0 else {
            throw ValidationError("--ids, --seal-docs must be at least 1; --seconds, --count not negative")
        }
    }

    func run() async throws {
        // Every error ends the process with status 1 and its message (never a trap, so the
        // parent tells a failed check from a crash).
        do {
            switch role {
            case "holder": try await ProcessWorkerHolder(command: self).run()
            case "reader": try ProcessWorkerReader(command: self).run()
            default: try await ProcessWorkerWriter(command: self).run()
            }
        } catch let e as StoreError {
            printError("process-worker \(role): \(e)")
            Foundation.exit(1)
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds: one clock for every process on a Linux machine, so the
/// parent can order one process's `ack` before another's `send`.
func monotonicNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// A broken multi-process invariant: `violation: <what>` on stderr, exit status 1.
func violation(_ what: String) -> Never {
    printError("violation: \(what)")
    Foundation.exit(1)
}

/// Set by SIGTERM: the holder finishes the put in flight, closes the store and exits 0.
let processWorkerStop = Atomic<Bool>(false)

/// Turns SIGTERM into `processWorkerStop` (the source must stay alive: the caller keeps it).
func installStopOnSIGTERM() -> any DispatchSourceSignal {
    signal(SIGTERM, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
    source.setEventHandler { processWorkerStop.store(true, ordering: .releasing) }
    source.resume()
    return source
}
