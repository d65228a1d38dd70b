import ArgumentParser
import ContextStore
import ContextStoreMCP
import Foundation

/// `ctxstore mcp`: the store as a Model Context Protocol server over stdio, for an assistant
/// (README, "Use it from an assistant (MCP)"). The server itself is `ContextStoreMCPServer`.
struct McpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the store to an assistant over MCP (stdio): context_stash, context_search_stashed, ...",
        discussion: """
            Speaks the Model Context Protocol on stdin and stdout (JSON-RPC, one message a \
            line) until the client closes stdin; logs go to stderr. Register it with an MCP \
            client as the command `ctxstore` with the arguments `mcp --store DIR` (README.md \
            has a configuration example and a transcript).

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
        let server = ContextStoreMCPServer(directory: options.directory, maxResultTokens: maxResultTokens)
        do {
            try await server.run()
        } catch {
            printError("ctxstore mcp: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
