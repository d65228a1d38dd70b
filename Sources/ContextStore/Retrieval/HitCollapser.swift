// `SearchQuery.collapse`: at most a few hits per file (or per task), so one long file cut
// into many segments does not fill a result on its own.

/// Keeps the best-ranked hits of each group.
///
/// Keys are compared as UTF-8 bytes, as every identifier of the engine is: a file path in NFC
/// and the same path in NFD are two groups (Swift's `String ==` would join them). A hit
/// without a key (no file_path, no task_id) is in no group and is always kept.
///
/// Invariants of the result: ascending indices (rank order kept); at most `perGroup` of them
/// per key; every dropped index has a key of which `perGroup` earlier hits were kept.
enum HitCollapser {
    /// The indices of `keys` (one per ranked hit, in rank order) to keep: the first
    /// `perGroup` of each non-nil key and every nil one. `perGroup` below 1 counts as 1
    /// (as `SearchCollapse` documents). Cost: O(keys) and a hash of each key.
    static func collapse(keys: [String?], perGroup: Int) -> [Int] {
        let limit = max(perGroup, 1)
        var seen: [[UInt8]: Int] = [:]
        var kept: [Int] = []
        for (i, key) in keys.enumerated() {
            guard let key else {
                kept.append(i)
                continue
            }
            let n = seen[Array(key.utf8), default: 0]
            if n < limit {
                seen[Array(key.utf8)] = n + 1
                kept.append(i)
            }
        }
        return kept
    }
}
