/// Misuse of a file writer.
package enum JSONExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `LegacyFileWriter.write` before any `beginProject`.
    case noProject
    /// A segment given to a legacy project it does not belong to.
    case projectMismatch(project: String, segmentProject: String)
    /// The same project twice in one legacy file (a JSON object cannot hold it twice).
    case duplicateProject(String)
    /// A write after `finish()`.
    case finished

    package var description: String {
        switch self {
        case .noProject: "legacy export: a segment was written before any project was begun"
        case let .projectMismatch(p, s):
            "legacy export: segment of project \(debugQuote(s)) written into project \(debugQuote(p))"
        case let .duplicateProject(p): "legacy export: project \(debugQuote(p)) begun twice"
        case .finished: "export: write after finish()"
        }
    }
}

/// Streams a sharded (or monthly) file, `{"segments": [ ... ]}`, exactly as Python's
/// `json.dump({"segments": [...]}, f, indent=2)` (or compactly). The output goes to `sink`
/// in chunks of `chunkSize` bytes (the last one smaller); call `finish()` to close the
/// document and flush. Not thread-safe.
package final class ShardedFileWriter {
    private let out: JSONByteOutput
    private let style: JSONOutputStyle
    private var written = 0
    private var done = false

    package init(style: JSONOutputStyle = .indented, chunkSize: Int = 1 << 20, sink: @escaping JSONChunkSink) {
        self.style = style
        out = JSONByteOutput(chunkSize: chunkSize, sink: sink)
        // Fits any buffer (at least 64 bytes): nothing is flushed yet.
        try! out.bytes(style == .indented ? "{\n  \"segments\": [" : "{\"segments\":[")
    }

    /// Segments written so far.
    package var count: Int { written }

    /// Bytes handed to the sink so far.
    package var bytesWritten: Int { out.bytesFlushed }

    package func write(_ segment: ContextSegment) throws {
        if done { throw JSONExportError.finished }
        if written > 0 { try out.byte(0x2C) }
        if style == .indented { try out.newline(indent: 2) }
        try out.segment(segment, level: 2, style: style)
        written += 1
    }

    /// Closes the document (no newline at the end, as `json.dump`) and flushes.
    package func finish() throws {
        if done { return }
        done = true
        if style == .indented {
            if written > 0 { try out.newline(indent: 1) }
            try out.bytes("]\n}")
        } else {
            try out.bytes("]}")
        }
        try out.flush()
    }
}

/// Streams NDJSON: each segment as one compact line (`json.dumps(obj, ensure_ascii=False,
/// separators=(",", ":"))`) followed by `\n`. Call `finish()` (or `flush()`) at the end.
package final class NDJSONWriter {
    private let out: JSONByteOutput
    private var written = 0
    private var done = false

    package init(chunkSize: Int = 1 << 20, sink: @escaping JSONChunkSink) {
        out = JSONByteOutput(chunkSize: chunkSize, sink: sink)
    }

    package var count: Int { written }
    package var bytesWritten: Int { out.bytesFlushed }

    package func write(_ segment: ContextSegment) throws {
        if done { throw JSONExportError.finished }
        try out.segment(segment, level: 0, style: .compact)
        try out.byte(0x0A)
        written += 1
    }

    /// Hands what is buffered to the sink (whole lines only).
    package func flush() throws { try out.flush() }

    package func finish() throws {
        done = true
        try out.flush()
    }
}

