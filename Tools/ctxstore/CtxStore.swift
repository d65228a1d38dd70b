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
            else ~/.contextstore. Errors go to stderr with a non-zero exit status; --json \
            prints machine-readable output on stdout.
            """,
        subcommands: [PutCommand.self, ImportCommand.self, ExportCommand.self, GetCommand.self, SearchCommand.self, DeleteCommand.self, StashCommand.self, UnstashCommand.self, StatsCommand.self, VerifyCommand.self, TokensCommand.self, StressCommand.self, CrashWriterCommand.self]
    )
}

/// `--store DIR`, shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Store directory (default: $CONTEXTSTORE_PATH, else ~/.contextstore).", valueName: "DIR"))
    var store: String?

    var directory: String {
        if let s = store { return s }
        if let env = ProcessInfo.processInfo.environment["CONTEXTSTORE_PATH"], !env.isEmpty { return env }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.contextstore"
    }
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

func jsonString(_ object: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}
