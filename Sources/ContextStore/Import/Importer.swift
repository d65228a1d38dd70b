/// Where an import stands, for progress bars: bytes of input read out of the total.
public struct ImportProgress: Sendable {
    /// Bytes read from the inputs so far (whole files before the current one, plus what the
    /// reader consumed of the current one).
    public var bytesRead: Int
    /// Sum of the inputs' sizes when the import started.
    public var totalBytes: Int
    /// Segments read so far.
    public var segments: Int
    /// The file being read.
    public var path: String
}

/// What an import did. Every segment it counts is in the store: the report exists only
/// after the commit.
public struct ImportReport: Sendable {
    /// One input file, in the order read.
    public struct File: Sendable {
        public var path: String
        /// The form detected from the content.
        public var format: SegmentFileFormat
        public var segments: Int
        public var bytes: Int
        /// A spill file of the old layer: read from an old-layer directory's `evicted/`.
        public var isSpill: Bool
        /// Lone surrogate escapes in the file's segments, stored as U+FFFD.
        public var replacedSurrogates: Int
    }

    public var files: [File] = []
    /// Entries of old-layer directories that were not read (see `importFiles`).
    public var ignored: [String] = []
    /// Segments imported (a segment superseded within the import counts each time it appears).
    public var segments = 0
    /// Spill files read (`evicted/*.json` of old-layer directories).
    public var spillFiles: Int { files.reduce(0) { $0 + ($1.isSpill ? 1 : 0) } }
    /// Segments read from spill files.
    public var spillSegments: Int { files.reduce(0) { $0 + ($1.isSpill ? $1.segments : 0) } }
    /// Lone surrogate escapes (`"\ud800"`, which Python writes and reads) stored as U+FFFD,
    /// over all files. Python keeps such a string; a Swift string cannot hold it.
    public var replacedSurrogates: Int { files.reduce(0) { $0 + $1.replacedSurrogates } }
    /// Bytes of input read.
    public var bytes = 0
    /// Wall-clock seconds, from resolving the paths to the end of the commit.
    public var seconds = 0.0

    /// Input throughput: bytes read / wall seconds, in MB (10^6 bytes) per second.
    public var megabytesPerSecond: Double { Double(bytes) / 1e6 / max(seconds, 1e-9) }
}

extension ContextStore {
    /// Imports segment files, all or nothing: every segment of every input becomes visible
    /// together at the end, or, if anything is wrong, none does.
    ///
    /// Inputs are files in any form of Docs/FORMAT.md section 2 (NDJSON, sharded, monthly, legacy
    /// `storage.json`, a single segment object as in a spill file; detected from the content)
    /// and directories of the old layer, read in the order described by `ImportSources`:
    /// arguments in the order given; a directory's `storage.json` first, then its
    /// `stashed/*.json`, then its spill files `evicted/*.json`, each in byte order of the
    /// names; a later segment with the same project and id supersedes an earlier one, as in
    /// the old layer. Other entries of such a directory are not read and are listed in
    /// `report.ignored`. The project of a segment is always its `project_id`, never a file name.
    /// A lone surrogate escape is stored as U+FFFD and counted (`report.replacedSurrogates`).
    /// Inputs are only read (`O_RDONLY`, no lock): never written, moved or locked.
    ///
    /// Streaming: each file is read by a `SegmentFileReader`, and its segments are appended
    /// to one `ImportTransaction` spanning all inputs in chunks of at most
    /// `ImportChunking.maxSegments` segments or `ImportChunking.maxTextBytes` bytes of text;
    /// the next chunk is parsed while the store stages the previous one (token counting), so
    /// memory is about two chunks plus the reader's buffer, whatever the input's size (the
    /// transaction decides what it keeps until commit).
    ///
    /// Limits (refused with an error naming the file, the segment and the position):
    /// - a string longer than `JSONLimits.maxStringBytes` (64 MiB of UTF-8): a 100 MB text
    ///   is refused with `.json(.valueTooLarge)` as soon as the 64 MiB mark is passed,
    ///   without buffering the rest;
    /// - a segment whose encoded record is over `SegmentLimits.maxRecordBytes` (64 MiB);
    /// - nesting deeper than `JSONLimits.maxDepth` (64) anywhere: `.json(.depthLimit)`;
    /// - a `project_id` over `SegmentLimits.maxProjectIDBytes` bytes of UTF-8. Any other
    ///   project id (empty, `../x`, `a/b`, control characters) is data: the store never
    ///   makes it a path, and export uses it as a file name only where it is a valid one
    ///   (`ExportFileNames`).
    ///
    /// - Throws: `ImportError` with the path, the element index (and byte offset, line and
    ///   column where the reader found the problem) and the reason; the transaction has
    ///   then been rolled back and nothing of this import is in the store.
    @discardableResult
    public func importFiles(_ paths: [String], progress: ((ImportProgress) -> Void)? = nil)
        async throws(ImportError) -> ImportReport
    {
        let clock = ContinuousClock(), start = clock.now
        let sources = try ImportSources(paths)
        let transaction: ImportTransaction
        do throws(StoreError) {
            transaction = try await beginImport()
        } catch {
            throw ImportError(path: nil, reason: .store(error))
        }
        var run = ImportRun(transaction: transaction, totalBytes: sources.totalBytes, progress: progress)
        var report = ImportReport()
        report.ignored = sources.ignored
        do throws(ImportError) {
            for input in sources.inputs {
                report.files.append(try await run.read(input))
            }
            try await run.finish()
        } catch {
            await run.abandon()
            await transaction.rollback()
            throw error
        }
        do throws(StoreError) {
            report.segments = try await transaction.commit()
        } catch {
            await transaction.rollback()  // idempotent; a failed commit publishes nothing
            throw ImportError(path: nil, reason: .store(error))
        }
        report.bytes = report.files.reduce(0) { $0 + $1.bytes }
        let elapsed = start.duration(to: clock.now).components
        report.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return report
    }
}

