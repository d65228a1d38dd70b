import ContextStore
import Foundation

/// `ctxstore stress --export-import`: the store's live segments out to the sharded JSON
/// export and back into a fresh store, timed each way, with the peak resident memory of
/// each direction and a check that the round trip kept every project's totals.
///
/// - Export: `export(to: scratch/export, format: .sharded)` from the store (opened with
///   `autoCompaction = false`, so no background job runs meanwhile). MB/s = bytes written
///   (the files' sizes) / wall seconds.
/// - Import: `importFiles([scratch/export])` (the export read as an old-layer directory, as
///   `ctxstore import DIR` does) into the new store `scratch/store`. MB/s = bytes of input
///   read / wall seconds to the end of the commit (`ImportReport.megabytesPerSecond`).
/// - Peak RSS: the kernel's peak (VmHWM) is reset to the current resident size before each
///   direction and read after it, so each figure is that direction's own peak (which still
///   includes what the process held before it started: the RSS at start is printed too).
///   If the reset is refused, the figure is the process's lifetime peak (`rss_peak_reset`).
/// - Round trip: per project, live segments and tokens per tier (`ProjectTotals`) of the
///   source and of the imported store must be equal (projects with no live segment, which
///   export as empty files and import as nothing, are left out). With `--round-trip-bytes`
///   the imported store is exported again and the two exports are compared byte for byte.
///
/// Everything goes into a new directory `ctxstore-stress-<pid>-<n>` under `--scratch`
/// (default: the store's parent directory), removed at the end unless `--keep`.
struct ExportImportPhase {
    var directory: String
    var durability: Durability
    var scratchParent: String?
    var keep: Bool
    var compareBytes: Bool

