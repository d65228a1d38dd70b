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
    private(set) var terms = TermTable(capacity: 4096)
    private(set) var postings: [[UInt32]] = []
    private(set) var freqs: [[UInt32]] = []
    private(set) var meta: [TermTable] = MetaField.allCases.map { _ in TermTable(capacity: 64) }
    private(set) var metaPostings: [[[UInt32]]] = MetaField.allCases.map { _ in [] }
    private(set) var totalWords: UInt64 = 0
    /// Raw text bytes indexed (the seal threshold).
    private(set) var textBytes = 0
    /// Docs of sealed index files that records in this range killed: persisted with it.
    private(set) var kills: [(segment: UInt32, doc: UInt32)] = []

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
        for i in 0..<analyzed.termCount {
            let t = analyzed.withTerm(i) { terms.intern($0, hash: analyzed.termHashes[i]) }
            if t == postings.count {
                postings.append([doc])
                freqs.append([analyzed.termFreqs[i]])
            } else {
                postings[t].append(doc)
                freqs[t].append(analyzed.termFreqs[i])
            }
        }
        func addMeta(_ field: MetaField, _ value: String) {
            let f = field.rawValue
            let v = meta[f].intern(value)
            if v == metaPostings[f].count {
                metaPostings[f].append([doc])
            } else if metaPostings[f][v].last != doc {  // a tag listed twice counts once
                metaPostings[f][v].append(doc)
            }
        }
        if let v = segment.filePath { addMeta(.filePath, v) }
        if let v = segment.taskID { addMeta(.taskID, v) }
        for t in segment.tags { addMeta(.tag, t) }
        addMeta(.type, segment.type.rawValue)
        addMeta(.tier, segment.tier.rawValue)
        return doc
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

    func recordKill(segment: UInt32, doc: UInt32) {
        kills.append((segment, doc))
    }

    /// Points kills of docs that a compaction moved at their new index file and doc.
    func remapKills(_ map: (UInt32, UInt32) -> (segment: UInt32, doc: UInt32)?) {
        kills = kills.map { k in map(k.segment, k.doc) ?? k }
    }

    func termID(_ term: UnsafeRawBufferPointer) -> Int? { terms.find(term) }

    func metaID(_ field: MetaField, _ value: UnsafeRawBufferPointer) -> Int? { meta[field.rawValue].find(value) }
}

/// A position in a project's log: file number and byte offset.
struct LogPosition: Sendable, Equatable, Comparable {
    var file: UInt32
    var offset: Int64

    static func < (a: LogPosition, b: LogPosition) -> Bool {
        a.file != b.file ? a.file < b.file : a.offset < b.offset
    }
}
