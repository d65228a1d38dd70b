import ArgumentParser
import ContextStore
import Foundation

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
            back with a scan. Prints a table (or --json) with rates and sizes.
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("Directory of text files to chunk into segments.", valueName: "DIR"))
    var source = "/usr/include"
    @Option(help: ArgumentHelp("Read segments from this NDJSON file instead of chunking files.", valueName: "FILE"))
    var ndjson: String?
    @Option(help: "Use at most this many segments.") var limit: Int?
    @Option(help: "Concurrent writers during ingest.") var writers = 8
    @Option(help: "Segments per put call.") var batch = 64
    @Option(help: "Durability: sync (fdatasync per group commit), periodic (every 100 ms) or buffered.")
    var durability = "sync"
    @Flag(name: .long, help: "Print the results as one JSON object.") var json = false

    func run() async throws {
        let mode: Durability
        switch durability {
        case "sync": mode = .syncEachBatch
        case "periodic": mode = .periodic(milliseconds: 100)
        case "buffered": mode = .buffered
        default: throw ValidationError("--durability must be sync, periodic or buffered")
        }
        guard writers >= 1, batch >= 1 else { throw ValidationError("--writers and --batch must be at least 1") }

        let t0 = Date()
        let segments: [ContextSegment]
        if let ndjson {
            throw CommandFailure("--ndjson \(ndjson): reading NDJSON is not available in this build yet")
        } else {
            segments = CorpusChunker(root: source, limit: limit, projectPrefix: "stress-").segments()
        }
        guard !segments.isEmpty else { throw CommandFailure("no segments found under \(source)") }
        let prepareSeconds = Date().timeIntervalSince(t0)
        let textBytes = segments.reduce(0) { $0 + $1.text.utf8.count }

        let store = try ContextStore.open(directory: options.directory, configuration: Configuration(durability: mode))
        let before = store.writeStatistics
        let progress = ProgressBar("ingest", total: segments.count)
        let chunks = stride(from: 0, to: segments.count, by: batch).map { Array(segments[$0..<min($0 + batch, segments.count)]) }
        let t1 = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var i = w
                    while i < chunks.count {
                        try await store.put(chunks[i])
                        progress.advance(by: chunks[i].count)
                        i += writers
                    }
                }
            }
            try await group.waitForAll()
        }
        try await store.sync()
        let ingestSeconds = Date().timeIntervalSince(t1)
        progress.finish()
        let after = store.writeStatistics

        let t2 = Date()
        var scanned = 0
        for p in store.projectIDs() { scanned += try store.scan(project: p).count }
        let scanSeconds = Date().timeIntervalSince(t2)
        store.close()

        let storeBytes = directorySize(options.directory)
        let results: [(String, String, Any)] = [
            ("segments", "\(segments.count)", segments.count),
            ("text MB", fmt(Double(textBytes) / 1e6), Double(textBytes) / 1e6),
            ("prepare s", fmt(prepareSeconds), prepareSeconds),
            ("ingest s", fmt(ingestSeconds), ingestSeconds),
            ("ingest segments/s", fmt(Double(segments.count) / ingestSeconds, 0), Double(segments.count) / ingestSeconds),
            ("ingest MB/s", fmt(Double(textBytes) / 1e6 / ingestSeconds), Double(textBytes) / 1e6 / ingestSeconds),
            ("group commits", "\(after.groups - before.groups)", after.groups - before.groups),
            ("fdatasyncs", "\(after.syncs - before.syncs)", after.syncs - before.syncs),
            ("writes", "\(after.writes - before.writes)", after.writes - before.writes),
            ("live segments (scan)", "\(scanned)", scanned),
            ("scan s", fmt(scanSeconds), scanSeconds),
            ("scan segments/s", fmt(Double(scanned) / scanSeconds, 0), Double(scanned) / scanSeconds),
            ("store MB", fmt(Double(storeBytes) / 1e6), Double(storeBytes) / 1e6),
            ("store / text", fmt(Double(storeBytes) / Double(textBytes), 3), Double(storeBytes) / Double(textBytes)),
        ]
        if json {
            var obj: [String: Any] = ["durability": durability, "writers": writers, "batch": batch, "store": options.directory]
            for (k, _, v) in results { obj[k.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "/", with: "_per_")] = v }
            print(jsonString(obj))
        } else {
            print("ctxstore stress: store \(options.directory), durability \(durability), \(writers) writers x \(batch) segments a put")
            let width = results.map(\.0.count).max()!
            for (k, v, _) in results { print(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
        }
    }
}

func fmt(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }

func directorySize(_ path: String) -> Int64 {
    var total: Int64 = 0
    if let walker = FileManager.default.enumerator(atPath: path) {
        for case let rel as String in walker {
            if let attrs = try? FileManager.default.attributesOfItem(atPath: path + "/" + rel),
               (attrs[.type] as? FileAttributeType) == .typeRegular {
                total += (attrs[.size] as? Int64) ?? 0
            }
        }
    }
    return total
}
