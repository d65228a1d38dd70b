import ContextStore
import MCP

/// A tool's arguments, read strictly: every key must be one the tool's schema names, every
/// value of the type it says. Each failure is a `ToolFailure.badArgument` that names the
/// field, what is allowed and what came, so the model can correct its call.
struct ToolArguments {
    let values: [String: Value]

    /// Refuses a key the tool does not take (a misspelt `segment_id` for `segment_ids`,
    /// say), naming the ones it does.
    init(_ values: [String: Value]?, known: [String]) throws(ToolFailure) {
        self.values = values ?? [:]
        if let unknown = self.values.keys.filter({ !known.contains($0) }).sorted().first {
            throw .badArgument(field: unknown, "is not an argument of this tool; its arguments are: \(known.joined(separator: ", "))")
        }
    }

    /// Whether the key is present and not null.
    func has(_ key: String) -> Bool {
        if let v = values[key], !v.isNull { return true }
        return false
    }

    /// A string; nil when absent or null, unless `required`.
    func string(_ key: String, required: Bool = false) throws(ToolFailure) -> String? {
        guard let v = values[key], !v.isNull else {
            if required { throw .badArgument(field: key, "is required (a string)") }
            return nil
        }
        guard case let .string(s) = v else { throw .badArgument(field: key, "must be a string, not \(v.jsonKind)") }
        return s
    }

    /// A non-empty string that must be there.
    func requiredString(_ key: String) throws(ToolFailure) -> String {
        let s = try string(key, required: true)!
        if s.isEmpty { throw .badArgument(field: key, "must not be empty") }
        return s
    }

    /// An integer in `range`; nil when absent or null.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(ToolFailure) -> Int? {
        guard let v = values[key], !v.isNull else { return nil }
        let n: Int
        switch v {
        case let .int(i): n = i
        // A JSON 5.0 arrives as a double: take it when it is a whole number.
        case let .double(d) where d == d.rounded() && abs(d) < 9e15: n = Int(d)
        default: throw .badArgument(field: key, "must be an integer from \(range.lowerBound) to \(range.upperBound), not \(v.jsonKind)")
        }
        guard range.contains(n) else {
            throw .badArgument(field: key, "must be from \(range.lowerBound) to \(range.upperBound) (got \(n))")
        }
        return n
    }

    /// A boolean; `defaultValue` when absent or null.
    func bool(_ key: String, default defaultValue: Bool) throws(ToolFailure) -> Bool {
        guard let v = values[key], !v.isNull else { return defaultValue }
        guard case let .bool(b) = v else { throw .badArgument(field: key, "must be true or false, not \(v.jsonKind)") }
        return b
    }

    /// A list of strings (`segment_ids`), at least one and at most `limit`; a lone string is
    /// refused with a hint rather than guessed at.
    func stringList(_ key: String, limit: Int = 1000) throws(ToolFailure) -> [String] {
        guard let v = values[key], !v.isNull else { throw .badArgument(field: key, "is required (an array of strings)") }
        guard case let .array(items) = v else {
            throw .badArgument(field: key, "must be an array of strings (e.g. [\"seg-1\"]), not \(v.jsonKind)")
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case let .string(s) = item else {
                throw .badArgument(field: "\(key)[\(i)]", "must be a string, not \(item.jsonKind)")
            }
            out.append(s)
        }
        if out.isEmpty { throw .badArgument(field: key, "must hold at least one id") }
        if out.count > limit { throw .badArgument(field: key, "holds \(out.count) ids; at most \(limit) per call") }
        return out
    }

    /// One of a fixed set of strings (an enum); nil when absent or null.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type, in object: [String: Value]? = nil,
                                                     field: String? = nil) throws(ToolFailure) -> T? where T.RawValue == String {
        let name = field ?? key
        guard let v = (object ?? values)[key], !v.isNull else { return nil }
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        guard case let .string(s) = v else { throw .badArgument(field: name, "must be one of: \(allowed); not \(v.jsonKind)") }
        guard let t = T(rawValue: s) else { throw .badArgument(field: name, "unknown value \"\(s)\"; expected one of: \(allowed)") }
        return t
    }
}

extension Value {
    /// The JSON type's name, for messages ("a number", "an object").
    var jsonKind: String {
        switch self {
        case .null: "null"
        case let .bool(b): "the boolean \(b)"
        case let .int(i): "the number \(i)"
        case let .double(d): "the number \(d)"
        case let .string(s): "the string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .data: "binary data"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
