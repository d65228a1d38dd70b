

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
    ///   then been rolled back and nothing of this import is in the store. A closed store
    ///   gives `.store(.closed)`.
    ///
    /// The import runs off the caller (a task of its own and the writer's threads, never
    /// the caller's actor); `progress` is called on the caller's isolation (`isolation`, by
    /// default the caller's actor), in order, after each chunk and at the end of each file,
    /// so it may mutate the actor's state. Every call has been made when `importFiles`
    /// returns (unless the calling task is cancelled: then the calls still pending are
    /// dropped; the import itself runs to its end).
    ///
    /// Cost: reads each input once; token counting (where counts are not trusted), encoding
    /// and analysis spread over the cores; the staged data is written once to new log and
    /// index files and published by one manifest write.
    @discardableResult
    public func importFiles(_ paths: [String], isolation: isolated (any Actor)? = #isolation,
                            progress: ((ImportProgress) -> Void)? = nil) async throws(ImportError) -> ImportReport {
        do throws(StoreError) { try checkOpen() } catch { throw ImportError(path: nil, reason: .store(error)) }
        let result = await OffCaller.run(progress: progress) { [self] report -> Result<ImportReport, ImportError> in
            do throws(ImportError) {
                return .success(try await importOffCaller(paths, progress: report))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// `importFiles`'s work, on the task it is called on.
    func importOffCaller(_ paths: [String], progress: (@Sendable (ImportProgress) -> Void)?)
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

