/// The ranges `ContextStore.open` accepts for each `Configuration` knob, checked before
/// anything on disk is touched. Each bound exists because a value outside it would make
/// the engine trap or misbehave, not as a tuning opinion:
///
/// - `logFileSize`: a batch starts below `logFileSize` in its file, and the index keeps
///   batch offsets as `UInt32` (`DocInfo.batchOffset`, narrowed in `MemTable.add`), so the
///   size must fit in a `UInt32`; zero or less would make no sense.
/// - `batchTargetBytes`: the index keeps a record's position in its batch as `UInt16`
///   (`DocInfo.index`). A batch is closed once its payload reaches the target, checked after
///   each record, and every record takes at least 4 payload bytes (length, kind, sequence
///   delta, a 1-byte body), so a target of at most `4 * UInt16.max` bytes keeps every batch
///   at or below 65 535 records.
/// - `indexSealBytes`, `indexSealDocs`: positive; doc numbers are `UInt32`, and a group may
///   add docs past the threshold before the seal, hence the `Int32.max` headroom.
/// - `activeTierMaxSegments`, `activeTierMaxBytes`: not negative (`LRUCache` traps on a
///   negative bound); zero turns the active tier off.
/// - `compactionMergeFactor`, `compactionMaxInputs`: at least 2 (a run of one file is not
///   a merge; the policy used to raise smaller values silently).
/// - `compactionDeadRatio`: above 0 and at most 1 (0 would rewrite every file with docs,
///   forever; NaN would never compare).
/// - `compactionBytesPerSecond`: not negative (0 means unthrottled).
/// - `maxOpenLogFiles`: at least 2 (a roll holds the old file and the new one);
///   `maxMappedLogFiles`, `maxLoadedProjects`: at least 1 (a read needs its map and its
///   project); `maxReaderHeldFiles`: at least 4 (a project's index and log files).
/// - `mappedResidentBudgetBytes`: not negative (0 forgets mapped pages at every check).
/// - `Durability.periodic(milliseconds:)`: 1 ms to one day (the writer converts it to
///   nanoseconds as `UInt64`, which traps on a negative value).
extension Configuration {
    /// The largest `logFileSize`: batch offsets are `UInt32` in the index.
    static let maxLogFileSize = Int(UInt32.max)
    /// The largest `batchTargetBytes`: record positions are `UInt16` in the index, and a
    /// record takes at least 4 bytes of a batch.
    static let maxBatchTargetBytes = 4 * Int(UInt16.max)
    /// The largest seal threshold in docs: doc numbers are `UInt32`, with headroom.
    static let maxIndexSealDocs = Int(Int32.max)
    /// The longest periodic sync interval: one day.
    static let maxPeriodicMilliseconds = 86_400_000

    /// Throws `.invalidConfiguration` naming the first field outside its range (in
    /// declaration order). Cost: a few comparisons.
    func validate() throws(StoreError) {
        func check(_ ok: Bool, _ field: String, _ value: some CustomStringConvertible, _ allowed: String) throws(StoreError) {
            if !ok { throw .invalidConfiguration(field: field, value: value.description, allowed: allowed) }
        }
        if case let .periodic(ms) = durability {
            try check((1...Self.maxPeriodicMilliseconds).contains(ms), "durability.periodic(milliseconds:)", ms,
                      "1...\(Self.maxPeriodicMilliseconds)")
        }
        try check((1...Self.maxLogFileSize).contains(logFileSize), "logFileSize", logFileSize,
                  "1...\(Self.maxLogFileSize) bytes")
        try check((1...Self.maxBatchTargetBytes).contains(batchTargetBytes), "batchTargetBytes", batchTargetBytes,
                  "1...\(Self.maxBatchTargetBytes) bytes")
        try check(logCompression.isValid, "logCompression", "\(logCompression)",
                  "lz4, lz4HC(level: 1...\(LZ4Block.maxLevel)), zstd(level: \(ZstdBlock.levels))")
        try check(indexSealBytes >= 1, "indexSealBytes", indexSealBytes, "1 byte or more")
        try check(memtableBudgetBytes >= 1, "memtableBudgetBytes", memtableBudgetBytes, "1 byte or more")
        try check((1...Self.maxIndexSealDocs).contains(indexSealDocs), "indexSealDocs", indexSealDocs,
                  "1...\(Self.maxIndexSealDocs)")
        try check(compactionMergeFactor >= 2, "compactionMergeFactor", compactionMergeFactor, "2 or more")
        try check(compactionMaxInputs >= 2, "compactionMaxInputs", compactionMaxInputs, "2 or more")
        try check(compactionDeadRatio > 0 && compactionDeadRatio <= 1, "compactionDeadRatio", compactionDeadRatio,
                  "more than 0, at most 1")
        try check(maxOpenLogFiles >= 2, "maxOpenLogFiles", maxOpenLogFiles, "2 or more")
        try check(maxMappedLogFiles >= 1, "maxMappedLogFiles", maxMappedLogFiles, "1 or more")
        try check(mappedResidentBudgetBytes >= 0, "mappedResidentBudgetBytes", mappedResidentBudgetBytes, "0 or more bytes")
        try check(mappedResidencyCheckInterval >= 1, "mappedResidencyCheckInterval", mappedResidencyCheckInterval, "1 or more")
        try check(maxLoadedProjects >= 1, "maxLoadedProjects", maxLoadedProjects, "1 or more")
        try check(projectsLoadedAtOpen >= 0, "projectsLoadedAtOpen", projectsLoadedAtOpen, "0 or more")
        try check(maxReaderHeldFiles >= 4, "maxReaderHeldFiles", maxReaderHeldFiles, "4 or more")
        try check(activeTierMaxSegments >= 0, "activeTierMaxSegments", activeTierMaxSegments, "0 or more")
        try check(activeTierMaxBytes >= 0, "activeTierMaxBytes", activeTierMaxBytes, "0 or more bytes")
        try check(compactionBytesPerSecond >= 0, "compactionBytesPerSecond", compactionBytesPerSecond,
                  "0 (unthrottled) or more")
        try check(forwardingWaitMilliseconds >= 0, "forwardingWaitMilliseconds", forwardingWaitMilliseconds, "0 or more")
    }
}
