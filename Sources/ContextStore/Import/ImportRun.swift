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
    /// Sendable: called on the pipeline's task, never on the caller's (`OffCaller`).
    let progress: (@Sendable (ImportProgress) -> Void)?

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

    init(transaction: ImportTransaction, totalBytes: Int, progress: (@Sendable (ImportProgress) -> Void)?) {
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
            let prepared: Result<ImportTransaction.PreparedChunk, StoreError>
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
