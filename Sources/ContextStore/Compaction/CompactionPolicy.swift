/// Which adjacent index files of a project to merge (size-tiered, over adjacent runs).
///
/// Only adjacent runs are merged, so that the output takes the inputs' place in log order
/// and every file's records stay in sequence order (what scans and rebuilds rely on).
/// A run qualifies when it has at least `mergeFactor` files and none of them holds more
/// than half of the run's bytes: each merge at least doubles what its largest input was,
/// so a byte is rewritten O(log(store / smallest file)) times (the bound size-tiered
/// compaction gives). Of the qualifying runs, the cheapest (fewest bytes) goes first, at
/// most `maxInputs` files. Failing that, a file written by an older analyzer (SPEC.md,
/// "Analyzer versions") is rewritten on its own, so `any`-mode search sees its parts and
/// field words; then a file whose dead docs reach `deadRatio` of its docs, to give the
/// space back.
struct CompactionPolicy {
    struct Entry: Equatable {
        /// Bytes of its log files.
        var bytes: Int64
        var docs: Int
        var deadDocs: Int
        /// Records in its log files (puts and tombstones).
        var records: Int
        /// Written by an older analyzer than this build's.
        var staleAnalyzer = false
    }

    var mergeFactor: Int
    var maxInputs: Int
    var deadRatio: Double

    init(configuration c: Configuration) {
        mergeFactor = max(2, c.compactionMergeFactor)
        maxInputs = max(mergeFactor, c.compactionMaxInputs)
        deadRatio = c.compactionDeadRatio
    }

    init(mergeFactor: Int, maxInputs: Int, deadRatio: Double) {
        self.mergeFactor = mergeFactor
        self.maxInputs = maxInputs
        self.deadRatio = deadRatio
    }

    func pick(_ entries: [Entry]) -> Range<Int>? {
        var best: (range: Range<Int>, bytes: Int64)? = nil
        for start in entries.indices {
            var total: Int64 = 0
            var largest: Int64 = 0
            for end in start..<min(entries.count, start + maxInputs) {
                total += max(entries[end].bytes, 1)
                largest = max(largest, max(entries[end].bytes, 1))
                let length = end - start + 1
                guard length >= mergeFactor, largest * 2 <= total else { continue }
                if best == nil || total < best!.bytes { best = (start..<(end + 1), total) }
                break  // longer runs from this start only cost more
            }
        }
        if let b = best { return b.range }
        if let i = entries.firstIndex(where: \.staleAnalyzer) { return i..<(i + 1) }
        for (i, e) in entries.enumerated() where e.docs > 0 && Double(e.deadDocs) >= deadRatio * Double(e.docs) {
            return i..<(i + 1)
        }
        return nil
    }
}
