/// One log record: a new version of a segment, or a delete (tombstone) of an id.
enum LogRecord: Sendable {
    case put(ContextSegment)
    case delete(segmentID: String)

    var segmentID: String {
        switch self {
        case let .put(s): s.segmentID
        case let .delete(id): id
        }
    }
}

/// A decoded record with its sequence number (global to the store, strictly increasing in
/// append order).
struct SequencedRecord: Sendable {
    var seq: UInt64
    var record: LogRecord
}
