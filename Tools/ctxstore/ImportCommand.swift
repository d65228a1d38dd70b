import ArgumentParser
import ContextStore
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import segment files and old-layer directories, all or nothing.",
        discussion: """
            Each FILE is NDJSON (one segment a line), sharded or monthly ({"segments": [...]}), \
            a legacy storage.json or one segment object (a spill file), detected from its \
            content. Each DIR is a directory of the old layer (a migration): its storage.json \
            first, then stashed/*.json, then its spill files evicted/*.json (working segments \
            the old layer's cache wrote out; the latest versions), each in byte order of the \
            names; other entries are listed as ignored and not read. Inputs are read in the \
            order given, and a later segment with the same project and id supersedes an \
            earlier one; a segment's project is its project_id, never a file name. The inputs \
            are only read: never written, moved or locked.

            A lone surrogate escape ("\\ud800" without its pair), which Python writes and \
            reads, is stored as U+FFFD and counted; invalid UTF-8 bytes are an error.

            All or nothing: the segments of every input become visible together at the end. \
            If any input is not valid JSON, holds an invalid segment (its fields, an unknown \
            enum value, a string over 64 MiB, nesting over 64 levels, a project_id over \
            64 KiB) or cannot be read, the command names the file, the segment's index and \
            its line and column on stderr, exits with status 1, and nothing is imported.

            Prints a summary with the input throughput (MB/s = bytes of input / wall seconds), \
            the spill files read and the lone surrogates replaced; --json prints it as \
            {"files": [{"path", "format", "segments", "bytes", "spill", "replaced_surrogates"}], \
            "ignored": [...], "segments", "bytes", "spill_files", "spill_segments", \
            "replaced_surrogates", "seconds", "mb_per_s"}.
            """
    )

    @OptionGroup var options: StoreOptions
    @Flag(name: .long, help: "Print a JSON summary on stdout.") var json = false
    /// Crash tests: seal staged index files every N docs, so kills land between seals too.
    @Option(name: .customLong("seal-docs"), help: .hidden) var sealDocs: Int?
    @Argument(help: ArgumentHelp("Segment files and old-layer directories, read in this order.",
                                 valueName: "FILE_OR_DIR"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one FILE or DIR to import") }
    }

    func run() async throws {
        var configuration = Configuration()
        if let sealDocs { configuration.indexSealDocs = max(1, sealDocs) }
        let store = try ContextStore.open(directory: options.directory, configuration: configuration)
        defer { closeReportingFailure(store) }
        var bar: ProgressBar?
        var shown = 0
        let report: ImportReport
        do {
            report = try await store.importFiles(paths) { p in
                if bar == nil { bar = ProgressBar("import (bytes)", total: p.totalBytes) }
                bar?.advance(by: p.bytesRead - shown)
                shown = p.bytesRead
            }
        } catch {
            bar?.finish()
            printError("ctxstore import: \(error)\nctxstore import: nothing was imported")
            throw ExitCode(1)
        }
        bar?.finish()
        for path in report.ignored {
            printError("ctxstore import: ignored \(path) (not a storage.json, stashed/*.json or evicted/*.json file)")
        }
        if json {
            let files: [[String: Any]] = report.files.map {
                ["path": $0.path, "format": $0.format.rawValue, "segments": $0.segments, "bytes": $0.bytes,
                 "spill": $0.isSpill, "replaced_surrogates": $0.replacedSurrogates]
            }
            print(jsonString([
                "files": files, "ignored": report.ignored, "segments": report.segments, "bytes": report.bytes,
                "spill_files": report.spillFiles, "spill_segments": report.spillSegments,
                "replaced_surrogates": report.replacedSurrogates,
                "seconds": report.seconds, "mb_per_s": report.megabytesPerSecond,
            ] as [String: Any]))
        } else {
            for f in report.files {
                let replaced = f.replacedSurrogates > 0 ? ", \(f.replacedSurrogates) lone surrogate(s) replaced" : ""
                printError("  \(f.path): \(f.format.rawValue)\(f.isSpill ? " (spill file)" : ""), \(f.segments) segment(s), "
                    + "\(f.bytes) bytes\(replaced)")
            }
            print("imported \(report.segments) segment(s) from \(report.files.count) file(s), \(report.bytes) bytes in "
                + "\(fmt(report.seconds)) s (\(fmt(report.megabytesPerSecond)) MB/s)")
            if report.spillFiles > 0 {
                print("spill files: \(report.spillSegments) segment(s) from \(report.spillFiles) evicted/*.json file(s)")
            }
            if report.replacedSurrogates > 0 {
                print("replaced \(report.replacedSurrogates) lone surrogate escape(s) by U+FFFD")
            }
        }
    }
}
