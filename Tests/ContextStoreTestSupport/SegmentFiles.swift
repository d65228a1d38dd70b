import Foundation
import ContextStore

/// Segment files as the library's public writers make them, and whole-file reads and
/// writes for the tests that feed them to `import`.
package enum SegmentFiles {
    /// `segments` in `format` (legacy: a new project whenever `project_id` changes;
    /// segment: the one segment as `json.dump(segment, f, indent=2)`, a spill file), each
    /// writer flushing every `chunk` bytes. Throws what the writers throw
    /// (`JSONExportError`); traps on a spill file of other than one segment.
    package static func bytes(_ segments: [ContextSegment], as format: SegmentFileFormat, chunk: Int = 1 << 20) throws -> [UInt8] {
        var out: [UInt8] = []
        switch format {
        case .ndjson:
            let w = NDJSONWriter(chunkSize: chunk) { out.append(contentsOf: $0) }
            for s in segments { try w.write(s) }
            try w.finish()
        case .sharded:
            let w = ShardedFileWriter(chunkSize: chunk) { out.append(contentsOf: $0) }
            for s in segments { try w.write(s) }
            try w.finish()
        case .legacy:
            let w = LegacyFileWriter(chunkSize: chunk) { out.append(contentsOf: $0) }
            var current: [UInt8]? = nil
            for s in segments {
                if current == nil || !s.projectID.utf8.elementsEqual(current!) {
                    try w.beginProject(s.projectID)
                    current = Array(s.projectID.utf8)
                }
                try w.write(s)
            }
            try w.finish()
        case .segment:
            precondition(segments.count == 1, "a spill file holds one segment")
            out = JSONSegmentEncoder.encode(segments[0], style: .indented)
        }
        return out
    }

    /// Writes `bytes` to `path`, creating its directory; throws if either fails.
    package static func write(_ path: String, _ bytes: [UInt8]) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The bytes of the file at `path`; empty if it cannot be read.
    package static func read(_ path: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path) ?? Data())
    }
}
