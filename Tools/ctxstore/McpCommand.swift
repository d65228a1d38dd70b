import ArgumentParser
import Foundation

/// `ctxstore mcp`: the store as a Model Context Protocol server over stdio, for an assistant
/// (README, "Use it from an assistant (MCP)"). The server itself is `ContextStoreMCPServer`,
/// run by the program `ctxstore-mcp` (built beside `ctxstore`): this command checks its
/// options, resolves the store directory and replaces itself with that program, so that
/// `ctxstore` does not link the MCP SDK and its networking libraries (Tools/ctxstore-mcp).
struct McpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the store to an assistant over MCP (stdio): context_stash, context_search_stashed, ...",
        discussion: """
            Speaks the Model Context Protocol on stdin and stdout (JSON-RPC, one message a \
            line) until the client closes stdin; logs go to stderr. Register it with an MCP \
            client as the command `ctxstore` with the arguments `mcp --store DIR` (README.md \
            has a configuration example and a transcript). The server is the program \
            ctxstore-mcp, found beside ctxstore or on PATH, which this command starts in its \
            own place; registering `ctxstore-mcp --store DIR` directly saves one start.

            Tools: context_put, context_stash, context_search_stashed, \
            context_retrieve_stashed, context_get_working_set, context_list_projects, \
            context_analyze_usage, context_gc_pin, context_gc_unpin, context_delete. Their \
            parameters are named as the old Python server named them; tools/list gives each \
            one's JSON schema and description. A bad argument is answered with a tool error \
            naming the field and what is allowed, and the server goes on.

            Several servers on one store (one per assistant window) work together: the first \
            holds the store, the others forward their writes to it, and each sees the \
            others' acknowledged writes. The store is created when missing, and opened in \
            the background: initialize and tools/list are answered at once.
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp(
        "No tool result is larger than this many tokens; a larger one is cut, and says what it left out.",
        valueName: "N"))
    var maxResultTokens = 20_000

    func validate() throws {
        guard maxResultTokens >= 200 else { throw ValidationError("--max-result-tokens must be 200 or more (got \(maxResultTokens))") }
    }

    func run() async throws {
        guard let program = Self.serverProgram() else {
            printError("""
                ctxstore mcp: the server program ctxstore-mcp is neither beside ctxstore nor on PATH; \
                build it with `swift build -c release --product ctxstore-mcp` (Tools/run.sh builds both)
                """)
            throw ExitCode(ExitStatus.failure)
        }
        let arguments = [program, "--store", options.directory, "--max-result-tokens", String(maxResultTokens)]
        fflush(nil)  // nothing is buffered yet; whatever is goes out before the exec
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv(program, argv)  // returns only if it failed
        let reason = String(cString: strerror(errno))
        printError("ctxstore mcp: cannot start \(program): \(reason)")
        throw ExitCode(ExitStatus.failure)
    }

    /// `ctxstore-mcp` beside this executable (its real path, symbolic links resolved), else
    /// the first on PATH; nil if neither is an executable file.
    static func serverProgram() -> String? {
        let name = "ctxstore-mcp"
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent + "/" + name)
        } else if let first = CommandLine.arguments.first, first.contains("/") {
            candidates.append((first as NSString).deletingLastPathComponent + "/" + name)
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        candidates += path.split(separator: ":").map { ($0.isEmpty ? "." : String($0)) + "/" + name }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
