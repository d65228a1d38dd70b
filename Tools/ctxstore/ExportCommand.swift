import ArgumentParser
import ContextStore
import Foundation

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the store's live segments in the inherited JSON formats.",
        discussion: """
            Formats: sharded (stashed/<project>.json, the default), monthly \
            (stashed/<project>_<YYYY-MM>.json by month of created_at), legacy (storage.json with \
            its derived indexes) and ndjson (segments.ndjson, one compact segment a line). Files \
            are byte for byte what the old layer's json.dump(..., indent=2) wrote, segments in the \
            order of their latest write. A file is named after its project id as it is, as the \
            old layer named it (stashed/with space.json), wherever the id is a valid file name; \
            other ids (with / or NUL, empty, . or .., too long) are escaped (bytes outside \
            A-Z a-z 0-9 _ - become %XX), and an escaped name that another project holds as it \
            is gets a ~<hash> suffix, so no two projects share a file and nothing is written \
            outside --out (SPEC.md section 10). Streaming: memory stays flat whatever the \
            store's size.
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("Output directory (created if missing).", valueName: "DIR")) var out: String
    @Option(help: "sharded, monthly, legacy or ndjson.") var format = "sharded"
    @Option(help: "Only these projects (repeat).") var project: [String] = []
    @Flag(name: .long, help: "Print a JSON summary.") var json = false

    func run() async throws {
        guard let f = ExportFormat(rawValue: format) else {
            throw ValidationError("--format must be sharded, monthly, legacy or ndjson")
        }
        let store = try options.openExisting()
        defer { closeReportingFailure(store) }
        let projects = project.isEmpty ? try store.projectIDs() : project
        let total = try projects.reduce(0) { $0 + (try store.totals(project: $1)?.segments ?? 0) }
        let bar = ProgressBar("export", total: total)
        let t0 = Date()
        let report = try await store.export(to: out, format: f, projects: projects, progress: { bar.advance(by: $0) })
        bar.finish()
        let seconds = Date().timeIntervalSince(t0)
        if json {
            print(jsonString(["segments": report.segments, "files": report.files.count, "bytes": report.bytes,
                              "seconds": seconds, "mb_per_s": Double(report.bytes) / 1e6 / max(seconds, 1e-9)]))
        } else {
            printError("exported \(report.segments) segment(s) to \(report.files.count) file(s), \(report.bytes) bytes in \(fmt(seconds)) s")
        }
    }
}
