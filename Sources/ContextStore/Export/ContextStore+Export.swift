

extension ContextStore {
    /// Calls `body` with each live segment of `project` in the order of its latest write (the
    /// order the old layer kept). The set is the one live when the call starts. Records are
    /// read batch by batch, each batch decompressed once.
    ///
    /// Synchronous: `body` runs on the caller's thread (and isolation), so a visitor called
    /// from an actor or the main actor may mutate that actor's state. The files read are
    /// pinned for the call, so a compaction meanwhile changes nothing it sees. An unknown
    /// project visits nothing.
    ///
    /// - Throws: what `body` throws (the walk stops there); `StoreError.corruption`, `.io`,
    ///   `.closed`.
    ///
    /// Cost: one batch decompression per batch holding a live segment; memory holds the
    /// project's live record locations (16 bytes each) and one batch.
    public func forEachLiveSegment(project: String, _ body: (ContextSegment) throws -> Void) throws {
        try checkOpen()
        try visitLiveSegments(project: project, body)
    }

    /// `forEachLiveSegment`, for callers already off the caller's task (export).
    func visitLiveSegments(project: String, _ body: (ContextSegment) throws -> Void) throws {
        guard let pair = try view.loadedIndex(project: project) else { return }
        // The files are pinned inside the read, before any compaction can retire them.
        let (locations, pin, damage): ([RecordLocation], FilePin, IndexError?) = pair.read { pi in
            var out: [RecordLocation] = []
            out.reserveCapacity(pi.totals.segments)
            for f in pi.files {
                for d in 0..<f.reader.docCount where !f.dead[d] { out.append(f.reader.doc(d).location) }
            }
            let m = pi.memtable
            for d in 0..<m.docCount where !m.isDead(d) { out.append(m.docs[d].location) }
            let files = Set(out.map(\.fileNumber)).map { FileLifetimes.Key(project: pi.number, file: $0) }
            return (out, view.lifetimes.pin(files), pi.damage)
        }
        defer { pin.release() }
        if let damage { throw StoreError(damage) }
        var cachedKey: (UInt32, Int64)? = nil
        var cached: [SequencedRecord] = []
        for loc in locations {
            if cachedKey.map({ $0 != (loc.fileNumber, loc.batchOffset) }) ?? true {
                cached = try logMaps.batch(project: pair.number, projectID: pair.projectID,
                                           file: loc.fileNumber, offset: loc.batchOffset)
                cachedKey = (loc.fileNumber, loc.batchOffset)
                noteMappedReads()
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
    ///
    /// The export runs off the caller (in a task of its own, never on the caller's actor);
    /// `progress` is called with 1 for each segment written, on the caller's isolation
    /// (`isolation`, by default the caller's actor), so it may mutate the actor's state.
    /// Every call has been made when `export` returns (unless the calling task is cancelled:
    /// then the calls still pending are dropped; the export itself runs to its end).
    ///
    /// - Throws: `StoreError` (`.closed`, `.corruption`, `.io`, `.diskFull`), or the file
    ///   system's error for the output files; files finished before the failure stay whole.
    ///
    /// Cost: reads each exported project's live records once and writes them once; memory
    /// stays flat (one batch, one output buffer per open file).
    public func export(to directory: String, format: ExportFormat, projects: [String]? = nil,
                       isolation: isolated (any Actor)? = #isolation,
                       progress: ((Int) -> Void)? = nil) async throws -> ExportReport {
        try checkOpen()
        // The work reports counts of segments written (coalesced, see `exportOffCaller`);
        // the caller gets one call with 1 per segment, as before.
        let deliver = progress.map { p in { (written: Int) in for _ in 0..<written { p(1) } } }
        let result = await OffCaller.run(progress: deliver) { [self] report -> Result<ExportReport, any Error> in
            Result { try exportOffCaller(to: directory, format: format, projects: projects, progress: report) }
        }
        return try result.get()
    }

    /// `export`'s work, on the thread it is called on. `progress` gets counts of segments
    /// written, coalesced up to `progressBatch` at a time (one stream element per segment
    /// would cost more than writing it), and flushed after each project.
    func exportOffCaller(to directory: String, format: ExportFormat, projects: [String]?,
                         progress: (@Sendable (Int) -> Void)?) throws -> ExportReport {
        let progressBatch = 256
        var report = ExportReport()
        var unreported = 0
        /// Streams one project's live segments into `write`, counting them.
        func copy(_ p: String, _ write: (ContextSegment) throws -> Void) throws {
            defer {
                if unreported > 0 { progress?(unreported) }
                unreported = 0
            }
            try visitLiveSegments(project: p) { s in
                try write(s)
                report.segments += 1
                guard let progress else { return }
                unreported += 1
                if unreported == progressBatch {
                    progress(unreported)
                    unreported = 0
                }
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
        let chosen = try projects ?? projectIDs()
        let stashed = directory + "/stashed"
        try FileSystem.makeDirectories(format == .sharded || format == .monthly ? stashed : directory)
        switch format {
        case .sharded:
            let names = ExportFileNames.names(for: chosen, storeProjects: try projectIDs(), .sharded)
            for p in chosen {
                let file = try create(stashed, names[ByteKey(p)]! + ".json")
                let w = ShardedFileWriter(sink: file.sink)
                try copy(p, w.write)
                try w.finish()
                try commit(file)
            }
        case .monthly:
            let names = ExportFileNames.names(for: chosen, storeProjects: try projectIDs(), .monthly)
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
