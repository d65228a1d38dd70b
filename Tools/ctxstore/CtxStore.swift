import ArgumentParser
import ContextStore
import Foundation

@main
struct CtxStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctxstore",
        abstract: "ContextStore: an embedded, log-structured store for AI context segments.",
        discussion: """
            Every command works on a store directory: --store DIR, else $CONTEXTSTORE_PATH, \
            else $HOME/.contextstore. Write commands (put, import, stash, unstash, delete, \
            compact) create the store if there is none; read commands (search, get, stats, \
            export, verify, backup) fail with "no store at PATH" and create nothing. --json prints \
            machine-readable output on stdout; messages and errors go to stderr.

            Another process may hold the store meanwhile (an assistant's server, another \
            ctxstore): read commands then read a consistent view beside it, and write \
            commands send their writes to it, returning once it has made them durable \
            (SPEC.md section 12). If that process takes no forwarded writes, a write command \
            fails at once with a message naming its process id and command.

            Exit status: \(ExitStatus.summary)

            Segment fields, the JSON file forms and the search semantics: Docs/FORMAT.md; the \
            on-disk format: SPEC.md (both in the repository).
            """,
        version: "ctxstore \(ContextStoreVersion.release) (store format \(ContextStoreVersion.storeFormat))",
        subcommands: [PutCommand.self, ImportCommand.self, ExportCommand.self, GetCommand.self, SearchCommand.self,
                      DeleteCommand.self, StashCommand.self, UnstashCommand.self, StatsCommand.self, CompactCommand.self,
                      VerifyCommand.self, BackupCommand.self, TokensCommand.self, McpCommand.self, StressCommand.self, CrashWriterCommand.self,
                      ProcessBenchCommand.self, ProcessWorkerCommand.self]
    )

    /// ArgumentParser's own entry point, after one check of ours: a first argument that is
    /// no command and no option is a mistyped command, answered with the nearest one.
    static func main() async {
        // Swift decodes argv lossily (an invalid byte becomes U+FFFD), which would address
        // another project or file: refuse such an argument instead.
        for i in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[i] else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
            if String(validating: bytes, as: UTF8.self) == nil {
                let shown = bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined()
                printError("ctxstore: argument \(i) is not valid UTF-8 (\(shown)); project ids, ids and paths must be UTF-8")
                Foundation.exit(ExitStatus.usage)
            }
        }
        installFaultFromEnvironment()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, !first.hasPrefix("-"), first != "help" {
            let names = configuration.subcommands.compactMap { command -> String? in
                let c = command.configuration
                return c.shouldDisplay ? c.commandName : nil
            }
            if !names.contains(first) && !configuration.subcommands.contains(where: { $0.configuration.commandName == first }) {
                var message = "ctxstore: unknown command '\(first)'."
                if let near = CommandSuggestion.nearest(to: first, in: names) { message += " Did you mean '\(near)'?" }
                printError(message + "\nCommands: \(names.joined(separator: ", ")). See 'ctxstore --help'.")
                Foundation.exit(ExitStatus.usage)
            }
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            if aCloseFailed { Foundation.exit(ExitStatus.failure) }
        } catch {
            exit(withError: error)
        }
    }
}

/// The exit statuses every command uses, and their one description for `--help`.
enum ExitStatus {
    /// Something failed (the store, a file, the system); stderr says what.
    static let failure: Int32 = 1
    /// The command ran, but not everything asked for was there: ids that were not found or
    /// not live (get, delete, stash, unstash), or damage found by verify.
    static let incomplete: Int32 = 2
    /// The command line is wrong: an unknown command or option, a bad value (ArgumentParser's
    /// `ValidationError` status, sysexits' EX_USAGE).
    static let usage: Int32 = 64

    static let summary = """
        0 done; \(failure) failed (the store, a file or the system; stderr says why); \
        \(incomplete) done, but not all that was asked for was there (ids not found or not \
        live for get, delete, stash, unstash; damage found by verify); \(usage) usage error \
        (unknown command or option, bad value).
        """
}

