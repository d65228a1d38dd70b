/// What the index keeps about each document (one put record) besides its postings: where
/// the record is, and the columns that queries read without fetching it.
struct DocInfo: Sendable, Equatable {
    var fileNumber: UInt32
    var batchOffset: UInt32
    var index: UInt16
    var type: UInt8
    var tier: UInt8
    /// `created_at` as an instant (microseconds since the epoch; naive taken as UTC).
    var createdAt: Int64
    /// Number of words (the analyzer's), the BM25 document length.
    var words: UInt32
    var tokens: UInt32
    var idHash: UInt64

    var location: RecordLocation {
        RecordLocation(fileNumber: fileNumber, batchOffset: Int64(batchOffset), index: Int(index))
    }

    /// Bytes of a doc-table entry in an index file (SPEC.md, "Doc table").
    static let encodedSize = 36
}

/// A growable bitmap of dead (superseded or deleted) documents.
struct Bitmap: Sendable, Equatable {
    private(set) var words: [UInt64]
    private(set) var count: Int

    init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    init(words: [UInt64], count: Int) {
        self.words = words
        self.count = count
    }

    subscript(i: Int) -> Bool {
        i < count && words[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    mutating func set(_ i: Int) {
        if i >= count {
            count = i + 1
            while words.count < (count + 63) / 64 { words.append(0) }
        }
        words[i >> 6] |= 1 << UInt64(i & 63)
    }

    var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Calls `body` with each set bit below `count`, in increasing order.
    func forEachSet(_ body: (Int) -> Void) {
        for (w, word) in words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                let i = w * 64 + bits.trailingZeroBitCount
                bits &= bits - 1
                if i < count { body(i) }
            }
        }
    }
}

/// The index fields of one segment, computed on the caller's thread (analysis is the
/// expensive part of indexing, and callers run in parallel): its distinct words with
/// their frequencies, and its word count.
struct AnalyzedText: Sendable {
    var termBytes: [UInt8] = []
    var termEnds: [UInt32] = []
    var termFreqs: [UInt32] = []
    /// `TermHash.hash` of each term.
    var termHashes: [UInt64] = []
    var wordCount: UInt32 = 0

    init(_ text: String) {
        var table = TermTable(capacity: 64)
        var freqs: [UInt32] = []
        var words: UInt32 = 0
        KeywordAnalyzer.forEachWord(in: text) { word in
            words &+= 1
            let id = table.intern(UnsafeRawBufferPointer(word))
            if id == freqs.count { freqs.append(1) } else { freqs[id] += 1 }
        }
        wordCount = words
        termBytes = table.arena
        termEnds = Array(table.starts.dropFirst())
        termFreqs = freqs
        termHashes = table.hashes
    }

    var termCount: Int { termFreqs.count }
}

/// The metadata fields with postings (Docs/FORMAT.md section 3 filters).
enum MetaField: Int, CaseIterable, Sendable {
    case filePath = 0, taskID, tag, type, tier
}
