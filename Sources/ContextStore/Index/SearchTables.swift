/// The lookup tables search builds lazily (the keyword analyzer's Unicode pages, the
/// sub-word splitter's byte classes, the stop words): `warmInBackground` builds them on a
/// thread of their own, once per process, so that the first search after an open does not
/// pay for them (about 2 ms). Safe to race with a search: each table is a `static let`,
/// built once whoever asks first.
enum SearchTables {
    private static let started = Locked(false)

    static func warmInBackground() {
        let first = started.withLock { s -> Bool in
            defer { s = true }
            return !s
        }
        guard first else { return }
        startThread {
            KeywordAnalyzer.forEachWord(in: "Warm ΣΊΣΥΦΟΣ") { _ in }
            SubwordSplitter.forEachPart(in: "warmUp_tables") { _ in }
            _ = StopWords.english.count
        }
    }
}
