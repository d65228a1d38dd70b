/// What `compact()` did.
public struct CompactionReport: Sendable, Equatable {
    /// Jobs run (each merges a run of index files and their logs).
    public var jobs = 0
    /// Log bytes read.
    public var bytesIn: Int64 = 0
    /// Log bytes written.
    public var bytesOut: Int64 = 0
    /// Records read.
    public var recordsIn = 0
    /// Records kept (live puts, and tombstones still needed).
    public var recordsOut = 0
    /// Wall-clock seconds spent in jobs.
    public var seconds = 0.0

    /// An empty report (for an app's own tests and stubs).
    public init() {}

    mutating func add(_ o: CompactionOutput) {
        jobs += 1
        bytesIn += o.plan.inputBytes
        bytesOut += o.bytesOut
        recordsIn += o.recordsIn
        recordsOut += o.recordsOut
    }
}
