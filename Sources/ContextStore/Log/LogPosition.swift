/// A position in a project's log: file number and byte offset.
struct LogPosition: Sendable, Equatable, Comparable {
    var file: UInt32
    var offset: Int64

    static func < (a: LogPosition, b: LogPosition) -> Bool {
        a.file != b.file ? a.file < b.file : a.offset < b.offset
    }
}
