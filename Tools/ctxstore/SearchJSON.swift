import ContextStore
import Foundation

/// The JSON forms of a search result: `search --json` and each line of `search --batch`.
/// Strings go through `JSONSegmentEncoder` (byte-exact, as the old layer wrote them).
enum SearchJSON {
    static func string(_ s: String) -> String { String(decoding: JSONSegmentEncoder.encode(s), as: UTF8.self) }

    /// `{"total_matches": N, "segments": [...], "hits": [...], "budget": {...}, "explanation": {...}}`
    /// (budget and explanation only when asked for and present).
    static func result(_ r: SearchResult) -> String {
        var out = "{\"total_matches\":\(r.totalMatches),\"segments\":["
        out += r.segments.map { String(decoding: JSONSegmentEncoder.encode($0), as: UTF8.self) }.joined(separator: ",")
        out += "],\"hits\":[" + r.hits.map(hit).joined(separator: ",") + "]"
        return out + extras(r) + "}"
    }

    /// One `--batch` answer: `{"total_matches": N, "ids": [...], "hits": [...], ..., "micros": T}`.
    static func batchLine(_ r: SearchResult, micros: Double) -> String {
        var out = "{\"total_matches\":\(r.totalMatches),\"ids\":[" + r.hits.map { string($0.segmentID) }.joined(separator: ",")
        out += "],\"hits\":[" + r.hits.map(hit).joined(separator: ",") + "]"
        return out + extras(r) + ",\"micros\":" + String(format: "%.1f", micros) + "}"
    }

    /// `{"segment_id", "project_id", "score", "matched_words", "tokens", "snippets": [...]}`.
    static func hit(_ h: SearchHit) -> String {
        var out = "{\"segment_id\":\(string(h.segmentID)),\"project_id\":\(string(h.projectID)),\"score\":\(number(h.score))"
        out += ",\"matched_words\":[" + h.matchedWords.map(string).joined(separator: ",") + "]"
        out += ",\"tokens\":\(h.tokens),\"snippets\":[" + h.snippets.map(snippet).joined(separator: ",") + "]}"
        return out
    }

    /// `{"line", "source_line" (null without a line_range), "text", "highlights": [[start, end], ...], "tokens"}`
    /// with highlights as UTF-8 byte offsets into text.
    static func snippet(_ s: SearchSnippet) -> String {
        let source = s.sourceLine.map(String.init) ?? "null"
        let marks = s.highlights.map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",")
        return "{\"line\":\(s.line),\"source_line\":\(source),\"text\":\(string(s.text)),\"highlights\":[\(marks)],\"tokens\":\(s.tokens)}"
    }

    private static func extras(_ r: SearchResult) -> String {
        var out = ""
        if let b = r.budget {
            out += ",\"budget\":{\"budget_tokens\":\(b.budgetTokens),\"used_tokens\":\(b.usedTokens),\"omitted_hits\":\(b.omittedHits)}"
        }
        if let e = r.explanation {
            let words = e.words.map { "{\"word\":\(string($0.word)),\"document_frequency\":\($0.documentFrequency)}" }
            out += ",\"explanation\":{\"words\":[" + words.joined(separator: ",") + "],\"emptied_by\":"
                + (e.emptiedBy.map(string) ?? "null") + "}"
        }
        return out
    }

    /// A finite double as JSON (shortest form that reads back the same).
    static func number(_ d: Double) -> String { d.isFinite ? "\(d)" : "0" }
}
