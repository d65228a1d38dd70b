#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON file (or buffer, or stream) that cannot be imported: where and why.
///
/// `description` reads like
/// `storage.json: segment 17 (line 230, column 9, byte 8812): type: unknown value "snippet" (allowed: ...)`.
/// Positions point at the offending byte for syntax problems, at the key for a field's
/// problem, and at the segment's `{` for problems of the whole segment (a missing field,
/// `validate()`).
public struct JSONImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the input was refused.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// `open(2)` or `read(2)` failed.
        case io(operation: String, errno: Int32)
        /// The input ended inside a value (a truncated file).
        case unexpectedEnd
        /// Not JSON here; the message says what was expected.
        case syntax(String)
        /// A byte sequence that is not UTF-8 (overlong, an encoded surrogate, a stray
        /// continuation byte, 0xF8...0xFF, beyond U+10FFFF, cut short).
        case invalidUTF8
        /// A raw control character (below 0x20) inside a string.
        case controlCharacter(UInt8)
        /// A backslash escape JSON does not have (`\x`, `\u12`, ...). (A `\uXXXX`
        /// surrogate escape without its partner is no error: it is read as U+FFFD and counted,
        /// as `SegmentFileReader.replacedSurrogates` says.)
        case invalidEscape(String)
        /// `NaN`, `Infinity` or `-Infinity`: not JSON.
        case nonFiniteNumber(String)
        /// Nesting deeper than `JSONLimits.maxDepth`.
        case depthLimit(Int)
        /// A string longer than `JSONLimits.maxStringBytes`.
        case valueTooLarge(limit: Int)
        /// Something after the end of the top-level value (or after an NDJSON record on
        /// its line).
        case trailingData
        /// The same key twice in one object.
        case duplicateKey(String)
        /// A key the format does not have.
        case unknownKey(String)
        /// A key of the file's structure that must be there (`segments`, `projects`).
        case missingKey(String)
        /// A legacy file whose `version` is not `"1.0"`.
        case unsupportedVersion(String)
        /// NDJSON: an empty line followed by more records (blank lines may only end a file).
        case blankLine
        /// NDJSON: a record that goes on over a line break.
        case recordSpansLines
        /// Legacy: a segment whose `project_id` is not the project it is filed under.
        case projectMismatch(project: String, segmentProject: String)
        /// A problem with one field of a segment, or the segment as a whole.
        case segment(SegmentValidationError)

        /// The reason as one line of English, without the position (`invalid escape \x`).
        public var description: String {
            switch self {
            case let .io(op, e):
                "\(op) failed: \(String(cString: strerror(e))) (errno \(e))"
            case .unexpectedEnd: "unexpected end of input"
            case let .syntax(m): m
            case .invalidUTF8: "invalid UTF-8"
            case let .controlCharacter(b): "raw control character 0x\(jsonHex2(b)) in a string (must be escaped)"
            case let .invalidEscape(e): "invalid escape \(e)"
            case let .nonFiniteNumber(s): "\(s) is not a JSON number"
            case let .depthLimit(d): "nesting deeper than \(d) levels"
            case let .valueTooLarge(limit): "string longer than the limit of \(limit) bytes"
            case .trailingData: "unexpected data after the end of the JSON value"
            case let .duplicateKey(k): "duplicate key \(debugQuote(k))"
            case let .unknownKey(k): "unknown key \(debugQuote(k))"
            case let .missingKey(k): "required key \(debugQuote(k)) is missing"
            case let .unsupportedVersion(v): "unsupported version \(debugQuote(v)) (expected \"1.0\")"
            case .blankLine: "blank line before a record (NDJSON allows blank lines only at the end)"
            case .recordSpansLines: "record spans several lines (NDJSON needs one object a line)"
            case let .projectMismatch(p, s):
                "project_id: \(debugQuote(s)) differs from the enclosing project \(debugQuote(p))"
            case let .segment(e): e.description
            }
        }
    }

    /// The file's path, or the name given for a buffer or descriptor.
    public var file: String?
    /// Byte offset of the problem from the start of the input (a leading BOM counts).
    public var byteOffset: Int
    /// 1-based line of `byteOffset` (0 if unknown).
    public var line: Int
    /// 1-based column of `byteOffset`, counted in Unicode scalars (0 if unknown).
    public var column: Int
    /// 0-based index of the segment in its file (across all projects of a legacy file);
    /// nil when the problem is outside any segment.
    public var elementIndex: Int?
    /// Legacy files: the project the segment is filed under.
    public var projectID: String?
    /// Why the input was refused.
    public var reason: Reason

    /// The error at `byteOffset` (and its line and column) of `file`. Made by the readers.
    package init(file: String?, byteOffset: Int, line: Int, column: Int, elementIndex: Int?,
                projectID: String? = nil, reason: Reason) {
        self.file = file
        self.byteOffset = byteOffset
        self.line = line
        self.column = column
        self.elementIndex = elementIndex
        self.projectID = projectID
        self.reason = reason
    }

    /// `file: segment N (line L, column C, byte B): reason`, or without the segment when the
    /// problem is outside one, or `byte B` alone when the line is unknown.
    public var description: String {
        var s = file ?? "<input>"
        s += ": "
        var place = line > 0 ? "line \(line), column \(column), byte \(byteOffset)" : "byte \(byteOffset)"
        if let p = projectID, elementIndex != nil { place = "project \(debugQuote(p)), " + place }
        if let i = elementIndex {
            s += "segment \(i) (\(place)): "
        } else {
            s += "\(place): "
        }
        return s + reason.description
    }
}
