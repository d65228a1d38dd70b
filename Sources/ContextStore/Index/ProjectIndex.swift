/// The index of one project: sealed index files (oldest first) and the memtable. It lives
/// in an `IndexPair`: the writer thread changes a copy no reader is in (no I/O inside);
/// searches and gets read the other copy without a lock.
///
/// A doc is named by its *source* and its number there: source `i < files.count` is
/// `files[i]`, source `files.count` is the memtable.
final class ProjectIndex: @unchecked Sendable {
    // Sendable: `IndexPair` keeps readers and the writer on different copies.
    let number: UInt64
    let projectID: String
    private(set) var files: [IndexFileState]
    private(set) var memtable: MemTable
    private(set) var totals: ProjectTotals
    /// Docs in all sources (dead included) and their words: BM25's N and average length.
    private(set) var allDocs: Int
    private(set) var allWords: UInt64

    init(number: UInt64, projectID: String, files: [IndexFileState], memtableStart: LogPosition, totals: ProjectTotals) {
        self.number = number
        self.projectID = projectID
        self.files = files
        self.memtable = MemTable(start: memtableStart)
        self.totals = totals
        allDocs = files.reduce(0) { $0 + $1.reader.docCount }
        allWords = files.reduce(0) { $0 + $1.reader.totalWords }
    }

    // MARK: Writer side (through `IndexPair.write`)

    /// Applies a put at `location`: the previous live version of the id dies.
    func applyPut(_ s: ContextSegment, analyzed: AnalyzedText, location: RecordLocation) {
        killLive(ByteKey(s.segmentID), hash: TermHash.hash(s.segmentID))
        let doc = memtable.add(s, analyzed: analyzed, location: location)
        totals.add(memtable.docs[Int(doc)], 1)
        allDocs += 1
        allWords += UInt64(analyzed.wordCount)
    }

    func applyDelete(_ id: String) {
        killLive(ByteKey(id), hash: TermHash.hash(id))
    }

    private func killLive(_ key: ByteKey, hash: UInt64) {
        if let d = memtable.liveDoc(key) {
            totals.add(memtable.docs[Int(d)], -1)
            memtable.kill(d)
            return
        }
        for i in files.indices.reversed() {
            let docs = key.bytes.withUnsafeBytes { files[i].reader.docs(withID: $0, hash: hash) }
            for d in docs.reversed() where !files[i].dead[d] {
                files[i].dead.set(d)
                files[i].deadCount += 1
                totals.add(files[i].reader.doc(d), -1)
                memtable.recordKill(file: files[i].reader.number, doc: UInt32(d))
                return
            }
        }
    }

    /// Installs what `StoreState.apply` made durable (the one install path for seals,
    /// compactions and imports): `change.replacing` gives way to `change.added`; the killed
    /// docs die (idempotent: a seal's are dead already); persisted bitmaps and deletion
    /// versions take their new values; a seal starts a new memtable; a compaction moves the
    /// memtable's pending kills to the file it wrote.
    func install(_ change: IndexChange) {
        var next = Array(files[..<change.replacing.lowerBound])
        next += change.added
        next += files[change.replacing.upperBound...]
        files = next
        for i in files.indices {
            let number = files[i].reader.number
            for d in change.kills[number] ?? [] where !files[i].dead[Int(d)] {
                files[i].dead.set(Int(d))
                files[i].deadCount += 1
            }
            if let p = change.persisted[number] {
                files[i].persisted = p.bitmap
                files[i].deletionRevision = p.revision
            }
        }
        if let start = change.memtableStart { memtable = MemTable(start: start) }
        if let output = change.added.first?.reader.number, !change.remap.isEmpty {
            memtable.remapKills { file, doc in
                guard let m = change.remap[file], Int(doc) < m.count, m[Int(doc)] != .max else { return nil }
                return (output, m[Int(doc)])
            }
        }
        if let t = change.totals { totals = t }
        allDocs = files.reduce(0) { $0 + $1.reader.docCount } + memtable.docCount
        allWords = files.reduce(0) { $0 + $1.reader.totalWords } + memtable.totalWords
    }

    // MARK: Reader side (through `IndexPair.read`)

    /// The live doc of an id: (source, doc, location).
    func locate(_ id: String) -> (source: Int, doc: UInt32, location: RecordLocation)? {
        let key = ByteKey(id)
        if let d = memtable.liveDoc(key) { return (files.count, d, memtable.docs[Int(d)].location) }
        let hash = TermHash.hash(id)
        for i in files.indices.reversed() {
            let docs = key.bytes.withUnsafeBytes { files[i].reader.docs(withID: $0, hash: hash) }
            if let d = docs.last(where: { !files[i].dead[$0] }) {
                return (i, UInt32(d), files[i].reader.doc(d).location)
            }
        }
        return nil
    }

    func docInfo(source: Int, doc: UInt32) -> DocInfo {
        source == files.count ? memtable.docs[Int(doc)] : files[source].reader.doc(Int(doc))
    }

    /// The first damage a read found in this project's index files (`IndexFileReader.damage`):
    /// a read that touched them answers with it instead of with what it computed.
    var damage: IndexError? {
        for f in files { if let d = f.reader.damage { return d } }
        return nil
    }

    func segmentID(source: Int, doc: UInt32) -> String {
        source == files.count ? memtable.ids[Int(doc)] : files[source].reader.segmentID(Int(doc))
    }
}
