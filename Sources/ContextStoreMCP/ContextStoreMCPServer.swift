import ContextStore
import Logging
import MCP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Model Context Protocol server for one store: the tools an assistant uses to stash its
/// context and bring it back (`context_put`, `context_stash`, `context_search_stashed`,
/// `context_retrieve_stashed`, `context_get_working_set`, `context_list_projects`,
/// `context_analyze_usage`, `context_gc_pin`, `context_gc_unpin`, `context_delete`).
///
/// `ctxstore mcp` runs one over stdio. Several servers on one store (one per assistant
/// window, in separate processes) work together: the first holds the store and the others
/// forward their writes to it (SPEC.md section 12).
///
/// ```swift
/// let server = ContextStoreMCPServer(directory: "/path/to/store")
/// try await server.run()   // until the client closes standard input
/// ```
public struct ContextStoreMCPServer: Sendable {
    /// The store directory (created when missing).
    public var directory: String
    /// The store's configuration (durability, token encoding, forwarding, ...).
    public var configuration: Configuration
    /// No tool result is larger than this many tokens (counted in the store's token
    /// encoding on the result's JSON text); a larger one is cut and says what was left out.
    /// 20,000 by default: MCP clients refuse larger tool outputs.
    public var maxResultTokens: Int

    /// A server for the store at `directory`.
    public init(directory: String, configuration: Configuration = Configuration(), maxResultTokens: Int = 20_000) {
        self.directory = directory
        self.configuration = configuration
        self.maxResultTokens = maxResultTokens
    }

    /// The tools this server offers, as `tools/list` gives them.
    public static var tools: [Tool] { ToolCatalog.tools }

    /// Serves MCP over standard input and output until the client closes its end, then
    /// closes the store. Logs go to standard error only (standard output carries the protocol).
    /// Ignores SIGPIPE for the process (a client gone mid-answer is an `EPIPE`).
    ///
    /// The store is opened on a thread of its own as the server starts, so `initialize` and
    /// `tools/list` are answered at once whatever the store's size; tool calls wait for the
    /// open. If the open fails, every tool call answers with that error.
    ///
    /// - Throws: a transport error if standard input or output cannot be used.
    public func run() async throws {
        var logger = Logger(label: "ctxstore.mcp", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        // A client that goes away mid-answer makes the write fail with EPIPE instead of
        // killing the process: the server then stops at end of input and closes the store.
        signal(SIGPIPE, SIG_IGN)
        let session = StoreSession(directory: directory, configuration: configuration)
        let transport = LineTransport(logger: logger)
        try await serve(session: session, transport: transport)
        await session.close()
    }

    /// Serves MCP on `transport` with the store `session` until the transport's input ends.
    func serve(session: StoreSession, transport: any Transport) async throws {
        let server = Server(
            name: "ctxstore", version: ContextStoreVersion.release, title: "ContextStore",
            instructions: """
                A durable store for context segments. Stash what you no longer need in context \
                (context_stash, or context_put with tier stashed) and find it again with \
                context_search_stashed (any words, ranked, with snippets), then read it with \
                context_retrieve_stashed. context_list_projects shows what is stored.
                """,
            capabilities: .init(tools: .init(listChanged: false)))
        let handlers = ToolHandlers(session: session, maxResultTokens: maxResultTokens)
        let tools = ToolCatalog.tools
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: tools) }
        await server.withMethodHandler(CallTool.self) { params in
            await handlers.call(params.name, params.arguments)
        }
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
        await server.stop()
    }
}
