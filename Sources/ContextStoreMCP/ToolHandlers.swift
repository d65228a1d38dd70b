import ContextStore
import MCP

/// What a tool produced before it is capped and sent: a JSON object and the key of its main
/// list (what `ResultCap` shortens when the object is over the token limit).
struct ToolOutput {
    var object: [String: Value]
    var list: String?
}

/// The tools' implementations, on one store session. Each reads its arguments strictly
/// (`ToolArguments`), calls the library, and returns a `ToolOutput`; a `ToolFailure` from
/// any of them becomes a tool error here, in `call`, and only here.
struct ToolHandlers: Sendable {
    let session: StoreSession
    let maxResultTokens: Int

    /// Runs one `tools/call`: the result as structured content and as the same JSON in a
    /// text content; `isError` with `{"error": {...}}` when the call failed.
    func call(_ name: String, _ arguments: [String: Value]?) async -> CallTool.Result {
        do throws(ToolFailure) {
            guard let tool = ToolCatalog.Name(rawValue: name) else { throw .unknownTool(name) }
            let args = try ToolArguments(arguments, known: ToolCatalog.arguments(tool))
            let out = try await run(tool, args)
            let cap = ResultCap(maxTokens: maxResultTokens, count: { [session] in session.countTokens($0) })
            let (text, value) = cap.apply(out.object, list: out.list)
            let failed: Bool? = value.objectValue?["error"] != nil ? true : nil
            return Self.result(text, value, isError: failed)
        } catch {
            var e: [String: Value] = ["code": .string(error.code), "message": .string(error.message)]
            if let field = error.field { e["field"] = .string(field) }
            let value: Value = .object(["error": .object(e)])
            return Self.result(JSONText.encode(value), value, isError: true)
        }
    }

    /// The same JSON twice: as structured content, and as text for clients that show only text.
    private static func result(_ text: String, _ value: Value, isError: Bool?) -> CallTool.Result {
        let structured: Value? = value
        let content: [Tool.Content] = [.text(text: text, annotations: nil, _meta: nil)]
        return CallTool.Result(content: content, structuredContent: structured, isError: isError, _meta: nil)
    }

    private func run(_ tool: ToolCatalog.Name, _ args: ToolArguments) async throws(ToolFailure) -> ToolOutput {
        switch tool {
        case .put: try await put(args)
        case .stash: try await stash(args)
        case .searchStashed: try await search(args)
        case .retrieveStashed: try await retrieve(args)
        case .getWorkingSet: try await workingSet(args)
        case .listProjects: try await listProjects()
        case .analyzeUsage: try await analyzeUsage(args)
        case .gcPin: try await setPinned(args, true)
        case .gcUnpin: try await setPinned(args, false)
        case .delete: try await delete(args)
        }
    }

    /// The store, brought up to date with what other processes acknowledged (a server that
    /// forwards its writes reads its own view, which `refresh` catches up).
    func currentStore() async throws(ToolFailure) -> ContextStore {
        let store = try await session.store()
        try storeCall { () throws(StoreError) in try store.refresh() }
        return store
    }
}

/// Runs a library call, mapping its `StoreError` to the MCP layer's error.
func storeCall<T>(_ body: () throws(StoreError) -> T) throws(ToolFailure) -> T {
    do throws(StoreError) { return try body() } catch { throw .store(error) }
}

/// `storeCall` for the library's async calls (writes).
func storeCall<T>(_ body: () async throws(StoreError) -> T) async throws(ToolFailure) -> T {
    do throws(StoreError) { return try await body() } catch { throw .store(error) }
}
