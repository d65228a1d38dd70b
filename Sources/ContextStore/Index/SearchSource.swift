/// Which dictionary a query term is looked up in: the text's whole words (the only one `all`
/// mode reads), its identifiers' parts, or the words and parts of `file_path` and tags.
enum TermKind: Int, Sendable, CaseIterable {
    case word = 0, part, field
}

/// One source of docs of a project (a sealed index file, or the memtable) as the query
/// engine reads it. Doc numbers are the source's own.
protocol SearchSource {
    associatedtype Cursor: MaximaCursor
    var docCount: Int { get }
    var dead: Bitmap { get }
    func createdAt(_ doc: UInt32) -> Int64
    /// The doc's length as BM25 reads it (`Ranking.clampedWords`).
    func words(_ doc: UInt32) -> UInt32
    /// The postings of `key` in the dictionary of `kind` (nil: not there).
    func cursor(_ kind: TermKind, _ key: UnsafeRawBufferPointer) -> Cursor?
    /// The postings of a metadata value (nil: not there).
    func metaCursor(_ field: MetaField, _ value: UnsafeRawBufferPointer) -> Cursor?
    /// The document frequency of `key` in the dictionary of `kind` (0: not there).
    func df(_ kind: TermKind, _ key: UnsafeRawBufferPointer) -> Int
    /// Each key of the dictionary of `kind` that starts with `prefix`, with its df.
    func forEachKey(_ kind: TermKind, withPrefix prefix: [UInt8], _ body: ([UInt8], Int) -> Void)
}

/// A sealed index file as a search source.
struct FileSource: SearchSource {
    let state: IndexFileState
    var reader: IndexFileReader { state.reader }
    var docCount: Int { state.reader.docCount }
    var dead: Bitmap { state.dead }
    func createdAt(_ doc: UInt32) -> Int64 { reader.createdAt(Int(doc)) }
    func words(_ doc: UInt32) -> UInt32 { reader.normWords(Int(doc)) }

    private func list(_ kind: TermKind, _ key: UnsafeRawBufferPointer) -> (list: UnsafeRawBufferPointer, df: Int)? {
        switch kind {
        case .word: reader.term(key)
        case .part: reader.part(key)
        case .field: reader.field(key)
        }
    }

    func cursor(_ kind: TermKind, _ key: UnsafeRawBufferPointer) -> PostingsCursor? {
        guard let p = list(kind, key) else { return nil }
        return PostingsCursor(list: p.list, df: p.df, hasTF: kind != .field, format: reader.formatVersion)
    }

    func metaCursor(_ field: MetaField, _ value: UnsafeRawBufferPointer) -> PostingsCursor? {
        guard let p = reader.meta(field, value) else { return nil }
        return PostingsCursor(list: p.list, df: p.df, hasTF: false, format: reader.formatVersion)
    }

    func df(_ kind: TermKind, _ key: UnsafeRawBufferPointer) -> Int { list(kind, key)?.df ?? 0 }

    func forEachKey(_ kind: TermKind, withPrefix prefix: [UInt8], _ body: ([UInt8], Int) -> Void) {
        let section: IndexFormat.Section = switch kind {
        case .word: .terms
        case .part: .parts
        case .field: .fields
        }
        prefix.withUnsafeBytes { p in
            reader.forEachKey(in: section, withPrefix: p) { key, _, df in body(Array(key), df); return true }
        }
    }
}

/// The memtable as a search source.
struct MemSource: SearchSource {
    let memtable: MemTable
    var docCount: Int { memtable.docCount }
    var dead: Bitmap { memtable.dead }
    func createdAt(_ doc: UInt32) -> Int64 { memtable.docs[Int(doc)].createdAt }
    func words(_ doc: UInt32) -> UInt32 { Ranking.clampedWords(memtable.docs[Int(doc)].words) }

    private func id(_ kind: TermKind, _ key: UnsafeRawBufferPointer) -> (Int, PostingsPool)? {
        switch kind {
        case .word: memtable.termID(key).map { ($0, memtable.postings) }
        case .part: memtable.partID(key).map { ($0, memtable.partPostings) }
        case .field: memtable.fieldID(key).map { ($0, memtable.fieldPostings) }
        }
    }

    func cursor(_ kind: TermKind, _ key: UnsafeRawBufferPointer) -> PoolCursor? {
        guard let (i, pool) = id(kind, key) else { return nil }
        return pool.cursor(i)
    }

    func metaCursor(_ field: MetaField, _ value: UnsafeRawBufferPointer) -> PoolCursor? {
        guard let i = memtable.metaID(field, value) else { return nil }
        return memtable.metaPostings[field.rawValue].cursor(i)
    }

    func df(_ kind: TermKind, _ key: UnsafeRawBufferPointer) -> Int {
        guard let (i, pool) = id(kind, key) else { return 0 }
        return pool.count(i)
    }

    /// A scan of the memtable's (unsorted) table: proportional to its distinct terms.
    func forEachKey(_ kind: TermKind, withPrefix prefix: [UInt8], _ body: ([UInt8], Int) -> Void) {
        let (table, pool): (TermTable, PostingsPool) = switch kind {
        case .word: (memtable.terms, memtable.postings)
        case .part: (memtable.parts, memtable.partPostings)
        case .field: (memtable.fields, memtable.fieldPostings)
        }
        for t in 0..<table.count {
            let key = table.bytes(t)
            if key.starts(with: prefix) { body(Array(key), pool.count(t)) }
        }
    }
}
