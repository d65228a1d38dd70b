/// The writer's side of compaction: choosing what to rewrite (a plan, with copies of the
/// state the job needs) and installing what a job wrote. Both run on the writer thread, as
/// `.control` requests, so they see and change the manifest and the indexes in order with
/// the appends; the job itself runs elsewhere.
extension LogWriter {
    /// What the policy sees of each index file of a project.
    func compactionCandidates(_ p: Int) -> [CompactionPolicy.Entry] {
        let project = manifest.projects[p]
        let pi = indexes[p]!.writerView
        return zip(project.indexes, pi.segments).map { entry, sealed in
            let files = project.ownedFiles(entry)
            return CompactionPolicy.Entry(bytes: files.reduce(0) { $0 + $1.size },
                                          docs: Int(entry.docCount), deadDocs: sealed.deadCount,
                                          records: Int(files.reduce(0) { $0 + $1.recordCount }))
        }
    }

    /// A plan for project slot `p` (`full`: every index file; else what the policy picks),
    /// or nil if there is nothing worth doing. Reserves output file and index numbers.
    func planCompaction(_ p: Int, full: Bool) -> CompactionPlan? {
        let candidates = compactionCandidates(p)
        let range: Range<Int>
        if full {
            guard !candidates.isEmpty else { return nil }
            let needsWork = candidates.count > 1 || candidates.contains { $0.deadDocs > 0 || $0.records > $0.docs }
            guard needsWork else { return nil }
            range = 0..<candidates.count
        } else {
            guard let r = CompactionPolicy(configuration: configuration).pick(candidates) else { return nil }
            range = r
        }
        let project = manifest.projects[p]
        let pi = indexes[p]!.writerView
        var inputs: [CompactionPlan.Input] = []
        for k in range {
            let entry = project.indexes[k]
            let sealed = pi.segments[k]
            precondition(sealed.segment.number == entry.number, "index entries and segments out of step")
            inputs.append(.init(entry: entry, segment: sealed.segment, dead: sealed.dead,
                                files: project.ownedFiles(entry)))
        }
        let inputFiles = inputs.reduce(0) { $0 + $1.files.count }
        let inputBytes = inputs.reduce(Int64(0)) { $0 + $1.files.reduce(0) { $0 + $1.size } }
        // Output is at most the input re-batched; a generous reservation (unused numbers
        // are simply skipped) keeps the job from ever needing the writer mid-way.
        let reserve = inputFiles + Int(inputBytes / Int64(max(configuration.logFileSize, 1))) + 2
        let first = manifest.projects[p].nextFileNumber
        manifest.projects[p].nextFileNumber = first + UInt32(reserve)
        let index = manifest.projects[p].nextIndexNumber
        manifest.projects[p].nextIndexNumber = index + 1
        return CompactionPlan(projectNumber: project.number, projectID: project.projectID,
                              storeUUID: manifest.storeUUID, firstEntry: range.lowerBound, inputs: inputs,
                              dropTombstones: range.lowerBound == 0,
                              outputFiles: (0..<UInt32(reserve)).map { first + $0 }, outputIndex: index,
                              logFileSize: configuration.logFileSize, batchTargetBytes: configuration.batchTargetBytes)
    }

    /// Swaps a job's output in for its inputs: deaths since the plan move to the output (a
    /// deletion file if any were already persisted), one MANIFEST publish replaces the
    /// entries and files, both index copies switch, and the inputs' files are retired
    /// (deleted once no reader uses them). A crash before the publish leaves the output as
    /// orphans (removed at open); after it, the inputs.
    func installCompaction(_ out: CompactionOutput) throws(StoreError) {
        let plan = out.plan
        guard let p = projectIndex[ByteKey(plan.projectID)] else { return }
        let k0 = plan.firstEntry
        let n = plan.inputs.count
        var project = manifest.projects[p]
        guard k0 + n <= project.indexes.count,
              project.indexes[k0..<(k0 + n)].map(\.number) == plan.inputs.map(\.entry.number) else {
            throw .corruption(file: layout.manifest, offset: 0, reason: "compaction inputs changed under it (project \(plan.projectNumber))")
        }
        let pi = indexes[p]!.writerView
        var replacement: SealedSegment? = nil
        var newEntry: Manifest.IndexEntry? = nil
        if let seg = out.index {
            var dead = Bitmap(count: seg.docCount)
            var persisted = Bitmap(count: seg.docCount)
            for i in 0..<n {
                let current = pi.segments[k0 + i]
                let map = out.remap[i]
                current.dead.forEachSet { d in if map[d] != .max { dead.set(Int(map[d])) } }
                current.persisted.forEachSet { d in if map[d] != .max { persisted.set(Int(map[d])) } }
            }
            var generation: UInt32 = 0
            if persisted.setCount > 0 {
                generation = 1
                do throws(IOError) {
                    try writeDeletions(persisted, docCount: seg.docCount, project: plan.projectNumber, index: seg.number, generation: 1)
                    try FileSystem.syncDirectory(layout.indexDirectory(plan.projectNumber))
                } catch { throw StoreError(error) }
            }
            replacement = SealedSegment(segment: seg, dead: dead, persisted: persisted,
                                        deleteGeneration: generation, deadCount: dead.setCount)
            newEntry = Manifest.IndexEntry(number: seg.number, docCount: UInt32(seg.docCount),
                                           deleteGeneration: generation, logFiles: out.files.map(\.number))
        }
        let oldEntries = Array(project.indexes[k0..<(k0 + n)])
        let oldFiles = Set(oldEntries.flatMap(\.logFiles))
        guard let at = project.files.firstIndex(where: { oldFiles.contains($0.number) }) else {
            throw .corruption(file: layout.manifest, offset: 0, reason: "compaction inputs own no log files")
        }
        project.files.removeAll { oldFiles.contains($0.number) }
        project.files.insert(contentsOf: out.files, at: at)
        project.indexes.replaceSubrange(k0..<(k0 + n), with: newEntry.map { [$0] } ?? [])
        manifest.projects[p] = project
        try publishManifest()

        var remap: [UInt32: [UInt32]] = [:]
        for (i, input) in plan.inputs.enumerated() { remap[input.entry.number] = out.remap[i] }
        indexes[p]!.write { $0.installCompaction(range: k0..<(k0 + n), replacement: replacement, remap: remap) }
        republish(p)
        stats.compactions += 1

        // Both copies are switched and drained: no search or get can reach the inputs now.
        for e in oldEntries {
            try? FileSystem.unlink(layout.indexFile(project: plan.projectNumber, index: e.number))
            if e.deleteGeneration > 0 {
                try? FileSystem.unlink(layout.deletionFile(project: plan.projectNumber, index: e.number, generation: e.deleteGeneration))
            }
        }
        lifetimes.retire(oldEntries.flatMap(\.logFiles).map { FileLifetimes.Key(project: plan.projectNumber, file: $0) })
    }

    /// Project slots, in creation order.
    var projectSlots: [Int] { Array(manifest.projects.indices) }
}
