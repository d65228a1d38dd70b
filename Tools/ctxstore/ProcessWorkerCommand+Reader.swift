import ContextStore
import Foundation

/// `process-worker --role reader`: a read-only handle beside a holder that writes the
/// six-segment batches of `ProcessWorkerHolder`, refreshing and checking for `--seconds`:
/// - the visible batches are exactly 0...m (no gap: batches are acknowledged in order) and
///   each has all six segments (a batch is one put: never half of it);
/// - a search for `common` counts 6(m+1) matches, and `get` finds every hit;
/// - m never goes backwards from one refresh to the next;
/// - no store file this process maps has been deleted (`/proc/self/maps` says `(deleted)`):
///   the holder must not remove files a reader still uses.
struct ProcessWorkerReader {
    let command: ProcessWorkerCommand

    func run() throws {
        let directory = command.options.directory
        var configuration = Configuration()
        configuration.createIfMissing = false
        let store = try ContextStore.open(directory: directory, mode: .readOnly, configuration: configuration)
        defer { store.close() }
        guard store.role == .reader else { violation("a .readOnly open gave a \(store.role) handle") }
        // /proc/self/maps names files by their canonical path.
        let root = (URL(fileURLWithPath: directory).resolvingSymlinksInPath().path) + "/"
        let deadline = monotonicNow() + UInt64(command.seconds * 1e9)
        var refreshes = 0, maxSeen = -1, maxMapped = 0
        // With --stop-file it goes on past --seconds until a whole round began after the file
        // appeared: its last refresh is then known to come after whatever preceded the file.
        var lastRound = command.stopFile == nil
        repeat {
            if let f = command.stopFile, FileManager.default.fileExists(atPath: f) { lastRound = true }
            try store.refresh()
            refreshes += 1
            let m = try check(store)
            if m < maxSeen { violation("batches went backwards: 0...\(maxSeen) visible, then 0...\(m)") }
            if m > maxSeen { emit("seen \(m)\n") }
            maxSeen = m
            let maps = mappedStoreFiles(under: root)
            if let file = maps.deleted { violation("a file this reader maps was deleted: \(file)") }
            maxMapped = max(maxMapped, maps.count)
        } while monotonicNow() < deadline || !lastRound
        // The most store files mapped at once: the deletion check above covered that many.
        emit("ok \(refreshes) \(maxSeen) \(maxMapped)\n")
    }

    /// The m of the visible batches 0...m (-1: none), after checking they are whole and that
    /// search and get agree with the scan.
    func check(_ store: ContextStore) throws -> Int {
        let project = command.project
        var parts: [Int: Set<Int>] = [:]
        for s in try store.scan(project: project) {
            guard let (k, j) = Self.batchPart(s.segmentID), s.text == "batch\(k) common part\(j) of six" else {
                violation("unexpected segment \(s.segmentID) in project \(project)")
            }
            parts[k, default: []].insert(j)
        }
        let m = parts.keys.max() ?? -1
        if parts.count != m + 1 {
            let missing = (0...max(m, 0)).filter { parts[$0] == nil }.prefix(5)
            violation("batches visible up to \(m) but \(missing.map(String.init).joined(separator: ",")) missing")
        }
        for (k, js) in parts where js.count != 6 { violation("batch \(k) torn: parts \(js.sorted()) of 0...5 visible") }
        let r = try store.search(SearchQuery(project: project, query: "common", limit: 1_000_000))
        if r.totalMatches != 6 * (m + 1) || r.segments.count != r.totalMatches {
            violation("scan shows batches 0...\(m) (\(6 * (m + 1)) segments); search for common counts \(r.totalMatches) "
                      + "and returns \(r.segments.count)")
        }
        let ids = r.segments.map(\.segmentID)
        let got = try store.get(project: project, ids: ids)
        if got.map(\.segmentID) != ids { violation("get found \(got.count) of the \(ids.count) search hits") }
        return m
    }

    /// (k, j) of an id `b<k>-<j>`, nil for anything else.
    static func batchPart(_ id: String) -> (Int, Int)? {
        guard id.hasPrefix("b") else { return nil }
        let fields = id.dropFirst().split(separator: "-")
        guard fields.count == 2, let k = Int(fields[0]), let j = Int(fields[1]), (0..<6).contains(j) else { return nil }
        return (k, j)
    }

    /// How many files under `root` this process maps, and the first of them that the
    /// kernel marks `(deleted)`.
    func mappedStoreFiles(under root: String) -> (count: Int, deleted: String?) {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else {
            violation("cannot read /proc/self/maps")
        }
        var files = Set<Substring>()
        for line in maps.split(separator: "\n") {
            // address perms offset dev inode path: the path is what follows the fifth field.
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = line[slash...]
            guard path.hasPrefix(root) else { continue }
            if path.hasSuffix(" (deleted)") { return (files.count, String(path)) }
            files.insert(path)
        }
        return (files.count, nil)
    }
}
