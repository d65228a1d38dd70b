import ArgumentParser
import ContextStore
import Foundation

/// `ctxstore compact`: a full compaction of every project, with what it reclaimed.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Compact the whole store now: drop superseded and deleted records, merge files.",
        discussion: """
            Seals what is in memory, then rewrites every project's index files and logs into \
            one of each, keeping only the live version of each segment (compaction also runs \
            in the background; this runs all of it now and waits). Readers and writers of \
            other handles are not affected; a killed compaction leaves the store as it was \
            before. A progress bar shows the log bytes read on a terminal.

            Prints the store's files, bytes and log records before and after; --json prints \
            {"before": {"files": N, "bytes": N, "records": N}, "after": {...}, \
            "reclaimed_bytes": N, "records_dropped": N, "jobs": N, "seconds": S}.

            Exit status: \(ExitStatus.summary)
            """
    )

    @OptionGroup var options: StoreOptions
    @Flag(name: .long, help: "Print the report as one JSON object.") var json = false

    func run() async throws {
        let store = try options.openForWriting()
        var closed = false
        defer { if !closed { closeReportingFailure(store) } }
        let before = StoreFootprint(directory: options.directory)
        let progress = ByteProgressBar("compact (log bytes)")
        let t0 = Date()
        let report = try await store.compact { done, total in progress.update(done: done, total: total) }
        progress.finish()
        let seconds = Date().timeIntervalSince(t0)
        // Replaced files go once nothing reads them; closing makes sure they have gone.
        closeReportingFailure(store)
        closed = true
        let after = StoreFootprint(directory: options.directory)
        // A full compaction rewrites every record of the store: what it read is every log
        // record before, what it kept is every record after.
        let recordsBefore = report.recordsIn, recordsAfter = report.recordsOut
        if json {
            print(jsonString([
                "before": ["files": before.files, "bytes": before.bytes, "records": recordsBefore],
                "after": ["files": after.files, "bytes": after.bytes, "records": recordsAfter],
                "reclaimed_bytes": before.bytes - after.bytes, "records_dropped": recordsBefore - recordsAfter,
                "jobs": report.jobs, "seconds": seconds,
            ] as [String: Any]))
        } else {
            print("""
                before: \(before.files) files, \(byteCount(before.bytes)), \(recordsBefore) records
                after:  \(after.files) files, \(byteCount(after.bytes)), \(recordsAfter) records
                reclaimed \(byteCount(max(0, before.bytes - after.bytes))) and \(recordsBefore - recordsAfter) \
                records in \(String(format: "%.2f", seconds)) s (\(report.jobs) job(s))
                """)
        }
    }
}

/// "12.3 MB" (decimal units, as `ls -h --si` and disk vendors count).
func byteCount(_ n: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var v = Double(n)
    var u = 0
    while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
    return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
}
