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
