import ArgumentParser
import ContextStoreMCP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ctxstore-mcp`: the MCP server (`ContextStoreMCPServer`) as a program of its own. It is
/// the only program that links the MCP SDK, whose HTTP transports bring Foundation's
/// networking and its shared libraries (libcurl and about thirty more): kept out of
/// `ctxstore`, they no longer cost every command's start (about 80-100 ms with a cold page
/// cache). `ctxstore mcp` resolves the store directory, checks its options and replaces
/// itself with this program, so an assistant may register either.
@main
struct CtxStoreMCP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctxstore-mcp",
        abstract: "Serve a store to an assistant over MCP (stdio); `ctxstore mcp --help` describes the tools.",
        discussion: """
            Speaks the Model Context Protocol on stdin and stdout (JSON-RPC, one message a \
            line) until the client closes stdin; logs go to stderr. `ctxstore mcp --store \
            DIR` starts this program, with the store directory's default resolved \
            ($CONTEXTSTORE_PATH, else $HOME/.contextstore); run directly, it needs --store.
            """
    )

    @Option(help: ArgumentHelp("Store directory (created if missing).", valueName: "DIR"))
    var store: String

    @Option(help: ArgumentHelp(
        "No tool result is larger than this many tokens; a larger one is cut, and says what it left out.",
        valueName: "N"))
    var maxResultTokens = 20_000

    func validate() throws {
        guard maxResultTokens >= 200 else { throw ValidationError("--max-result-tokens must be 200 or more (got \(maxResultTokens))") }
    }

    func run() async throws {
        do {
            try await ContextStoreMCPServer(directory: store, maxResultTokens: maxResultTokens).run()
        } catch {
            let line = Array("ctxstore mcp: \(error)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            throw ExitCode(1)
        }
    }
}
