/// The writer-thread half of compaction: choosing what to rewrite (a plan, with copies of
/// the state the job needs) and turning what a job wrote into a `StoreEdit`. Both run on
/// the writer thread (through `WriteQueue.performBlocking`), so they see the MANIFEST and
/// the indexes in order with the appends; the job itself runs on the compaction thread.
enum CompactionEdits {
    /// Bytes of the log files slot `p`'s index files own (what a full compaction reads),
    /// from the MANIFEST alone.
    static func indexedBytes(_ state: StoreState, _ p: Int) -> Int64 {
        let project = state.manifest.projects[p]
        return project.indexes.reduce(Int64(0)) { sum, entry in sum + project.ownedFiles(entry).reduce(0) { $0 + $1.size } }
    }

    /// What the policy sees of each index file of project slot `p`.
    static func candidates(_ state: StoreState, _ p: Int) throws(StoreError) -> [CompactionPolicy.Entry] {
        let project = state.manifest.projects[p]
        let pi = try state.ensureLoaded(p).writerView
        return zip(project.indexes, pi.files).map { entry, file in
            let files = project.ownedFiles(entry)
            return CompactionPolicy.Entry(bytes: files.reduce(0) { $0 + $1.size },
                                          docs: Int(entry.docCount), deadDocs: file.deadCount,
                                          records: Int(files.reduce(0) { $0 + $1.recordCount }),
                                          staleAnalyzer: file.reader.analyzerVersion < SubwordSplitter.version)
        }
    }

    /// A plan for project slot `p` (`full`: every index file; else what the policy picks),
    /// or nil if there is nothing worth doing. Reserves output file and index numbers.
    static func plan(_ state: StoreState, _ p: Int, full: Bool) throws(StoreError) -> CompactionPlan? {
        // A project with a damaged index file waits for the rebuild at the next open: its
        // dead bitmaps may miss kills the damaged id table hid, and a compaction would
        // write them into files with good checksums.
        guard try state.ensureLoaded(p).writerView.damage == nil else { return nil }
        let configuration = state.configuration
        let all = try candidates(state, p)
        let range: Range<Int>
        if full {
            guard !all.isEmpty else { return nil }
            let needsWork = all.count > 1 || all.contains { $0.deadDocs > 0 || $0.records > $0.docs || $0.staleAnalyzer }
            guard needsWork else { return nil }
            range = 0..<all.count
        } else {
            guard let r = CompactionPolicy(configuration: configuration).pick(all) else { return nil }
            range = r
        }
        let project = state.manifest.projects[p]
        let pi = state.indexes[p]!.writerView
        var inputs: [CompactionPlan.Input] = []
        for k in range {
            let entry = project.indexes[k]
            let file = pi.files[k]
            precondition(file.reader.number == entry.number, "index entries and files out of step")
            // The job drops only persisted deaths (those of records before `indexedThrough`).
            // A doc killed by a record still in the memtable stays in the output, dead in
            // memory only: after a crash, the replay of that record must find it to take it
            // off the totals, which the MANIFEST keeps as of `indexedThrough` (issue 17,
            // defect 7: dropping it left the totals one segment high after a reopen).
            inputs.append(.init(entry: entry, reader: file.reader, dead: file.persisted, files: project.ownedFiles(entry)))
        }
        let inputFiles = inputs.reduce(0) { $0 + $1.files.count }
        let inputBytes = inputs.reduce(Int64(0)) { $0 + $1.files.reduce(0) { $0 + $1.size } }
        // Output is at most the input re-batched; a generous reservation (unused numbers
        // are simply skipped) keeps the job from ever needing the writer mid-way.
        let reserve = inputFiles + Int(inputBytes / Int64(max(configuration.logFileSize, 1))) + 2
        let first = project.nextFileNumber
        state.manifest.projects[p].nextFileNumber = first + UInt32(reserve)
        let index = project.nextIndexNumber
        state.manifest.projects[p].nextIndexNumber = index + 1
        return CompactionPlan(projectNumber: project.number, projectID: project.projectID,
                              storeUUID: state.manifest.storeUUID, firstInput: range.lowerBound, inputs: inputs,
                              dropTombstones: range.lowerBound == 0,
                              outputFiles: (0..<UInt32(reserve)).map { first + $0 }, outputIndex: index,
                              logFileSize: configuration.logFileSize, batchTargetBytes: configuration.batchTargetBytes,
                              logCompression: configuration.logCompression)
    }

    /// The edit that swaps a job's output in for its inputs: deaths since the plan move to
    /// the output (persisted ones into its first deletion file), the output's log files
    /// take the inputs' place, and the inputs are retired. Nil if the project is gone.
    /// - Throws: `.corruption` if the inputs are no longer where the plan found them.
    static func edit(for out: CompactionOutput, _ state: StoreState) throws(StoreError) -> StoreEdit? {
        let plan = out.plan
        guard let p = state.slot(of: plan.projectID) else { return nil }
        let k0 = plan.firstInput
        let n = plan.inputs.count
        let project = state.manifest.projects[p]
        guard k0 + n <= project.indexes.count,
              project.indexes[k0..<(k0 + n)].map(\.number) == plan.inputs.map(\.entry.number) else {
            throw .corruption(file: state.layout.manifest, offset: 0,
                              reason: "compaction inputs changed under it (project \(plan.projectNumber))")
        }
        let pi = try state.ensureLoaded(p).writerView
        var edit = StoreEdit(slot: p, replacing: k0..<(k0 + n))
        if let reader = out.index {
            var dead = Bitmap(count: reader.docCount)
            var persisted = Bitmap(count: reader.docCount)
            for i in 0..<n {
                let current = pi.files[k0 + i]
                let map = out.remap[i]
                current.dead.forEachSet { d in if map[d] != .max { dead.set(Int(map[d])) } }
                current.persisted.forEachSet { d in if map[d] != .max { persisted.set(Int(map[d])) } }
            }
            edit.added = [AddedIndexFile(reader: reader, dead: dead, persisted: persisted, logFiles: out.files.map(\.number))]
            for (i, input) in plan.inputs.enumerated() { edit.remap[input.entry.number] = out.remap[i] }
        }
        edit.removedLogFiles = Set(project.indexes[k0..<(k0 + n)].flatMap(\.logFiles))
        guard project.files.contains(where: { edit.removedLogFiles.contains($0.number) }) else {
            throw .corruption(file: state.layout.manifest, offset: 0, reason: "compaction inputs own no log files")
        }
        edit.insertedLogFiles = out.files
        return edit
    }
}
