

/// Rewrites a plan's log files keeping only live puts (and tombstones unless the run is
/// the oldest), in log order with their sequence numbers, and indexes them into one new
/// index file. Runs on a compaction thread; touches no state the writer or readers use.
///
/// Every put record of an input's log files is one of its docs, in doc order (the memtable
/// it was sealed from added every put as the next doc), so the n-th put is doc n: the job
/// checks each put's location against the doc table and reports a mismatch as corruption.
struct CompactionJob {
    let plan: CompactionPlan
    let layout: StoreLayout
    /// Called after each input batch with its bytes; may sleep (throttling) or throw to stop.
    let pace: (Int) throws(StoreError) -> Void

    func run() throws(StoreError) -> CompactionOutput {
        // Every input section's CRC first (once per mapping): the output replaces the
        // inputs with files whose checksums are good, so nothing damaged may flow into it.
        for input in plan.inputs { if let damage = input.reader.checkAllSections() { throw StoreError(damage) } }
        var out = CompactionOutput(plan: plan, files: [], index: nil, remap: [])
        let memtable = MemTable(start: LogPosition(file: plan.outputFiles.first ?? 0, offset: Int64(LogFormat.fileHeaderSize)))
        // Output files take the reserved numbers: the job never needs the writer mid-way.
        var reserved = plan.outputFiles[...]
        let (layout, plan) = (self.layout, self.plan)
        var writer = SealedLogWriter(directory: layout.logFiles(plan.projectNumber), projectNumber: plan.projectNumber,
                                     storeUUID: plan.storeUUID, logFileSize: plan.logFileSize,
                                     compression: plan.logCompression) { () throws(LogError) -> UInt32 in
            guard let n = reserved.popFirst() else {
                throw .corruption(file: layout.logDirectory(plan.projectNumber), offset: 0,
                                  reason: "compaction output needs more than the \(plan.outputFiles.count) files reserved")
            }
            return n
        }
        var pendingDocs: [(ContextSegment, index: Int, remapAt: (input: Int, doc: Int))] = []

        func flushBatch() throws(StoreError) {
            let placed: (file: UInt32, offset: Int64)?
            do throws(LogError) { placed = try writer.closeBatch() } catch { throw StoreError(error) }
            guard let placed else { return }
            for p in pendingDocs {
                let loc = RecordLocation(fileNumber: placed.file, batchOffset: placed.offset, index: p.index)
                let doc = memtable.add(p.0, analyzed: AnalyzedText(p.0.text), location: loc)
                out.remap[p.remapAt.input][p.remapAt.doc] = doc
            }
            pendingDocs.removeAll(keepingCapacity: true)
        }

        for (i, input) in plan.inputs.enumerated() {
            out.remap.append([UInt32](repeating: .max, count: input.reader.docCount))
            var nextDoc = 0
            for f in input.files {
                let path = layout.logFile(project: plan.projectNumber, file: f.number)
                let reader: LogFileReader
                do throws(IOError) { reader = try LogFileReader(path: path, size: f.size) } catch { throw StoreError(error) }
                var paced = LogFormat.fileHeaderSize
                try reader.forEachBatch(projectID: plan.projectID) { offset, records throws(StoreError) in
                    try pace(offset - paced)
                    paced = offset
                    for (k, r) in records.enumerated() {
                        out.recordsIn += 1
                        switch r.record {
                        case let .put(s):
                            let d = nextDoc
                            nextDoc += 1
                            let expected = RecordLocation(fileNumber: f.number, batchOffset: Int64(offset), index: k)
                            guard d < input.reader.docCount, input.reader.doc(d).location == expected else {
                                throw .corruption(file: input.reader.path, offset: 0, reason:
                                    "doc \(d) does not match put record \(expected) of its log (compaction input)")
                            }
                            if input.dead[d] { continue }
                            pendingDocs.append((s, writer.recordsInBatch, (i, d)))
                        case .delete:
                            if plan.dropTombstones { continue }
                        }
                        writer.append(seq: r.seq, record: EncodedRecord(r.record))
                        out.recordsOut += 1
                        if writer.batchBytes >= plan.batchTargetBytes { try flushBatch() }
                    }
                }
                try pace(Int(f.size) - paced)
            }
            guard nextDoc == input.reader.docCount else {
                throw .corruption(file: input.reader.path, offset: 0, reason:
                    "holds \(input.reader.docCount) docs but its log files hold \(nextDoc) puts (compaction input)")
            }
        }
        try flushBatch()
        do throws(LogError) { out.files = try writer.finish().map(Manifest.LogFileEntry.init) } catch { throw StoreError(error) }
        out.bytesOut = out.files.reduce(0) { $0 + $1.size }
        if !out.files.isEmpty {
            let path = layout.indexFile(project: plan.projectNumber, index: plan.outputIndex)
            do throws(IOError) {
                try FileSystem.makeDirectory(layout.indexDirectory(plan.projectNumber))
                let h = try FileHandle.createTruncating(path)
                try h.write(IndexFileEncoder.encode(memtable, number: plan.outputIndex, project: plan.projectNumber), at: 0)
                try h.sync()
                try FileSystem.syncDirectory(layout.indexDirectory(plan.projectNumber))
            } catch { throw StoreError(error) }
            do throws(IndexError) {
                out.index = try IndexFileReader(path: path, number: plan.outputIndex, project: plan.projectNumber)
            } catch { throw StoreError(error) }
        }
        return out
    }
}