/// The nearest command name to a mistyped one (Damerau–Levenshtein distance at most 2, or
/// a unique prefix).
enum CommandSuggestion {
    static func nearest(to word: String, in names: [String]) -> String? {
        let prefixed = names.filter { $0.hasPrefix(word) }
        if prefixed.count == 1 { return prefixed[0] }
        let scored = names.map { ($0, distance(Array(word), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}

/// `--store DIR`, shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Store directory (default: $CONTEXTSTORE_PATH, else $HOME/.contextstore).", valueName: "DIR"))
    var store: String?

    /// `--store`, else `$CONTEXTSTORE_PATH`, else `$HOME/.contextstore` (`$HOME` as the shell
    /// has it, the same rule the library uses for its vocabulary directory).
    var directory: String {
        if let s = store { return s }
        let environment = ProcessInfo.processInfo.environment
        if let env = environment["CONTEXTSTORE_PATH"], !env.isEmpty { return env }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.contextstore"
    }

    /// Opens the store for a command that writes: it is created if missing. If another
    /// process holds it (an assistant's server, say), the writes are forwarded to that
    /// process, which applies them and answers once they are durable.
    func openForWriting(_ configuration: Configuration = Configuration()) throws -> ContextStore {
        try ContextStore.open(directory: directory, configuration: configuration)
    }

    /// Opens the store for a command that only reads: a missing store is an error
    /// ("no store at PATH") and nothing is created. A store another process holds is opened
    /// read-only beside it (a consistent view of what it acknowledged). No project is loaded
    /// at open: each loads at its first use, so a command that reads one project pays for
    /// that one only, whatever the size of the store.
    func openExisting(_ configuration: Configuration = Configuration()) throws -> ContextStore {
        var c = configuration
        c.createIfMissing = false
        c.forwardWrites = false
        c.projectsLoadedAtOpen = 0
        do {
            return try ContextStore.open(directory: directory, configuration: c)
        } catch StoreError.locked {
            return try ContextStore.open(directory: directory, mode: .readOnly, configuration: c)
        }
    }
}

/// For tests of the command line under faults (Tests/ctxstoreTests): with
/// `CONTEXTSTORE_INJECT_FAULT=KIND:N:ERRNO:DIR` the Nth system call of that kind (open,
/// pwrite, fdatasync, fsync, rename, ...) on a path under DIR fails with ERRNO (a number),
/// through the engine's fault seam (SPEC.md section 5.1). Not for use otherwise.
func installFaultFromEnvironment() {
    guard let spec = ProcessInfo.processInfo.environment["CONTEXTSTORE_INJECT_FAULT"] else { return }
    let parts = spec.split(separator: ":", maxSplits: 3).map(String.init)
    guard parts.count == 4, let kind = SystemCall(rawValue: parts[0]), let n = Int(parts[1]), let e = Int32(parts[2]) else {
        printError("ctxstore: CONTEXTSTORE_INJECT_FAULT must be KIND:N:ERRNO:DIR (got \(spec))")
        Foundation.exit(ExitStatus.usage)
    }
    SystemCallFaults.install(SystemCallFault(kind, nth: n, errno: e, scope: parts[3]))
}

/// Set when a store did not close cleanly: the command then ends with status 1 even if it
/// did everything else (CtxStore.main checks it).
nonisolated(unsafe) var aCloseFailed = false

/// Closes `store`. A close that was not clean (an I/O error while syncing or sealing at
/// close) is printed, and the command's exit status becomes 1: what was acknowledged is
/// durable, but the user must hear that the store did not close as it should.
func closeReportingFailure(_ store: ContextStore) {
    guard let error = store.close() else { return }
    printError("ctxstore: the store did not close cleanly: \(error)\n"
        + "ctxstore: what was acknowledged is durable; the next open recovers the rest (see 'ctxstore verify')")
    aCloseFailed = true
}

/// Writes to stderr without Foundation's buffering.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Fails the command with a message on stderr and exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A value error for an option, listing what is allowed: `--type banana` →
/// "--type: unknown value 'banana'; expected one of: message, code, ...".
func invalidChoice<T: RawRepresentable & CaseIterable>(_ option: String, _ value: String, _: T.Type) -> ValidationError
    where T.RawValue == String {
    ValidationError("\(option): unknown value '\(value)'; expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
}

func jsonString(_ object: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}
