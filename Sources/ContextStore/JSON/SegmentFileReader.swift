#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the segments of one JSON input, a segment at a time, in file order. The form is
/// detected from the content, not the name:
///
/// - a top-level object whose first key is `segments` is a sharded (or monthly) file;
/// - one whose first key is `version` or `projects` is a legacy `storage.json`;
/// - any other object with a line break between its `{` and its first key (or its `}`) is
///   one segment object (`.segment`, a spill file as `json.dump(indent=2)` writes it; only
///   whitespace may follow it). No NDJSON record can look so: a record is on one line;
/// - anything else starting with `{` is NDJSON, one segment object a line (blank lines are
///   allowed only at the end; an empty input is an NDJSON file with no segments). A single
///   compact object is thus a one-record NDJSON file: the same segment either way.
///
/// The input is read in chunks (1 MiB by default), so a file of any size is never held whole;
/// memory is one chunk plus the largest string (at most `JSONLimits.maxStringBytes`).
/// Parsing is strict RFC 8259 (a leading UTF-8 BOM is skipped); the segment objects are
/// decoded and validated as `readSegmentBody` describes. A legacy file's `indexes` are
/// derived data: checked to be valid JSON, then ignored.
///
/// A `\uXXXX` escape of a lone surrogate (which Python's `json` writes and reads, and no
/// Swift string can hold) is read as U+FFFD; `replacedSurrogates` counts those of the
/// segments returned. Raw bytes that are not UTF-8 stay an error.
///
/// `next()` returns nil at the clean end, after checking that nothing but whitespace follows.
/// The first error is final: later calls throw it again. A caller that must not half-import
/// a file collects its segments before committing any.
///
/// One reader per input; not thread-safe (and not `Sendable`).
package final class SegmentFileReader {
    private var parser: JSONSegmentStreamParser
    private var failure: JSONImportError?
    private let name: String?

    /// The detected form.
    package let format: SegmentFileFormat

    /// Opens the file at `path` and detects its form.
    package convenience init(path: String) throws(JSONImportError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw JSONImportError(file: path, byteOffset: 0, line: 0, column: 0, elementIndex: nil,
                                  reason: .io(operation: "open", errno: errno))
        }
        try self.init(scanner: JSONScanner(fd: fd, ownsFD: true), name: path)
    }

    /// Reads an in-memory buffer; `name` stands for the file in errors.
    package convenience init(bytes: [UInt8], name: String) throws(JSONImportError) {
        try self.init(scanner: JSONScanner(bytes: bytes), name: name)
    }

    /// Reads from an open descriptor (a pipe, stdin, a file), which stays open (the caller
    /// closes it). Any form is accepted; NDJSON is read a line at a time as it arrives.
    package convenience init(fileDescriptor: Int32, name: String) throws(JSONImportError) {
        try self.init(scanner: JSONScanner(fd: fileDescriptor, ownsFD: false), name: name)
    }

    /// Any scanner (tests use small chunks and limits).
    init(scanner: consuming JSONScanner, name: String?) throws(JSONImportError) {
        self.name = name
        var p = JSONSegmentStreamParser(scanner: scanner)
        do {
            try p.sniff()
        } catch {
            let e = p.importError(error, file: name)
            self.parser = p
            self.format = .ndjson
            throw e
        }
        self.format = p.format
        self.parser = p
    }

    /// The next segment, or nil at the clean end of the input.
    package func next() throws(JSONImportError) -> ContextSegment? {
        if let failure { throw failure }
        do {
            return try parser.next()
        } catch {
            let e = parser.importError(error, file: name)
            failure = e
            throw e
        }
    }

    /// 0-based index in the file of the segment the last `next()` returned (or failed on);
    /// -1 before the first. Counts across all projects of a legacy file.
    package var elementIndex: Int { parser.elementIndex }

    /// Number of segments returned so far.
    package var segmentsRead: Int { parser.segmentsRead }

    /// Lone surrogate escapes (`\ud800` alone, a high surrogate not followed by a low one, a
    /// low one alone) replaced by U+FFFD in the segments returned so far. Two ids that differ
    /// only there become one id.
    package var replacedSurrogates: Int { parser.replacedSurrogates }

    /// Legacy files: the project whose segments are being read.
    package var projectID: String? { parser.projectID }

    /// Bytes consumed from the input so far (for progress reports).
    package var bytesConsumed: Int { parser.scanner.offset }

    /// Reads every remaining segment.
    package func readAll() throws(JSONImportError) -> [ContextSegment] {
        var out: [ContextSegment] = []
        while let s = try next() { out.append(s) }
        return out
    }
}
