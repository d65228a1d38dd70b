/// The forms `export` writes (Docs/FORMAT.md section 2).
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
        guard let pair = view.index(project: project) else { return }
        // The files are pinned inside the read, before any compaction can retire them.
        let (locations, pin): ([RecordLocation], FilePin) = pair.read { pi in
            var out: [RecordLocation] = []
            out.reserveCapacity(pi.totals.segments)
            for f in pi.files {
                for d in 0..<f.reader.docCount where !f.dead[d] { out.append(f.reader.doc(d).location) }
            }
            let m = pi.memtable
            for d in 0..<m.docCount where !m.isDead(d) { out.append(m.docs[d].location) }
            let files = Set(out.map(\.fileNumber)).map { FileLifetimes.Key(project: pi.number, file: $0) }
            return (out, view.lifetimes.pin(files))
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
    /// Each file is written under a temporary name, synced, then renamed, so a file that
    /// exists is whole. Sharded and monthly files are named after the project id as it is
    /// wherever that is a valid file name (what the old layer reads); other ids are escaped,
    /// and never two projects share a file (`ExportFileNames.names`, SPEC.md section 10).
    /// Nothing is written outside `directory`.
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
        var opened = 0
        /// Opens the next output file, `name` in `dir`.
        func create(_ dir: String, _ name: String) throws -> ExportFile {
            opened += 1
            return try ExportFile(directory: dir, name: name, number: opened)
        }
        let chosen = projects ?? projectIDs()
        let stashed = directory + "/stashed"
        try FileSystem.makeDirectories(format == .sharded || format == .monthly ? stashed : directory)
        switch format {
        case .sharded:
            let names = ExportFileNames.names(for: chosen, storeProjects: projectIDs(), .sharded)
            for p in chosen {
                let file = try create(stashed, names[ByteKey(p)]! + ".json")
                let w = ShardedFileWriter(sink: file.sink)
                try copy(p, w.write)
                try w.finish()
                try commit(file)
            }
        case .monthly:
            let names = ExportFileNames.names(for: chosen, storeProjects: projectIDs(), .monthly)
            for p in chosen {
                let name = names[ByteKey(p)]!
                var writers: [String: (ExportFile, ShardedFileWriter)] = [:]
                try copy(p) { s in
                    let month = ExportFileNames.month(s.createdAt)
                    if writers[month] == nil {
                        let file = try create(stashed, name + "_" + month + ".json")
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
            let file = try create(directory, "storage.json")
            let w = LegacyFileWriter(sink: file.sink)
            for p in chosen {
                try w.beginProject(p)
                try copy(p, w.write)
            }
            try w.finish()
            try commit(file)
        case .ndjson:
            let file = try create(directory, "segments.ndjson")
            let w = NDJSONWriter(sink: file.sink)
            for p in chosen { try copy(p, w.write) }
            try w.finish()
            try commit(file)
        }
        return report
    }
}

/// One output file: written as `<directory>/.ctxstore-export-<number>.tmp`, then synced and
/// renamed to `<directory>/<name>` by `commit`. The temporary name is short (a 255-byte
/// output name plus `.tmp` would pass `NAME_MAX`) and is never an output's name (those end
/// in `.json` or `.ndjson`); `number` keeps the files open at once (monthly) apart.
final class ExportFile {
    let path: String
    private let temporaryPath: String
    private let handle: FileHandle
    private var offset: Int64 = 0

    init(directory: String, name: String, number: Int) throws {
        path = directory + "/" + name
        temporaryPath = directory + "/.ctxstore-export-" + String(number) + ".tmp"
        handle = try FileHandle.createTruncating(temporaryPath)
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
        try FileSystem.rename(temporaryPath, path)
        return Int(offset)
    }
}