    func run() async throws -> StressSection {
        let scratch = try makeScratchDirectory(parent: scratchParent, store: directory)
        defer { if !keep { try? FileManager.default.removeItem(atPath: scratch) } }
        let exportDirectory = scratch + "/export"
        let importedDirectory = scratch + "/store"

        var configuration = Configuration(durability: durability)
        configuration.autoCompaction = false

        // Export.
        let source = try ContextStore.open(directory: directory, configuration: configuration)
        let sourceTotals = try Self.totalsByProject(source)
        let exportBar = ProgressBar("export", total: sourceTotals.values.reduce(0) { $0 + $1.segments })
        var peakReset = ProcessMemory.resetPeak()
        let exportRSSStart = ProcessMemory.residentMB
        let exportStart = nowNanoseconds()
        let exported = try await source.export(to: exportDirectory, format: .sharded, progress: { exportBar.advance(by: $0) })
        let exportSeconds = Double(nowNanoseconds() - exportStart) / 1e9
        let exportPeak = ProcessMemory.peakMB
        exportBar.finish()
        source.close()

        // Import into a fresh store.
        let imported = try ContextStore.open(directory: importedDirectory, configuration: Configuration(durability: durability))
        let importBar = ByteProgressBar("import (bytes)")
        peakReset = ProcessMemory.resetPeak() && peakReset
        let importRSSStart = ProcessMemory.residentMB
        let report: ImportReport
        do {
            report = try await imported.importFiles([exportDirectory]) { importBar.update(done: Int64($0.bytesRead), total: Int64($0.totalBytes)) }
        } catch {
            importBar.finish()
            throw CommandFailure("stress --export-import: the import failed: \(error)")
        }
        let importPeak = ProcessMemory.peakMB
        importBar.finish()
        let importedTotals = try Self.totalsByProject(imported)

        var bytesEqual: Bool? = nil
        if compareBytes {
            let again = try await imported.export(to: scratch + "/export-again", format: .sharded)
            // Files are per project, named from the project id; the orders may differ.
            let names = { (files: [String]) in Set(files.map { URL(fileURLWithPath: $0).lastPathComponent }) }
            bytesEqual = names(exported.files) == names(again.files) && exported.files.allSatisfy {
                Self.sameBytes($0, scratch + "/export-again/stashed/" + URL(fileURLWithPath: $0).lastPathComponent)
            }
        }
        imported.close()
        let importedSize = storeSize(importedDirectory)

        // Figures.
        var r = StressSection(key: "export_import", title: "export / import (sharded, scratch \(scratch)\(keep ? ", kept" : ""))")
        let exportRate = Double(exported.bytes) / 1e6 / exportSeconds
        r.add("export segments, files", "\(exported.segments), \(exported.files.count)",
              [("export_segments", exported.segments), ("export_files", exported.files.count)])
        r.add("export MB, s, MB/s", "\(fmt(Double(exported.bytes) / 1e6)), \(fmt(exportSeconds)), \(showFigure(exportRate))",
              [("export_mb", Double(exported.bytes) / 1e6), ("export_seconds", exportSeconds), ("export_mb_per_s", jsonNumber(exportRate))])
        let exportGrowth = (exportPeak ?? .nan) - (exportRSSStart ?? .nan)
        r.add("export RSS MB at start, peak (growth)", "\(showFigure(exportRSSStart ?? .nan, 1)), \(showFigure(exportPeak ?? .nan, 1)) (+\(showFigure(exportGrowth, 1)))",
              [("export_rss_mb_at_start", jsonNumber(exportRSSStart ?? .nan)), ("export_peak_rss_mb", jsonNumber(exportPeak ?? .nan)),
               ("export_rss_growth_mb", jsonNumber(exportGrowth))])
        r.add("import segments", "import_segments", report.segments)
        r.add("import MB, s, MB/s", "\(fmt(Double(report.bytes) / 1e6)), \(fmt(report.seconds)), \(showFigure(report.megabytesPerSecond))",
              [("import_mb", Double(report.bytes) / 1e6), ("import_seconds", report.seconds),
               ("import_mb_per_s", jsonNumber(report.megabytesPerSecond))])
        let importGrowth = (importPeak ?? .nan) - (importRSSStart ?? .nan)
        r.add("import RSS MB at start, peak (growth)", "\(showFigure(importRSSStart ?? .nan, 1)), \(showFigure(importPeak ?? .nan, 1)) (+\(showFigure(importGrowth, 1)))",
              [("import_rss_mb_at_start", jsonNumber(importRSSStart ?? .nan)), ("import_peak_rss_mb", jsonNumber(importPeak ?? .nan)),
               ("import_rss_growth_mb", jsonNumber(importGrowth))])
        r.add("peak RSS reset per direction", "rss_peak_reset", peakReset)
        r.add("imported store MB", "imported_store_mb", Double(importedSize) / 1e6)

        let sum = { (t: [String: ProjectTotals]) in t.values.reduce((0, 0)) { ($0.0 + $1.segments, $0.1 + $1.tokens) } }
        let (sourceSegments, sourceTokens) = sum(sourceTotals)
        let (importedSegments, importedTokens) = sum(importedTotals)
        let mismatched = Set(sourceTotals.keys).union(importedTotals.keys).filter { sourceTotals[$0] != importedTotals[$0] }.count
        r.add("projects (source / imported)", "\(sourceTotals.count) / \(importedTotals.count)",
              [("projects_source", sourceTotals.count), ("projects_imported", importedTotals.count)])
        r.add("live segments (source / imported)", "\(sourceSegments) / \(importedSegments)",
              [("live_segments_source", sourceSegments), ("live_segments_imported", importedSegments)])
        r.add("tokens (source / imported)", "\(sourceTokens) / \(importedTokens)",
              [("tokens_source", sourceTokens), ("tokens_imported", importedTokens)])
        r.add("projects with different totals", "projects_mismatched", mismatched)
        r.add("round trip equal (totals)", "round_trip_equal", mismatched == 0)
        if let bytesEqual { r.add("re-export byte for byte equal", "round_trip_bytes_equal", bytesEqual) }
        r.note("rates", "export MB/s = bytes written / wall s; import MB/s = bytes read / wall s to the commit; "
            + "peak RSS = VmHWM after the direction, reset to VmRSS before it (growth = peak - RSS at start)")
        return r
    }

    /// Live totals per project, leaving out projects with no live segment.
    static func totalsByProject(_ store: ContextStore) throws -> [String: ProjectTotals] {
        var out: [String: ProjectTotals] = [:]
        for e in try store.allTotals() where e.totals.segments > 0 { out[e.project] = e.totals }
        return out
    }

    /// Whether two files hold the same bytes (read 1 MiB at a time).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard let fa = FileHandle(forReadingAtPath: a), let fb = FileHandle(forReadingAtPath: b) else { return false }
        defer { try? fa.close(); try? fb.close() }
        while true {
            let x = (try? fa.read(upToCount: 1 << 20)) ?? nil
            let y = (try? fb.read(upToCount: 1 << 20)) ?? nil
            if x != y { return false }
            if x == nil || x!.isEmpty { return true }
        }
    }
}
