/// Why an import was refused, and where. When `importFiles` throws one, the import's
/// transaction was rolled back: nothing of any of its inputs is in the store.
///
/// `description` reads like
/// `old/stashed/p.json: segment 17 (line 230, column 9, byte 8812): type: unknown value "snippet" (allowed: ...)`.
/// Positions come from the JSON reader (see `JSONImportError`); problems the store finds in a
/// segment it was handed (`.invalidSegment`) name the file and element but no byte position.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, without the position (`ImportError` adds that).
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// The file is not a valid segment file here: JSON syntax, UTF-8, a field's type or
        /// value, a missing field, a reader limit (`JSONLimits`), or a failed `read(2)`.
        case json(JSONImportError.Reason)
        /// The store refused a segment the reader accepted (e.g. its encoded record is over
        /// `SegmentLimits.maxRecordBytes`).
        case invalidSegment(segmentID: String, SegmentValidationError)
        /// The path does not exist.
        case notFound
        /// The path is neither a regular file nor a directory (a FIFO, a device ...).
        case notAFileOrDirectory
        /// A directory that holds none of `storage.json`, `stashed/` and `evicted/`: not a
        /// directory of the old layer (nothing in it is read).
        case notAnOldLayerDirectory
        /// A system call on an input failed (`stat`, `opendir`).
        case io(operation: String, errno: Int32)
        /// The store failed to begin, stage or commit the import (I/O, disk full, closed ...).
        case store(StoreError)

        /// The reason as a phrase (what follows the position in `ImportError.description`).
        public var description: String {
            switch self {
            case let .json(r): r.description
            case let .invalidSegment(id, e): "segment \(debugQuote(id)): \(e)"
            case .notFound: "no such file or directory"
            case .notAFileOrDirectory: "not a regular file or a directory"
            case .notAnOldLayerDirectory: "directory holds none of storage.json, stashed/, evicted/ (not an old-layer directory)"
            case let .io(op, e): "\(op) failed: \(String(cString: strerror(e))) (errno \(e))"
            case let .store(e): e.description
            }
        }
    }

    /// The input file (or directory) concerned; nil for a failure of the store as a whole
    /// (beginning or committing the transaction).
    public var path: String?
    /// 0-based index of the segment in its file (across all projects of a legacy file);
    /// nil when the problem is outside any segment.
    public var elementIndex: Int?
    /// Legacy files: the project the segment is filed under.
    public var projectID: String?
    /// Byte offset in the file, 1-based line and column (in Unicode scalars), when the JSON
    /// reader found the problem.
    public var byteOffset: Int?
    /// 1-based line of the problem in the file, when the JSON reader found it.
    public var line: Int?
    /// 1-based column (in Unicode scalars) of the problem, when the JSON reader found it.
    public var column: Int?
    /// What went wrong.
    public var reason: Reason

    /// An error with whatever position is known (for an app's own tests and stubs).
    public init(path: String?, elementIndex: Int? = nil, projectID: String? = nil, byteOffset: Int? = nil,
                line: Int? = nil, column: Int? = nil, reason: Reason) {
        self.path = path
        self.elementIndex = elementIndex
        self.projectID = projectID
        self.byteOffset = byteOffset
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// The reader's error, with its position.
    init(_ e: JSONImportError) {
        self.init(path: e.file, elementIndex: e.elementIndex, projectID: e.projectID, byteOffset: e.byteOffset,
                  line: e.line > 0 ? e.line : nil, column: e.line > 0 ? e.column : nil, reason: .json(e.reason))
    }

    /// One line: the path, the segment and position where known, then the reason.
    public var description: String {
        var s = (path ?? "<store>") + ": "
        var place: [String] = []
        if let p = projectID, elementIndex != nil { place.append("project \(debugQuote(p))") }
        if let line, let column { place.append("line \(line), column \(column)") }
        if let byteOffset { place.append("byte \(byteOffset)") }
        if let i = elementIndex {
            s += "segment \(i)" + (place.isEmpty ? "" : " (" + place.joined(separator: ", ") + ")") + ": "
        } else if !place.isEmpty {
            s += place.joined(separator: ", ") + ": "
        }
        return s + reason.description
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
