/// The seal step: a project's memtable becomes an index file. It produces a `StoreEdit`
/// that `apply` publishes.
extension StoreState {
    /// Whether a memtable has reached the seal thresholds.
    func needsSeal(_ m: MemTable) -> Bool {
        sealDue(docs: m.docCount, textBytes: m.textBytes)
    }

    /// The seal thresholds, for a memtable or for what an import staged since its last seal.
    func sealDue(docs: Int, textBytes: Int) -> Bool {
        textBytes >= configuration.indexSealBytes || docs >= configuration.indexSealDocs
    }

    /// Seals slot `p`'s memtable and applies the edit: afterwards the index files cover
    /// the log up to the (new, empty) active file.
    func seal(_ p: Int) throws(StoreError) {
        try apply([sealEdit(p)])
        stats.seals += 1
    }

    /// Seals every memtable with content (`minimumDocs`: only those holding at least that
    /// many docs): before a full compaction (so that it covers everything written so far),
    /// and at a clean close, where small memtables stay in the log (replaying a few records
    /// at the next open costs less than an index file and a new log file for each of
    /// thousands of small projects).
    ///
    /// The seals are published together, `sealsPerPublish` at a time: one MANIFEST publish
    /// for many projects, not one each (the MANIFEST grows with the number of projects).
    func sealAll(minimumDocs: Int = 1) throws(StoreError) {
        let due = indexes.sorted(by: { $0.key < $1.key }).filter { _, pair in
            let m = pair.writerView.memtable
            return !m.isEmpty && (m.docCount >= minimumDocs || m.textBytes >= configuration.indexSealBytes / 32)
        }.map(\.key)
        try seal(together: due)
    }

    /// Seals the largest memtables while the loaded projects' memtables together hold more
    /// than `configuration.memtableBudgetBytes` of text, down to 3/4 of it (as RocksDB's
    /// write buffer manager flushes the largest): each project's memtable is bounded by
    /// `indexSealBytes`, but a store of many projects written in turn would otherwise hold
    /// that much for every one of them. Run after each group.
    ///
    /// Cost: one pass over the loaded projects; sealing is the usual seal cost.
    func sealOverBudget() throws(StoreError) {
        let budget = configuration.memtableBudgetBytes
        var total = 0
        var sizes: [(slot: Int, bytes: Int)] = []
        for (p, pair) in indexes {
            let bytes = pair.writerView.memtable.textBytes
            total += bytes
            if bytes > 0 { sizes.append((p, bytes)) }
        }
        guard total > budget else { return }
        var due: [Int] = []
        for (p, bytes) in sizes.sorted(by: { $0.bytes > $1.bytes }) where total > budget - budget / 4 {
            due.append(p)
            total -= bytes
        }
        try seal(together: due.sorted())
        stats.budgetSeals += due.count
    }

    /// Seals the memtables of `due`, `sealsPerPublish` to a MANIFEST publish.
    private func seal(together due: [Int]) throws(StoreError) {
        for chunk in stride(from: 0, to: due.count, by: Self.sealsPerPublish) {
            var edits: [StoreEdit] = []
            do throws(StoreError) {
                for p in due[chunk..<min(chunk + Self.sealsPerPublish, due.count)] { edits.append(try sealEdit(p)) }
            } catch {
                installFailed = true  // rolls of the edits before it are in `manifest` only
                throw error
            }
            try apply(edits)
            stats.seals += edits.count
        }
    }

    /// Seals published by one MANIFEST in `sealAll` (each holds its new index file mapped
    /// until the publish).
    static let sealsPerPublish = 256

    /// `sealAll` at a clean close seals memtables of at least this many docs (or of a 32nd
    /// of `indexSealBytes` of text); smaller ones are replayed by the next open.
    static let closeSealMinimumDocs = 1024

    /// Rolls the active log file (so that an index file always covers whole log files,
    /// which compaction rewrites together) and writes the memtable as an index file (synced)
    /// owning the files rolled since the last seal; the edit also carries the kills its
    /// records made in older index files and the new `indexedThrough`. A memtable holding
    /// only kills still gets an (empty) index file when files need an owner.
    func sealEdit(_ p: Int) throws(StoreError) -> StoreEdit {
        let pi = indexes[p]!.writerView
        let m = pi.memtable
        let project = manifest.projects[p].number
        if active[p]!.state.size > Int64(LogFormat.fileHeaderSize) { try roll(p) }
        let owned = manifest.projects[p].unownedSealedFiles
        var edit = StoreEdit(slot: p, replacing: pi.files.count..<pi.files.count, totals: pi.totals)
        edit.indexedThrough = LogPosition(file: active[p]!.state.number, offset: Int64(LogFormat.fileHeaderSize))
        for k in m.kills { edit.kills[k.file, default: []].append(k.doc) }
        let dir = layout.indexDirectory(project)
        do throws(IOError) {
            try FileSystem.makeDirectory(dir)
            guard m.docCount > 0 || !owned.isEmpty else { return edit }
            let number = manifest.projects[p].nextIndexNumber
            manifest.projects[p].nextIndexNumber += 1
            let path = layout.indexFile(project: project, index: number)
            let h = try FileHandle.createExclusive(path)
            try h.write(IndexFileEncoder.encode(m, number: number, project: project,
                                                  formatVersion: configuration.indexFormatVersion), at: 0)
            try h.sync()
            let reader: IndexFileReader
            do throws(IndexError) {
                reader = try IndexFileReader(path: path, number: number, project: project)
            } catch {
                // Just written and synced: failing to read it back is an I/O problem.
                throw IOError(op: "open index \(StoreError(error))", path: path, errno: EIO)
            }
            edit.added = [AddedIndexFile(reader: reader, dead: m.dead, persisted: m.dead, logFiles: owned)]
        } catch { throw StoreError(error) }
        return edit
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
