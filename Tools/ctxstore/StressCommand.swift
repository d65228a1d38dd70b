import ArgumentParser
import ContextStore
import Foundation
import Synchronization

struct StressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "The benchmark driver: make or read segments, ingest them, read them back, print what was measured.",
        discussion: """
            Without --ndjson, segments are made from the text files under --source (default \
            /usr/include): each file is cut into chunks of 20-120 lines, with file path, line \
            range and tags; ids are derived from the path, so a re-run supersedes the same \
            segments. Ingest runs --writers concurrent writers putting --batch segments a call \
            (group commit shares writes and syncs between them). Then every project is read \
            back: the store is reopened (open time, first query), then --queries keyword queries \
            made from the ingested words (one to three words, a quarter with a filter) are timed \
            one by one, each returning total_matches and its top --top segments, in `all` mode \
            and again in `any` mode (the filtered quarter also on its own). Prints a table \
            (or --json) with rates, sizes and latency percentiles.

            --replicate-to N makes N segments of those read (ten million from the corpus, \
            say), deterministically: copy r = 1, 2, ... of a segment has "~r<r>" appended to \
            its id and project (a copy's project is a new project) and " (replica <r>)" to its \
            text. The copies are made as the writers need them, so memory holds the source \
            once, whatever N. The timed queries read the projects of random copies. Peak \
            resident memory is reported for ingest and for open plus searching.

            Optional phases, in this order, after those figures are taken:

            --churn FRACTION (auto compaction off throughout): compacts once for a clean \
            baseline, updates FRACTION/2 and deletes FRACTION/2 of the live segments (seeded by \
            --churn-seed), then times the searches quiet, idle (with a writer task putting 4 \
            segments a call, --churn-writer-rate calls a second, into a project of its own) and \
            while compact() runs in the background (with the same writer), and reports the \
            sizes before churn, after churn and after compaction, the dead bytes and records \
            reclaimed, the compaction's throughput and the writer's put rate idle vs. \
            compacting (--json: "churn": {...}). \
            Dead bytes = size after churn minus the size of a fresh store holding only the live \
            segments (built under --scratch, then compacted); dead records = updated + \
            2 x deleted, which the compaction must drop exactly.

            --export-import: exports the store (sharded) into a new directory under --scratch \
            (default: the store's parent), imports it into a fresh store there, reports MB/s \
            and peak RSS each way and whether every project's totals survived the round trip \
            (--json: "export_import": {...}); --round-trip-bytes also re-exports the imported \
            store and compares the files byte for byte. The scratch directory is removed \
            unless --keep.

            A phase that fails is reported as {"error": "..."} in its place, after the other \
            figures, and the command exits with status 1.
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("Directory of text files to chunk into segments.", valueName: "DIR"))
    var source = "/usr/include"
    @Option(help: ArgumentHelp("Read segments from this NDJSON file instead of chunking files.", valueName: "FILE"))
    var ndjson: String?
    @Option(help: "Use at most this many segments.") var limit: Int?
    @Option(help: ArgumentHelp("Ingest this many segments, replicating those read with varied ids, projects and texts.",
                               valueName: "N"))
    var replicateTo: Int?
    @Option(help: ArgumentHelp("Log batch size (Configuration.batchTargetBytes): larger batches compress better, "
                               + "and a point read decompresses a whole batch.", valueName: "BYTES"))
    var batchBytes: Int?
    @Option(help: "Concurrent writers during ingest.") var writers = 8
    @Option(help: "Segments per put call.") var batch = 64
    @Option(help: "Durability: sync (fdatasync per group commit), periodic (every 100 ms) or buffered.")
    var durability = "sync"
    @Option(help: "Search queries to time after ingest (made from the ingested words).") var queries = 1000
    @Option(help: "Segments returned per query (their records are fetched).") var top = 50
    @Flag(name: .long, help: "Print the results as one JSON object.") var json = false
    @Option(help: ArgumentHelp("After the search phase: update FRACTION/2 and delete FRACTION/2 of the live segments, "
        + "then measure compaction (reclaimed space, searches and a writer while it runs).", valueName: "FRACTION"))
    var churn: Double?
    @Option(help: "Seed of the churn's choice of segments.") var churnSeed: UInt64 = 1
    @Option(help: ArgumentHelp("Put calls a second (4 segments each) of the churn phase's concurrent writer; 0: unpaced.",
                               valueName: "N"))
    var churnWriterRate = 100.0
    @Option(help: ArgumentHelp("Throttle compaction in the churn phase to this many MB/s of input (0: unthrottled).",
                               valueName: "MB_PER_S"))
    var compactionMBPerS = 0.0
    @Flag(name: .long, help: "Export the store (sharded) and import it into a fresh store: MB/s, peak RSS, round trip.")
    var exportImport = false
    @Option(help: ArgumentHelp("Where --churn and --export-import make their scratch directories (default: the store's parent).",
                               valueName: "DIR"))
    var scratch: String?
    @Flag(name: .long, help: "Keep the scratch directories (the fresh store of --churn, the export and store of --export-import).")
    var keep = false
    @Flag(name: .long, help: "With --export-import: re-export the imported store and compare the files byte for byte.")
    var roundTripBytes = false

    func run() async throws {
        let mode: Durability
        switch durability {
        case "sync": mode = .syncEachBatch
        case "periodic": mode = .periodic(milliseconds: 100)
        case "buffered": mode = .buffered
        default: throw ValidationError("--durability must be sync, periodic or buffered")
        }
        guard writers >= 1, batch >= 1 else { throw ValidationError("--writers and --batch must be at least 1") }
        if let replicateTo, replicateTo < 1 { throw ValidationError("--replicate-to must be at least 1") }
        if let churn, !(churn > 0 && churn <= 1) { throw ValidationError("--churn must be in (0, 1]") }
        guard compactionMBPerS >= 0, churnWriterRate >= 0 else {
            throw ValidationError("--compaction-mb-per-s and --churn-writer-rate must be 0 or more")
        }

        let t0 = Date()
        let segments: [ContextSegment]
        if let ndjson {
            var read: [ContextSegment] = []
            do {
                let reader = try SegmentFileReader(path: ndjson)
                while let s = try reader.next() {
                    read.append(s)
                    if let limit, read.count >= limit { break }
                }
            } catch {
                throw CommandFailure("\(error)")
            }
            segments = read
        } else {
            segments = CorpusChunker(root: source, limit: limit, projectPrefix: "stress-").segments()
        }
        guard !segments.isEmpty else { throw CommandFailure("no segments found under \(source)") }
        let prepareSeconds = Date().timeIntervalSince(t0)
        let replicas = Replicas(source: segments, count: replicateTo ?? segments.count)

        var ingestConfiguration = Configuration(durability: mode)
        if let batchBytes { ingestConfiguration.batchTargetBytes = batchBytes }
        let store = try ContextStore.open(directory: options.directory, configuration: ingestConfiguration)
        let before = store.writeStatistics
        let progress = ProgressBar("ingest", total: replicas.count)
        let batches = (replicas.count + batch - 1) / batch
        let nextBatch = AtomicCounter()
        let ingestedText = AtomicCounter()
        let batchSize = batch
        _ = ProcessMemory.resetPeak()
        let t1 = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    while true {
                        let b = nextBatch.add(1)
                        guard b < batches else { return }
                        let chunk = replicas.segments(b * batchSize ..< min((b + 1) * batchSize, replicas.count))
                        try await store.put(chunk)
                        ingestedText.add(chunk.reduce(0) { $0 + $1.text.utf8.count })
                        progress.advance(by: chunk.count)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await store.sync()
        let ingestSeconds = Date().timeIntervalSince(t1)
        progress.finish()
        let after = store.writeStatistics
        store.close()
        let ingestPeakMB = ProcessMemory.peakMB ?? 0
        let textBytes = ingestedText.value

        // Open time: a fresh open that loads no project (`projectsLoadedAtOpen` 0, as the
        // read commands open), plus a first query, which loads the project it reads.
        _ = ProcessMemory.resetPeak()
        let tOpen = Date()
        var reopenConfiguration = Configuration(durability: mode)
        reopenConfiguration.projectsLoadedAtOpen = 0
        let reopened = try ContextStore.open(directory: options.directory, configuration: reopenConfiguration)
        let openSeconds = Date().timeIntervalSince(tOpen)
        let copies = (replicas.count + segments.count - 1) / segments.count
        let workload = SearchWorkload.make(from: segments, copies: copies, count: queries, limit: top)
        let tFirst = Date()
        if let q = workload.first { _ = try reopened.search(q) }
        let firstQuerySeconds = Date().timeIntervalSince(tFirst)

        // Search: each query's total_matches plus its top records, timed one by one; then the
        // same queries in `.any` mode. The filtered quarter is also reported on its own.
        var micros: [Double] = []
        var filteredMicros: [Double] = []
        var matched = 0
        for q in workload {
            let t = DispatchTime.now().uptimeNanoseconds
            let r = try reopened.search(q)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t) / 1000
            micros.append(elapsed)
            if q.filters != SearchFilters() { filteredMicros.append(elapsed) }
            matched += r.totalMatches
        }
        var anyMicros: [Double] = []
        var anyMatched = 0
        for var q in workload {
            q.mode = .any
            let t = DispatchTime.now().uptimeNanoseconds
            let r = try reopened.search(q)
            anyMicros.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1000)
            anyMatched += r.totalMatches
        }
        micros.sort()
        filteredMicros.sort()
        anyMicros.sort()
        func pct(_ p: Double, _ values: [Double]) -> Double {
            values.isEmpty ? 0 : values[min(values.count - 1, Int(Double(values.count - 1) * p + 0.5))]
        }
        func pct(_ p: Double) -> Double { pct(p, micros) }

        let t2 = Date()
        var scanned = 0
        for t in try reopened.allTotals() { scanned += t.totals.segments }
        let scanSeconds = Date().timeIntervalSince(t2)
        reopened.close()
        let searchPeakMB = ProcessMemory.peakMB ?? 0

        let storeBytes = directorySize(options.directory)
        let results: [(String, String, Any)] = [
            ("segments", "\(replicas.count)", replicas.count),
            ("text MB", fmt(Double(textBytes) / 1e6), Double(textBytes) / 1e6),
            ("prepare s", fmt(prepareSeconds), prepareSeconds),
            ("ingest s", fmt(ingestSeconds), ingestSeconds),
            ("ingest segments/s", fmt(Double(replicas.count) / ingestSeconds, 0), Double(replicas.count) / ingestSeconds),
            ("ingest MB/s", fmt(Double(textBytes) / 1e6 / ingestSeconds), Double(textBytes) / 1e6 / ingestSeconds),
            ("group commits", "\(after.groups - before.groups)", after.groups - before.groups),
            ("fdatasyncs", "\(after.syncs - before.syncs)", after.syncs - before.syncs),
            ("writes", "\(after.writes - before.writes)", after.writes - before.writes),
            ("live segments (totals)", "\(scanned)", scanned),
            ("stats ms", fmt(scanSeconds * 1000, 3), scanSeconds * 1000),
            ("open ms", fmt(openSeconds * 1000), openSeconds * 1000),
            ("open + first query ms", fmt((openSeconds + firstQuerySeconds) * 1000), (openSeconds + firstQuerySeconds) * 1000),
            ("queries", "\(micros.count) (top \(top), mean matches \(micros.isEmpty ? 0 : matched / micros.count))", micros.count),
            ("search p50 ms", fmt(pct(0.5) / 1000, 3), pct(0.5) / 1000),
            ("search p95 ms", fmt(pct(0.95) / 1000, 3), pct(0.95) / 1000),
            ("search p99 ms", fmt(pct(0.99) / 1000, 3), pct(0.99) / 1000),
            ("filtered queries", "\(filteredMicros.count)", filteredMicros.count),
            ("search filtered p50 ms", fmt(pct(0.5, filteredMicros) / 1000, 3), pct(0.5, filteredMicros) / 1000),
            ("search filtered p99 ms", fmt(pct(0.99, filteredMicros) / 1000, 3), pct(0.99, filteredMicros) / 1000),
            ("any-mode mean matches", "\(anyMicros.isEmpty ? 0 : anyMatched / anyMicros.count)", anyMicros.isEmpty ? 0 : anyMatched / anyMicros.count),
            ("search any p50 ms", fmt(pct(0.5, anyMicros) / 1000, 3), pct(0.5, anyMicros) / 1000),
            ("search any p95 ms", fmt(pct(0.95, anyMicros) / 1000, 3), pct(0.95, anyMicros) / 1000),
            ("search any p99 ms", fmt(pct(0.99, anyMicros) / 1000, 3), pct(0.99, anyMicros) / 1000),
            ("store MB", fmt(Double(storeBytes) / 1e6), Double(storeBytes) / 1e6),
            ("store / text", fmt(Double(storeBytes) / Double(textBytes), 3), Double(storeBytes) / Double(textBytes)),
            ("ingest peak RSS MB", fmt(ingestPeakMB, 0), ingestPeakMB),
            ("open + search peak RSS MB", fmt(searchPeakMB, 0), searchPeakMB),
        ]

        // The optional phases; a failure is reported in the phase's place (the figures taken
        // so far are still printed) and makes the exit status 1.
        var sections: [StressSection] = []
        var failed = false
        func phase(_ key: String, _ title: String, _ body: () async throws -> StressSection) async {
            do {
                sections.append(try await body())
            } catch {
                failed = true
                var s = StressSection(key: key, title: title + " FAILED")
                s.add("error", "error", "\(error)")
                sections.append(s)
            }
        }
        if let churn {
            let churnPhase = ChurnPhase(
                directory: options.directory, durability: mode, fraction: churn, seed: churnSeed, writers: writers,
                batch: batch, compactionBytesPerSecond: Int(compactionMBPerS * 1e6), writerRate: churnWriterRate,
                workload: workload, writerSource: segments, scratchParent: scratch, keep: keep)
            await phase("churn", "churn and compaction") { try await churnPhase.run() }
        }
        if exportImport {
            let exportImportPhase = ExportImportPhase(directory: options.directory, durability: mode, scratchParent: scratch,
                                                      keep: keep, compareBytes: roundTripBytes)
            await phase("export_import", "export / import") { try await exportImportPhase.run() }
        }

        if json {
            var obj: [String: Any] = ["durability": durability, "writers": writers, "batch": batch, "store": options.directory]
            for (k, _, v) in results { obj[k.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "/", with: "_per_")] = v }
            for section in sections { obj[section.key] = section.jsonObject }
            print(jsonString(obj))
        } else {
            print("ctxstore stress: store \(options.directory), durability \(durability), \(writers) writers x \(batch) segments a put")
            let width = results.map(\.0.count).max()!
            for (k, v, _) in results { print(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
            for section in sections { section.printText() }
        }
        if failed { throw ExitCode(1) }
    }
}

func fmt(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }

/// Bytes of the regular files under `path`.
func directorySize(_ path: String) -> Int64 { storeSize(path) }

/// Queries drawn from the ingested segments, the way the anchor benchmarks' query sets are
/// drawn (Benchmarks/anchors): words of one source segment (so the AND is usually not empty), one to three of
/// them, and a metadata filter of the source on a quarter of the queries. With `copies` > 1
/// (`--replicate-to`) each query reads the project of a random copy, so the searches touch
/// the whole store rather than the source's projects only (the copies' filters and words
/// are the source's).
enum SearchWorkload {
    static func make(from segments: [ContextSegment], copies: Int = 1, count: Int, limit: Int) -> [SearchQuery] {
        guard !segments.isEmpty, count > 0 else { return [] }
        var rng = SplitMix(seed: 7)
        var out: [SearchQuery] = []
        var attempts = 0
        while out.count < count && attempts < count * 20 {
            attempts += 1
            let s = segments[Int(rng.next() % UInt64(segments.count))]
            let words = Array(Set(Keywords.words(s.text).filter { $0.count >= 2 && $0.count <= 40 && $0.contains { $0.isLetter } })).sorted()
            let n = 1 + out.count % 3
            guard words.count >= n else { continue }
            var picked: [String] = []
            while picked.count < n {
                let w = words[Int(rng.next() % UInt64(words.count))]
                if !picked.contains(w) { picked.append(w) }
            }
            var f = SearchFilters()
            if rng.next() % 4 == 0 {
                switch rng.next() % 4 {
                case 0: f.filePath = s.filePath
                case 1: f.taskID = s.taskID
                case 2: f.tags = s.tags.isEmpty ? [] : [s.tags[Int(rng.next() % UInt64(s.tags.count))]]
                default: f.type = s.type
                }
            }
            let copy = copies > 1 ? Int(rng.next() % UInt64(copies)) : 0
            let project = copy == 0 ? s.projectID : s.projectID + "~r\(copy)"
            out.append(SearchQuery(project: project, query: picked.joined(separator: " "), filters: f, limit: limit))
        }
        return out
    }
}

/// `--replicate-to`: segment `i` of `count` is copy `i / source.count` of source segment
/// `i % source.count`; copy 0 is the source itself, copy r > 0 has "~r<r>" appended to its
/// id and project and " (replica <r>)" to its text (its token count is counted again).
/// Made on demand, so memory holds the source once.
struct Replicas: Sendable {
    let source: [ContextSegment]
    let count: Int

    func segments(_ range: Range<Int>) -> [ContextSegment] {
        range.map { i in
            let r = i / source.count
            var s = source[i % source.count]
            guard r > 0 else { return s }
            s.segmentID += "~r\(r)"
            s.projectID += "~r\(r)"
            s.text += " (replica \(r))"
            s.tokens = nil
            s.tokensComputedAt = nil
            s.textHash = nil
            return s
        }
    }
}

/// A counter shared by tasks.
final class AtomicCounter: Sendable {
    private let atomic = Atomic<Int>(0)
    /// Adds `n`; returns the value before.
    @discardableResult
    func add(_ n: Int) -> Int { atomic.wrappingAdd(n, ordering: .relaxed).oldValue }
    var value: Int { atomic.load(ordering: .relaxed) }
}
