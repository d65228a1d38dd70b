import Foundation
/// The ranking constants of search (SPEC.md, "Ranking"): BM25's k1 and b, and the weights
/// `any` mode gives a match by kind. A whole word of the text counts fully; a part of an
/// identifier counts less (it is a weaker sign: `region` in `mmap_region`); a word of the
/// segment's `file_path` or tags counts as a fixed share of the word's idf (no tf: a path
/// names a segment once); parts of the query's own identifiers count less again.
enum Ranking {
    static let k1 = Double(ProcessInfo.processInfo.environment["CS_K1"] ?? "") ?? 1.2
    static let b = Double(ProcessInfo.processInfo.environment["CS_B"] ?? "") ?? 0.75
    static let wordWeight = Double(ProcessInfo.processInfo.environment["CS_WW"] ?? "") ?? 1.0
    static let partWeight = Double(ProcessInfo.processInfo.environment["CS_PW"] ?? "") ?? 0.6
    static let fieldWeight = Double(ProcessInfo.processInfo.environment["CS_FW"] ?? "") ?? 0.8
    static let queryPartWeight = Double(ProcessInfo.processInfo.environment["CS_QW"] ?? "") ?? 0.5
    static let coordination = Double(ProcessInfo.processInfo.environment["CS_COORD"] ?? "") ?? 0
    /// A prefix term (`mmap*`) in `any` mode scores its most frequent expansions only.
    static let maxPrefixExpansions = 64

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