/// How much the importer hands the transaction at a time: enough to amortize each append
/// (one token-counting pass spread over the cores), little enough to keep memory flat.
enum ImportChunking {
    static let maxSegments = 5_000
    static let maxTextBytes = 4 << 20
}

/// One import in progress: a pipeline of three stages on different threads. This task
/// parses the next chunk; up to `maxInFlight` earlier chunks are being prepared (over the
/// cores) or staged by the writer, which takes them in order; the writer's indexer builds
/// the staged index behind it.
struct ImportRun {
    /// Chunks handed over and not yet settled: one staging while the next is prepared.
    static let maxInFlight = 2

    let transaction: ImportTransaction
    let totalBytes: Int
    let progress: ((ImportProgress) -> Void)?

    private var chunk: [ContextSegment] = []
    private var chunkOrigins: [Origin] = []
    private var chunkTextBytes = 0
    private var inFlight: [InFlight] = []
    private var paths: [String] = []
    private var bytesBeforeFile = 0
    private var segmentsRead = 0

    /// Where a staged segment came from, to name it if the store refuses it.
    struct Origin {
        var file: Int
        var element: Int
        var projectInLegacy: Bool
    }

    private struct InFlight {
        let task: Task<Outcome, Never>
        let segments: [ContextSegment]
        let origins: [Origin]
    }

    /// How a chunk ended. `skipped`: an earlier chunk failed, so it was never staged.
    private enum Outcome { case staged, failed(StoreError), skipped }

    init(transaction: ImportTransaction, totalBytes: Int, progress: ((ImportProgress) -> Void)?) {
        self.transaction = transaction
        self.totalBytes = totalBytes
        self.progress = progress
        chunk.reserveCapacity(ImportChunking.maxSegments)
        chunkOrigins.reserveCapacity(ImportChunking.maxSegments)
    }

