/// The forms `export` writes (FORMAT.md section 2).
public enum ExportFormat: String, Sendable, CaseIterable {
    /// `stashed/<project>.json`: `{"segments": [...]}` as `json.dump(..., indent=2)`.
    case sharded
    /// `stashed/<project>_<YYYY-MM>.json` by month of `created_at`, same content.
    case monthly
    /// `storage.json`: every project with its derived `indexes`.
    case legacy
    /// `segments.ndjson`: one compact segment a line, every project.
    case ndjson
}

/// What an export wrote.
public struct ExportReport: Sendable {
    public var files: [String] = []
    public var segments = 0
    public var bytes = 0
}

extension ContextStore {
    /// Calls `body` with each live segment of `project` in the order of its latest write (the
    /// order the old layer kept). The set is the one live when the call starts. Records are
    /// read batch by batch, each batch decompressed once.
    public func forEachLiveSegment(project: String, _ body: (ContextSegment) throws -> Void) async throws {
        try visitLiveSegments(project: project, body)
    }

    /// `forEachLiveSegment`, for callers already off the caller's task (export).
    func visitLiveSegments(project: String, _ body: (ContextSegment) throws -> Void) throws {
        guard let pair = writer.index(project: project) else { return }
        // The files are pinned inside the read, before any compaction can retire them.
        let (locations, pin): ([RecordLocation], FilePin) = pair.read { pi in
            var out: [RecordLocation] = []
            out.reserveCapacity(pi.totals.segments)
            for s in pi.segments {
                for d in 0..<s.segment.docCount where !s.dead[d] { out.append(s.segment.doc(d).location) }
            }
            let m = pi.memtable
            for d in 0..<m.docCount where !m.isDead(d) { out.append(m.docs[d].location) }
            let files = Set(out.map(\.fileNumber)).map { FileLifetimes.Key(project: pi.number, file: $0) }
            return (out, writer.lifetimes.pin(files))
        }
        defer { pin.release() }
        var cachedKey: (UInt32, Int64)? = nil
        var cached: [SequencedRecord] = []
        for loc in locations {
            if cachedKey.map({ $0 != (loc.fileNumber, loc.batchOffset) }) ?? true {
                cached = try logMaps.batch(project: pair.number, projectID: pair.projectID,
                                           file: loc.fileNumber, offset: loc.batchOffset)
                cachedKey = (loc.fileNumber, loc.batchOffset)
            }
            guard loc.index < cached.count, case let .put(s) = cached[loc.index].record else {
                throw StoreError.corruption(file: layout.logFile(project: pair.number, file: loc.fileNumber),
                                            offset: loc.batchOffset, reason: "the index points at no put record (\(loc))")
            }
            try body(s)
        }
    }

    /// Writes the live segments of `projects` (default: all, in creation order) under
    /// `directory` in `format`, streaming (memory stays flat whatever the store's size).
    /// Files are written as `<name>.tmp`, synced, then renamed, so a file that exists is
    /// whole. Nothing is written outside `directory`; project ids are escaped (SPEC.md).
    public func export(to directory: String, format: ExportFormat, projects: [String]? = nil,
                       progress: ((Int) -> Void)? = nil) async throws -> ExportReport {
        var report = ExportReport()
        /// Streams one project's live segments into `write`, counting them.
        func copy(_ p: String, _ write: (ContextSegment) throws -> Void) throws {
            try visitLiveSegments(project: p) { s in
                try write(s)
                report.segments += 1
                progress?(1)
            }
        }
        /// Publishes a finished file and reports it.
        func commit(_ file: ExportFile) throws {
            report.bytes += try file.commit()
            report.files.append(file.path)
        }
        let chosen = projects ?? projectIDs()
        let stashed = directory + "/stashed"
        try FileSystem.makeDirectories(format == .sharded || format == .monthly ? stashed : directory)
        switch format {
        case .sharded:
            for p in chosen {
                let file = try ExportFile(stashed + "/" + ExportFileNames.escape(p) + ".json")
                let w = ShardedFileWriter(sink: file.sink)
                try copy(p, w.write)
                try w.finish()
                try commit(file)
            }
        case .monthly:
            for p in chosen {
                var writers: [String: (ExportFile, ShardedFileWriter)] = [:]
                try copy(p) { s in
                    let month = ExportFileNames.month(s.createdAt)
                    if writers[month] == nil {
                        let file = try ExportFile(stashed + "/" + ExportFileNames.escape(p) + "_" + month + ".json")
                        writers[month] = (file, ShardedFileWriter(chunkSize: 64 << 10, sink: file.sink))
                    }
                    try writers[month]!.1.write(s)
                }
                for month in writers.keys.sorted() {
                    let (file, w) = writers[month]!
                    try w.finish()
                    try commit(file)
                }
            }
        case .legacy:
            let file = try ExportFile(directory + "/storage.json")
            let w = LegacyFileWriter(sink: file.sink)
            for p in chosen {
                try w.beginProject(p)
                try copy(p, w.write)
            }
            try w.finish()
            try commit(file)
        case .ndjson:
            let file = try ExportFile(directory + "/segments.ndjson")
            let w = NDJSONWriter(sink: file.sink)
            for p in chosen { try copy(p, w.write) }
            try w.finish()
            try commit(file)
        }
        return report
    }
}

/// One output file: written as `<path>.tmp`, then synced and renamed by `commit`.
final class ExportFile {
    let path: String
    private let handle: FileHandle
    private var offset: Int64 = 0

    init(_ path: String) throws {
        self.path = path
        handle = try FileHandle.createTruncating(path + ".tmp")
    }

    var sink: JSONChunkSink {
        { [unowned self] chunk in
            try self.handle.write(chunk, at: self.offset)
            self.offset += Int64(chunk.count)
        }
    }

    /// Returns the file's size.
    func commit() throws -> Int {
        try handle.sync()
        try FileSystem.rename(path + ".tmp", path)
        return Int(offset)
    }
}
