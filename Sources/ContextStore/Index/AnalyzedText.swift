/// The index fields of one segment's text, computed on the caller's thread (analysis is the
/// expensive part of indexing, and callers run in parallel): its distinct words with their
/// frequencies and hashes, its word count, and the same for its identifiers' sub-word parts
/// (`SubwordSplitter`), which only `any`-mode search reads.
struct AnalyzedText: Sendable {
    /// Distinct terms of one kind (words, or parts): bytes, ends, frequencies and hashes.
    struct Terms: Sendable {
        var bytes: [UInt8] = []
        var ends: [UInt32] = []
        var freqs: [UInt32] = []
        /// `TermHash.hash` of each term.
        var hashes: [UInt64] = []

        var count: Int { freqs.count }

        init(_ each: ((UnsafeBufferPointer<UInt8>) -> Void) -> Void) {
            var table = TermTable(capacity: 64)
            var freqs: [UInt32] = []
            each { term in
                let id = table.intern(UnsafeRawBufferPointer(term))
                if id == freqs.count { freqs.append(1) } else { freqs[id] += 1 }
            }
            bytes = table.arena
            ends = Array(table.starts.dropFirst())
            self.freqs = freqs
            hashes = table.hashes
        }

        /// Calls `body` with each term's bytes, frequency and hash.
        func forEach(_ body: (UnsafeRawBufferPointer, UInt32, UInt64) -> Void) {
            bytes.withUnsafeBytes { b in
                var start = 0
                for i in 0..<freqs.count {
                    let end = Int(ends[i])
                    body(UnsafeRawBufferPointer(rebasing: b[start..<end]), freqs[i], hashes[i])
                    start = end
                }
            }
        }
    }

    /// The keyword analyzer's words.
    var words: Terms
    /// Sub-word parts of the text's identifiers.
    var parts: Terms
    /// Number of words (with repeats): the BM25 document length.
    var wordCount: UInt32 = 0

    init(_ text: String) {
        var n: UInt32 = 0
        words = Terms { add in KeywordAnalyzer.forEachWord(in: text) { n &+= 1; add($0) } }
        wordCount = n
        parts = Terms { add in SubwordSplitter.forEachPart(in: text, add) }
    }

    var termCount: Int { words.count }
}
