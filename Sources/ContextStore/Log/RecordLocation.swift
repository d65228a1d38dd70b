/// A record's place in the log: all a reader needs to fetch it. `package`, not public: it
/// is physical (compaction invalidates it) and no public API accepts one.
package struct RecordLocation: Sendable, Hashable, CustomStringConvertible {
    package var fileNumber: UInt32
    /// Offset of the batch frame in the file.
    package var batchOffset: Int64
    /// Index of the record within the batch.
    package var index: Int

    package var description: String { "file \(fileNumber) batch @\(batchOffset) #\(index)" }
}
