import ArgumentParser
import ContextStore
import Foundation

/// `ctxstore bench-processes`: what sharing a store between processes costs. A reader
/// process's search latency beside an idle holder and beside one that ingests without
/// pause; the throughput of writes forwarded from another process against the same writes
/// made by the holder itself.
struct ProcessBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-processes",
        abstract: "Benchmark one store shared by processes: reader search latency, forwarded write throughput.",
        discussion: """
            Works in a new temporary store (removed afterwards) unless --directory names one. \
            First it puts the corpus into project "bench": --segments synthetic segments \
            (seeded: 20-80 words from a skewed 5000-word vocabulary), or the first --segments \
            segments of --ndjson FILE (moved into project bench). Then:

            (a) search latency: this process opens the store read-only (a reader; the holder \
            is a child `ctxstore process-worker --role holder`) and times --searches keyword \
            searches (one to three words of a random corpus segment, top 10), refreshing every \
            --refresh-every searches; once with the holder idle, once with it ingesting \
            without pause (six-segment puts into project bench, synced each). Reported: p50 \
            and p99 of the searches, p50 and p99 of the refreshes, the holder's ingest rate.

            (b) write throughput: puts of 1 and of 100 segments, one after another for \
            --write-seconds each, from this process while a child holds the store (every \
            put is forwarded over the store's socket and answered once durable), against the \
            same puts with this process holding the store itself. Reported in segments/s.

            Prints a table, or one JSON object with --json. Build with -c release for \
            figures worth comparing.
            """
    )

    @Option(help: ArgumentHelp("Store directory (default: a new temporary one, removed afterwards).", valueName: "DIR"))
    var directory: String?
    @Option(help: "Segments to put first (synthetic, or the most taken from --ndjson).") var segments = 20_000
    @Option(help: ArgumentHelp("Take the segments from this NDJSON file (as `stress --ndjson`).", valueName: "FILE"))
    var ndjson: String?
    @Option(help: "Searches timed in each phase of (a).") var searches = 3000
    @Option(help: "The reader refreshes every N searches.") var refreshEvery = 100
    @Option(help: "Seconds each write measurement of (b) runs.") var writeSeconds = 3.0
    @Flag(name: .long, help: "Print the results as one JSON object.") var json = false

    static let project = "bench"

    func validate() throws {
        guard segments >= 1, searches >= 1, refreshEvery >= 1, writeSeconds > 0 else {
            throw ValidationError("--segments, --searches, --refresh-every must be at least 1; --write-seconds above 0")
        }
    }

    func run() async throws {
        let dir = directory ?? NSTemporaryDirectory() + "ctxstore-bench-processes-\(UUID().uuidString)"
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let corpus = try ProcessBenchCorpus.load(ndjson: ndjson, count: segments, queries: searches, project: Self.project)
        let t0 = Date()
        let loader = try ContextStore.open(directory: dir)
        guard loader.role == .holder else { throw CommandFailure("\(dir) is held by another process; stop it first") }
        for start in stride(from: 0, to: corpus.segments.count, by: 500) {
            try await loader.put(Array(corpus.segments[start..<min(start + 500, corpus.segments.count)]))
        }
        loader.close()
        let loadSeconds = Date().timeIntervalSince(t0)
        if !json { printError("put \(corpus.segments.count) segments in \(String(format: "%.1f", loadSeconds)) s; timing searches") }

        let idle = try searchPhase(dir, corpus.queries, holder: ["--idle"])
        let ingesting = try searchPhase(dir, corpus.queries, holder: ["--project", Self.project])
        if !json { printError("timing writes") }
        var writes: [String: [Int: Double]] = [:]
        for forwarded in [true, false] {
            for perPut in [1, 100] {
                writes[forwarded ? "forwarded" : "local", default: [:]][perPut] =
                    try await writePhase(dir, forwarded: forwarded, perPut: perPut)
            }
        }
        print(json ? jsonReport(corpus, loadSeconds, idle, ingesting, writes)
              : textReport(corpus, idle, ingesting, writes))
    }

    /// What one search phase measured.
    struct SearchFigures {
        var searches: [Double]  // ms, sorted
        var refreshes: [Double]  // ms, sorted
        var holderSegmentsPerSecond: Double

        static func percentile(_ sorted: [Double], _ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        var json: [String: Any] {
            ["search_p50_ms": Self.percentile(searches, 0.5), "search_p99_ms": Self.percentile(searches, 0.99),
             "refresh_p50_ms": Self.percentile(refreshes, 0.5), "refresh_p99_ms": Self.percentile(refreshes, 0.99),
             "holder_segments_per_s": holderSegmentsPerSecond, "searches": searches.count]
        }
    }

    /// (a): a holder child started with `holder` arguments, this process a reader timing
    /// every query (after 200 untimed ones).
    func searchPhase(_ dir: String, _ queries: [String], holder: [String]) throws -> SearchFigures {
        let child = try ProcessBenchChild(["--role", "holder", "--store", dir] + holder)
        var stopped = false
        defer { if !stopped { try? child.stop() } }
        let reader = try ContextStore.open(directory: dir, mode: .readOnly)
        defer { reader.close() }
        for q in queries.prefix(200) { _ = try reader.search(SearchQuery(project: Self.project, query: q)) }
        var searchMillis: [Double] = [], refreshMillis: [Double] = []
        searchMillis.reserveCapacity(queries.count)
        let acks0 = child.acknowledged, t0 = monotonicNow()
        for (i, q) in queries.enumerated() {
            if i % refreshEvery == 0 {
                let r0 = monotonicNow()
                try reader.refresh()
                refreshMillis.append(Double(monotonicNow() - r0) / 1e6)
            }
            let s0 = monotonicNow()
            _ = try reader.search(SearchQuery(project: Self.project, query: q))
            searchMillis.append(Double(monotonicNow() - s0) / 1e6)
        }
        let seconds = Double(monotonicNow() - t0) / 1e9
        let acks = child.acknowledged - acks0
        try child.stop()
        stopped = true
        return SearchFigures(searches: searchMillis.sorted(), refreshes: refreshMillis.sorted(),
                             holderSegmentsPerSecond: Double(acks * 6) / seconds)
    }

    /// (b): segments/s of `perPut`-segment puts for --write-seconds, forwarded to an idle
    /// holder child or made by this process as the holder.
    func writePhase(_ dir: String, forwarded: Bool, perPut: Int) async throws -> Double {
        let child = forwarded ? try ProcessBenchChild(["--role", "holder", "--store", dir, "--idle"]) : nil
        defer { try? child?.stop() }
        let store = try ContextStore.open(directory: dir)
        defer { store.close() }
        guard store.role == (forwarded ? .forwarder : .holder) else {
            throw CommandFailure("expected a \(forwarded ? "forwarding" : "holding") handle, got a \(store.role)")
        }
        let tag = "\(forwarded ? "f" : "l")\(perPut)"
        var n = 0
        let t0 = monotonicNow(), end = t0 + UInt64(writeSeconds * 1e9)
        while monotonicNow() < end {
            let batch = (0..<perPut).map { i in
                ContextSegment(segmentID: "\(tag)-\(n + i)", text: "write throughput \(tag) segment \(n + i)", type: .note,
                               projectID: "writes", createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000))
            }
            try await store.put(batch)
            n += perPut
        }
        return Double(n) / (Double(monotonicNow() - t0) / 1e9)
    }

    func jsonReport(_ corpus: ProcessBenchCorpus, _ loadSeconds: Double, _ idle: SearchFigures, _ ingesting: SearchFigures,
                    _ writes: [String: [Int: Double]]) -> String {
        func rates(_ mode: String) -> [String: Double] {
            ["put_1_segments_per_s": writes[mode]?[1] ?? 0, "put_100_segments_per_s": writes[mode]?[100] ?? 0]
        }
        return jsonString([
            "segments": corpus.segments.count, "load_seconds": loadSeconds, "refresh_every": refreshEvery,
            "search": ["holder_idle": idle.json, "holder_ingesting": ingesting.json],
            "writes": ["forwarded": rates("forwarded"), "local": rates("local"), "write_seconds": writeSeconds],
        ] as [String: Any])
    }

    func textReport(_ corpus: ProcessBenchCorpus, _ idle: SearchFigures, _ ingesting: SearchFigures,
                    _ writes: [String: [Int: Double]]) -> String {
        func cells(_ name: String, _ values: [String]) -> String {
            name.padding(toLength: 18, withPad: " ", startingAt: 0)
                + values.map { String(repeating: " ", count: max(0, 13 - $0.count)) + $0 }.joined()
        }
        func ms(_ v: Double) -> String { String(format: "%.3f", v) }
        func row(_ name: String, _ f: SearchFigures) -> String {
            cells(name, [ms(SearchFigures.percentile(f.searches, 0.5)), ms(SearchFigures.percentile(f.searches, 0.99)),
                         ms(SearchFigures.percentile(f.refreshes, 0.5)), ms(SearchFigures.percentile(f.refreshes, 0.99)),
                         String(format: "%.0f", f.holderSegmentsPerSecond)])
        }
        func rate(_ name: String, _ mode: String) -> String {
            cells(name, [String(format: "%.0f", writes[mode]?[1] ?? 0), String(format: "%.0f", writes[mode]?[100] ?? 0)])
        }
        return """
            search latency in a reader process (\(searches) searches over \(corpus.segments.count) segments, top 10; \
            refresh every \(refreshEvery); ms)
            \(cells("", ["search p50", "search p99", "refresh p50", "refresh p99", "holder seg/s"]))
            \(row("holder idle", idle))
            \(row("holder ingesting", ingesting))

            write throughput (segments/s, one put after another for \(writeSeconds) s)
            \(cells("", ["1 per put", "100 per put"]))
            \(rate("forwarded", "forwarded"))
            \(rate("local (holder)", "local"))
            """
    }
}
