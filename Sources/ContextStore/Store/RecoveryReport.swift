/// What open found and repaired. Returned by `ContextStore.recoveryReport`.
public struct RecoveryReport: Sendable, Equatable {
    /// An active log file whose end held an incomplete write, cut at open.
    public struct TornTail: Sendable, Equatable {
        /// The log file's path.
        public var file: String
        /// The length it was cut to (the end of its last whole batch).
        public var validEnd: Int64
        /// Bytes cut off.
        public var droppedBytes: Int64
    }
    /// Incomplete writes cut off the end of active log files.
    public var tornTails: [TornTail] = []
    /// Files and directories no manifest named (left by a crash before a publish), removed.
    public var removedOrphans: [String] = []
    /// Whether the store was created by this open.
    public var created = false
    /// Projects whose index files could not be used and whose index was rebuilt from the log.
    public var rebuiltIndexes: [String] = []
}
