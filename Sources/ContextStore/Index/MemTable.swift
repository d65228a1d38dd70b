/// The index of a project's records that are not yet in an index file: the log range
/// from `start` to the end of the log. Appended to by the writer thread (under the
/// project's write lock), read by searches (under its read lock). Sealing writes it out as
/// an index file with the same doc numbers.
final class MemTable {
    /// Where its log range begins.
    let start: LogPosition

    private(set) var docs: [DocInfo] = []
    private(set) var ids: [String] = []
    private(set) var dead = Bitmap(count: 0)
    private(set) var deadCount = 0
    /// The doc of each id's latest put in this memtable (live or not).
    private(set) var latest: [ByteKey: UInt32] = [:]
    // Tables and pools start small and double: a store of many projects holds one memtable
    // per project in use (two, in its `IndexPair`), most of them with a handful of docs.
    private(set) var terms = TermTable(capacity: 16)
    /// Term `t`'s postings are list `t`, with frequencies.
    let postings = PostingsPool(hasFreqs: true)
    /// Sub-word parts of the texts' identifiers (`any` mode): part `p` has list `p` of
    /// `partPostings`, with frequencies.
    private(set) var parts = TermTable(capacity: 16)
    let partPostings = PostingsPool(hasFreqs: true)
    /// Words and parts of each doc's `file_path` and tags (`any` mode's field weight):
    /// field word `f` has list `f` of `fieldPostings`, without frequencies.
    private(set) var fields = TermTable(capacity: 8)
    let fieldPostings = PostingsPool(hasFreqs: false)
    private(set) var meta: [TermTable] = MetaField.allCases.map { _ in TermTable(capacity: 4) }
    /// Value `v` of field `f` has list `v` of `metaPostings[f]`.
    let metaPostings: [PostingsPool] = MetaField.allCases.map { _ in PostingsPool(hasFreqs: false) }
    private(set) var totalWords: UInt64 = 0
    /// Raw text bytes indexed (the seal threshold).
    private(set) var textBytes = 0
    /// Docs of sealed index files (by file number) that records in this range killed:
    /// persisted by the seal of this memtable.
    private(set) var kills: [(file: UInt32, doc: UInt32)] = []

    /// Holds neither docs nor kills: sealing it would change nothing the index knows.
    var isEmpty: Bool { docCount == 0 && kills.isEmpty }

    init(start: LogPosition) {
        self.start = start
    }

    var docCount: Int { docs.count }
    var liveCount: Int { docs.count - deadCount }

    func isDead(_ doc: Int) -> Bool { dead[doc] }

    /// Adds a put; returns its doc number.
    func add(_ segment: ContextSegment, analyzed: AnalyzedText, location: RecordLocation) -> UInt32 {
        let doc = UInt32(docs.count)
        docs.append(DocInfo(
            fileNumber: location.fileNumber, batchOffset: UInt32(location.batchOffset), index: UInt16(location.index),
            type: segment.type.code, tier: segment.tier.code, createdAt: segment.createdAt.instantMicroseconds,
            words: analyzed.wordCount, tokens: UInt32(clamping: segment.tokens ?? 0),
            idHash: TermHash.hash(segment.segmentID)))
        ids.append(segment.segmentID)
        latest[ByteKey(segment.segmentID)] = doc
        totalWords += UInt64(analyzed.wordCount)
        textBytes += segment.text.utf8.count
        Self.addTerms(analyzed.words, doc: doc, to: &terms, postings)
        Self.addTerms(analyzed.parts, doc: doc, to: &parts, partPostings)
        Self.addFieldWords(segment, doc: doc, to: &fields, fieldPostings)
        func addMeta(_ field: MetaField, _ value: String) {
            let f = field.rawValue
            let v = meta[f].intern(value)
            let pool = metaPostings[f]
            // A tag listed twice counts once.
            if v == pool.listCount || pool.lastDoc(v) != doc { pool.append(v, doc: doc) }
        }
        if let v = segment.filePath { addMeta(.filePath, v) }
        if let v = segment.taskID { addMeta(.taskID, v) }
        for t in segment.tags { addMeta(.tag, t) }
        addMeta(.type, segment.type.rawValue)
        addMeta(.tier, segment.tier.rawValue)
        return doc
    }

    /// The hot loop of indexing: one access to the term table for all of a doc's terms.
    private static func addTerms(_ analyzed: AnalyzedText.Terms, doc: UInt32, to terms: inout TermTable, _ postings: PostingsPool) {
        analyzed.forEach { bytes, freq, hash in
            postings.append(terms.intern(bytes, hash: hash), doc: doc, freq: freq)
        }
    }

    /// The words and parts of a segment's `file_path` and tags, each once per doc.
    private static func addFieldWords(_ s: ContextSegment, doc: UInt32, to fields: inout TermTable, _ postings: PostingsPool) {
        guard s.filePath != nil || !s.tags.isEmpty else { return }
        let values = (s.filePath.map { [$0] } ?? []) + s.tags
        for v in values {
            func add(_ w: UnsafeBufferPointer<UInt8>) {
                let f = fields.intern(UnsafeRawBufferPointer(w))
                if f == postings.listCount || postings.lastDoc(f) != doc { postings.append(f, doc: doc) }
            }
            KeywordAnalyzer.forEachWord(in: v, add)
            SubwordSplitter.forEachPart(in: v, add)
        }
    }

    /// The live doc of `id` here, if any.
    func liveDoc(_ id: ByteKey) -> UInt32? {
        guard let d = latest[id], !dead[Int(d)] else { return nil }
        return d
    }

    func kill(_ doc: UInt32) {
        guard !dead[Int(doc)] else { return }
        dead.set(Int(doc))
        deadCount += 1
    }

    func recordKill(file: UInt32, doc: UInt32) {
        kills.append((file, doc))
    }

    /// Points kills of docs that a compaction moved at their new index file and doc
    /// (`map` returns nil: the kill stays as it is).
    func remapKills(_ map: (UInt32, UInt32) -> (file: UInt32, doc: UInt32)?) {
        kills = kills.map { k in map(k.file, k.doc) ?? k }
    }

    func termID(_ term: UnsafeRawBufferPointer) -> Int? { terms.find(term) }

    func partID(_ part: UnsafeRawBufferPointer) -> Int? { parts.find(part) }

    func fieldID(_ word: UnsafeRawBufferPointer) -> Int? { fields.find(word) }

    func metaID(_ field: MetaField, _ value: UnsafeRawBufferPointer) -> Int? { meta[field.rawValue].find(value) }
}