    /// Reads one file to its end, appending its segments chunk by chunk.
    mutating func read(_ input: ImportSources.Input) async throws(ImportError) -> ImportReport.File {
        let path = input.path
        let fileIndex = paths.count
        paths.append(path)
        let reader: SegmentFileReader
        do throws(JSONImportError) { reader = try SegmentFileReader(path: path) } catch { throw ImportError(error) }
        var count = 0
        while let s = try Self.next(reader) {
            count += 1
            segmentsRead += 1
            chunkTextBytes += s.text.utf8.count
            chunk.append(s)
            chunkOrigins.append(Origin(file: fileIndex, element: reader.elementIndex,
                                       projectInLegacy: reader.format == .legacy))
            if chunk.count >= ImportChunking.maxSegments || chunkTextBytes >= ImportChunking.maxTextBytes {
                try await flush()
                report(path, reader.bytesConsumed)
            }
        }
        let bytes = reader.bytesConsumed
        bytesBeforeFile += bytes
        report(path, 0)
        return ImportReport.File(path: path, format: reader.format, segments: count, bytes: bytes,
                                 isSpill: input.isSpill, replacedSurrogates: reader.replacedSurrogates)
    }

    private static func next(_ reader: SegmentFileReader) throws(ImportError) -> ContextSegment? {
        do throws(JSONImportError) { return try reader.next() } catch { throw ImportError(error) }
    }

    /// Hands the last chunk over and waits for every append.
    mutating func finish() async throws(ImportError) {
        try await flush()
        try await settle()
    }

    /// After a failure: waits for the chunks in flight (their results no longer matter).
    mutating func abandon() async {
        for f in inFlight { _ = await f.task.value }
        inFlight = []
    }

    /// Hands the current chunk over: it is prepared at once, and staged after the chunk
    /// before it (if that one was staged). Waits for the oldest chunk first when
    /// `maxInFlight` are out.
    private mutating func flush() async throws(ImportError) {
        if inFlight.count >= Self.maxInFlight { try await settleOldest() }
        guard !chunk.isEmpty else { return }
        let segments = chunk, transaction = transaction, previous = inFlight.last?.task
        let task = Task<Outcome, Never> {
            let prepared: Result<[WriteOperation], StoreError>
            do throws(StoreError) { prepared = .success(try transaction.prepare(segments)) } catch { prepared = .failure(error) }
            if let previous {
                guard case .staged = await previous.value else { return .skipped }
            }
            switch prepared {
            case let .failure(error): return .failed(error)
            case let .success(ops):
                do throws(StoreError) { try await transaction.stage(ops) } catch { return .failed(error) }
                return .staged
            }
        }
        inFlight.append(InFlight(task: task, segments: segments, origins: chunkOrigins))
        chunk.removeAll(keepingCapacity: true)
        chunkOrigins.removeAll(keepingCapacity: true)
        chunkTextBytes = 0
    }

    /// Waits for every chunk in flight, in order.
    private mutating func settle() async throws(ImportError) {
        while !inFlight.isEmpty { try await settleOldest() }
    }

    /// Waits for the oldest chunk in flight; its failure becomes an error naming the
    /// segment. (Chunks are settled in order, so the first failure found is the first.)
    private mutating func settleOldest() async throws(ImportError) {
        let f = inFlight.removeFirst()
        let error: StoreError
        switch await f.task.value {
        case .staged: return
        case .skipped: throw ImportError(path: nil, reason: .store(.transactionFinished))  // unreachable: its predecessor's failure is thrown first
        case let .failed(e): error = e
        }
        guard case let .invalidSegment(id, why) = error else {
            throw ImportError(path: f.origins.first.map { paths[$0.file] }, reason: .store(error))
        }
        // The first segment with that id which fails validation on its own is the one the
        // store means; if none does (a limit checked after encoding), the first with that id.
        let ids = f.segments.indices.filter { f.segments[$0].segmentID.utf8.elementsEqual(id.utf8) }
        let i = ids.first { i in
            do throws(SegmentValidationError) { try f.segments[i].validate(); return false } catch { return true }
        } ?? ids.first
        guard let i else { throw ImportError(path: nil, reason: .store(error)) }
        let o = f.origins[i]
        throw ImportError(path: paths[o.file], elementIndex: o.element,
                          projectID: o.projectInLegacy ? f.segments[i].projectID : nil,
                          reason: .invalidSegment(segmentID: id, why))
    }

    private func report(_ path: String, _ bytesInFile: Int) {
        guard let progress else { return }
        progress(ImportProgress(bytesRead: bytesBeforeFile + bytesInFile, totalBytes: totalBytes,
                                segments: segmentsRead, path: path))
    }
}
