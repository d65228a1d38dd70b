/// The ranking constants of search (SPEC.md, "Ranking"). BM25's k1 and b; and in `any` mode
/// the weight of each kind of match: a whole word of the text counts fully; a part of an
/// identifier (`region` in `mmap_region`) is folded into the word's tf at `partWeight`; a
/// word of the segment's `file_path` or tags adds a fixed share of the word's idf (a path
/// names a segment once: no tf); parts of the query's own identifiers count at
/// `queryPartWeight`; English function words (`StopWords`) at `stopWordWeight`. The
/// score is then multiplied by the share of the query words' idf mass the doc matched
/// (coordination), so a doc holding both telling words of a question ranks above one
/// holding a single rarer one.
///
/// Chosen on a known-item question set of its own seed (BENCHMARKS.md), not the one the
/// figures are reported on.
enum Ranking {
    static let k1 = 1.2
    static let b = 0.75
    static let wordWeight = 1.0
    static let partWeight = 0.8
    static let fieldWeight = 0.3
    static let queryPartWeight = 0.5
    static let stopWordWeight = 0.2
    /// A prefix term (`mmap*`) in `any` mode scores its most frequent expansions only.
    static let maxPrefixExpansions = 64

    /// A doc's length as BM25 reads it: its word count, at most 65,535 (so index files keep
    /// it in 2 bytes, a column dense enough to stay in cache while a query scores).
    @inline(__always) static func clampedWords(_ words: UInt32) -> UInt32 { min(words, 65_535) }

    /// BM25's inverse document frequency over `n` docs.
    @inline(__always) static func idf(df: Int, n: Double) -> Double {
        log(1 + (n - Double(df) + 0.5) / (Double(df) + 0.5))
    }

    /// BM25's term-frequency part for a doc of `norm` = k1 * (1 - b + b * words / avgdl).
    @inline(__always) static func tfPart(_ tf: Double, norm: Double) -> Double {
        tf * (k1 + 1) / (tf + norm)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
