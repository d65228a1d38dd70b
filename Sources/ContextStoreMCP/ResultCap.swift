import ContextStore
import Foundation
import MCP

/// Keeps a tool result within a token limit (`--max-result-tokens`, 20,000 by default: MCP
/// clients refuse larger tool outputs) and says what was left out.
///
/// The limit counts the tokens of the result's JSON text (the `text` content, which is what
/// a model reads), with the store's own tokenizer. A result over it keeps the longest prefix
/// of its main list (hits, segments, projects) that fits, in the order the tool ranked it,
/// and gains `"omitted": {"count", "ids", "reason"}` naming what was cut (the first 50 ids,
/// so the model can ask for them in a later call; none when the limit is too small even
/// for those). When not even the first item fits, that item is
/// kept with its `text` cut to fit and `"text_truncated": true`.
struct ResultCap {
    let maxTokens: Int
    let count: @Sendable (String) -> Int

    /// The result, as (JSON text, value), within `maxTokens`.
    func apply(_ object: [String: Value], list key: String?) -> (String, Value) {
        let whole = JSONText.encode(.object(object))
        if fits(whole) { return (whole, .object(object)) }
        guard let key, case let .array(items)? = object[key], !items.isEmpty else { return tooLarge(object) }
        // Up to 50 omitted ids are named, unless even the bare note with them is over the limit.
        var namedIDs = 50
        func build(_ k: Int, first: Value? = nil) -> [String: Value] {
            var o = object
            var kept = Array(items[0..<k])
            if let first { kept.append(first) }
            o[key] = .array(kept)
            let omitted = items[kept.count...]
            o["omitted"] = .object([
                "count": .int(omitted.count),
                "ids": .array(omitted.prefix(namedIDs).compactMap(Self.id)),
                "reason": .string("the result was cut to fit the server's limit of \(maxTokens) tokens (ctxstore mcp --max-result-tokens); "
                    + "ask for fewer (a smaller limit, fewer segment_ids, or budget_tokens and snippets in a search)"),
            ])
            return o
        }
        if !fits(JSONText.encode(.object(build(0)))) { namedIDs = 0 }
        // The largest k whose prefix fits (fits is monotone in k).
        var lo = 0, hi = items.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if fits(JSONText.encode(.object(build(mid)))) { lo = mid } else { hi = mid - 1 }
        }
        if lo == 0, let cut = truncatedFirst(items[0], build: { build(0, first: $0) }) { return cut }
        let o = build(lo)
        let text = JSONText.encode(.object(o))
        return fits(text) ? (text, .object(o)) : tooLarge(object)
    }

    private func fits(_ text: String) -> Bool {
        // A token is at least one byte: a text no longer than the limit in bytes fits.
        text.utf8.count <= maxTokens || count(text) <= maxTokens
    }

    /// The first item with the longest prefix of its `text` (or its `segment.text`) that fits.
    private func truncatedFirst(_ item: Value, build: (Value) -> [String: Value]) -> (String, Value)? {
        guard case var .object(o) = item else { return nil }
        let nested = o["text"] == nil
        var holder = o
        if nested { guard case let .object(s)? = o["segment"] else { return nil }; holder = s }
        guard case let .string(text)? = holder["text"] else { return nil }
        let scalars = Array(text.unicodeScalars)
        func with(_ n: Int) -> (String, Value) {
            var h = holder
            h["text"] = .string(String(String.UnicodeScalarView(scalars[0..<n])))
            h["text_truncated"] = .bool(true)
            if nested { o["segment"] = .object(h) } else { o = h }
            let result = build(.object(o))
            return (JSONText.encode(.object(result)), .object(result))
        }
        guard fits(with(0).0) else { return nil }
        var lo = 0, hi = scalars.count
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if fits(with(mid).0) { lo = mid } else { hi = mid - 1 }
        }
        return with(lo)
    }

    /// What is left when nothing of the result fits: an error the model can act on.
    private func tooLarge(_ object: [String: Value]) -> (String, Value) {
        let o: [String: Value] = ["error": .object([
            "code": .string("result_too_large"),
            "message": .string("the result is larger than the server's limit of \(maxTokens) tokens (ctxstore mcp --max-result-tokens) "
                + "even with its lists cut; ask for less"),
        ])]
        return (JSONText.encode(.object(o)), .object(o))
    }

    private static func id(_ v: Value) -> Value? {
        guard case let .object(o) = v else { return nil }
        if let id = o["segment_id"] { return id }
        if let id = o["project_id"] { return id }
        if case let .object(s)? = o["segment"] { return s["segment_id"] }
        return nil
    }
}

/// A `Value` as compact JSON text with sorted keys (stable for tests and diffs) and `/`
/// unescaped (file paths stay readable).
enum JSONText {
    static func encode(_ v: Value) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a Value tree cannot fail: it holds only JSON types (non-finite doubles
        // are never put in one here).
        return (try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