/// Streams a legacy `storage.json`:
/// `{"version": "1.0", "projects": {"<id>": {"segments": [...], "indexes": {...}}, ...}}`,
/// byte for byte what Python's `json.dump(data, f, indent=2)` writes (or compactly).
///
/// Call `beginProject(_:)` for each project in the order wanted, `write(_:)` its segments in
/// file order, and `finish()` at the end. A project's `indexes` are written after its
/// segments, built from them (ids only are kept, per project) as the old writer built them
/// (`Tests/Oracles/old_layer.py` is that rule in Python):
/// - `by_task`: task_id -> ids of the segments with that task_id; a null or empty task_id
///   is not indexed (so there is no `""` key),
/// - `by_file`: file_path -> ids, the same way (no `""` key),
/// - `by_tag`: tag -> ids of the segments with that tag; a tag repeated within one segment
///   lists its id once,
/// lists in segment order, keys in order of first appearance (compared as UTF-8 bytes).
package final class LegacyFileWriter {
    private let out: JSONByteOutput
    private let style: JSONOutputStyle
    private var projects = 0
    private var seenProjects = Set<[UInt8]>()
    private var current: String?
    private var segmentsInProject = 0
    private var byTask = JSONOrderedIDIndex()
    private var byFile = JSONOrderedIDIndex()
    private var byTag = JSONOrderedIDIndex()
    private var done = false
    private var written = 0

    package init(style: JSONOutputStyle = .indented, chunkSize: Int = 1 << 20, sink: @escaping JSONChunkSink) {
        self.style = style
        out = JSONByteOutput(chunkSize: chunkSize, sink: sink)
        try! out.bytes(style == .indented ? "{\n  \"version\": \"1.0\",\n  \"projects\": {"
                                          : "{\"version\":\"1.0\",\"projects\":{")
    }

    package var count: Int { written }
    package var bytesWritten: Int { out.bytesFlushed }

    /// Starts the next project (closing the one before).
    package func beginProject(_ projectID: String) throws {
        if done { throw JSONExportError.finished }
        let key = Array(projectID.utf8)
        guard seenProjects.insert(key).inserted else { throw JSONExportError.duplicateProject(projectID) }
        try closeProject()
        if projects > 0 { try out.byte(0x2C) }
        if style == .indented { try out.newline(indent: 2) }
        try out.key(projectID, style)
        try out.byte(0x7B)
        if style == .indented { try out.newline(indent: 3) }
        try out.key("segments", style)
        try out.byte(0x5B)
        projects += 1
        current = projectID
        segmentsInProject = 0
    }

    /// Writes a segment of the current project.
    package func write(_ segment: ContextSegment) throws {
        if done { throw JSONExportError.finished }
        guard let current else { throw JSONExportError.noProject }
        guard segment.projectID.utf8.elementsEqual(current.utf8) else {
            throw JSONExportError.projectMismatch(project: current, segmentProject: segment.projectID)
        }
        if segmentsInProject > 0 { try out.byte(0x2C) }
        if style == .indented { try out.newline(indent: 4) }
        try out.segment(segment, level: 4, style: style)
        if let t = segment.taskID, !t.isEmpty { byTask.add(t, segment.segmentID, segment: segmentsInProject) }
        if let f = segment.filePath, !f.isEmpty { byFile.add(f, segment.segmentID, segment: segmentsInProject) }
        for tag in segment.tags { byTag.add(tag, segment.segmentID, segment: segmentsInProject) }
        segmentsInProject += 1
        written += 1
    }

    /// Closes the last project and the document, and flushes.
    package func finish() throws {
        if done { return }
        try closeProject()
        done = true
        if style == .indented {
            if projects > 0 { try out.newline(indent: 1) }
            try out.bytes("}\n}")
        } else {
            try out.bytes("}}")
        }
        try out.flush()
    }

    private func closeProject() throws {
        guard current != nil else { return }
        current = nil
        let ind = style == .indented
        if ind, segmentsInProject > 0 { try out.newline(indent: 3) }
        try out.byte(0x5D)
        try out.byte(0x2C)
        if ind { try out.newline(indent: 3) }
        try out.key("indexes", style)
        try out.byte(0x7B)
        for (i, (name, index)) in [("by_task", byTask), ("by_file", byFile), ("by_tag", byTag)].enumerated() {
            if i > 0 { try out.byte(0x2C) }
            if ind { try out.newline(indent: 4) }
            try out.key(name, style)
            try write(index, level: 4)
        }
        if ind { try out.newline(indent: 3) }
        try out.byte(0x7D)
        if ind { try out.newline(indent: 2) }
        try out.byte(0x7D)
        byTask = JSONOrderedIDIndex()
        byFile = JSONOrderedIDIndex()
        byTag = JSONOrderedIDIndex()
    }

    private func write(_ index: JSONOrderedIDIndex, level: Int) throws {
        let ind = style == .indented
        try out.byte(0x7B)
        for (i, key) in index.keys.enumerated() {
            if i > 0 { try out.byte(0x2C) }
            if ind { try out.newline(indent: level + 1) }
            try out.key(key, style)
            try out.byte(0x5B)
            for (j, id) in index.lists[i].enumerated() {
                if j > 0 { try out.byte(0x2C) }
                if ind { try out.newline(indent: level + 2) }
                try out.string(id, style)
            }
            if ind { try out.newline(indent: level + 1) }
            try out.byte(0x5D)
        }
        if ind, !index.keys.isEmpty { try out.newline(indent: level) }
        try out.byte(0x7D)
    }
}

/// key -> [segment id], keys in order of first appearance, compared as UTF-8 bytes (as
/// Python's dict compares code points; Swift's `String ==` would merge NFC and NFD).
struct JSONOrderedIDIndex {
    private(set) var keys: [String] = []
    private(set) var lists: [[String]] = []
    /// The ordinal of the segment that last added to each list: a segment adds its id to a
    /// list at most once (a repeated tag), while two segments with the same id (which a
    /// writer's caller may pass) still add it twice, as `old_layer.legacy_document` does.
    private var lastSegment: [Int] = []
    private var slots: [[UInt8]: Int] = [:]

    /// Adds `id` under `key` for the segment with ordinal `segment` in its project.
    mutating func add(_ key: String, _ id: String, segment: Int) {
        let k = Array(key.utf8)
        if let i = slots[k] {
            guard lastSegment[i] != segment else { return }
            lists[i].append(id)
            lastSegment[i] = segment
        } else {
            slots[k] = keys.count
            keys.append(key)
            lists.append([id])
            lastSegment.append(segment)
        }
    }
}
