import ContextStore

/// Why a tool call did not do what it was asked: the MCP layer's one error type. Every case
/// becomes a tool error (`isError: true`, a JSON `{"error": {...}}` the model can read and
/// act on) in one place, `ToolResultBuilder.failure`; none ends the connection.
enum ToolFailure: Error, Sendable, Equatable {
    /// An argument is missing, of the wrong type, out of range or unknown: the field (with
    /// its path, `segments[2].type`) and what is allowed.
    case badArgument(field: String, String)
    /// The tool name is not one this server has.
    case unknownTool(String)
    /// The store refused or failed (its typed error, described).
    case store(StoreError)

    /// `{"code", "message", "field"?}`: the code is stable for scripts, the message is
    /// written for the model (what to change).
    var code: String {
        switch self {
        case .badArgument: "invalid_argument"
        case .unknownTool: "unknown_tool"
        case let .store(e):
            switch e {
            case .invalidSegment: "invalid_segment"
            case .locked, .notAcknowledged: "store_busy"
            case .diskFull: "disk_full"
            default: "store_error"
            }
        }
    }

    var message: String {
        switch self {
        case let .badArgument(field, what): "\"\(field)\": \(what)"
        case let .unknownTool(name): "no tool named \"\(name)\"; call tools/list for the tools this server has"
        case let .store(e): "\(e)"
        }
    }

    var field: String? {
        if case let .badArgument(field, _) = self { return field }
        return nil
    }
}
