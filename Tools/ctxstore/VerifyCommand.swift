import ArgumentParser
import ContextStore

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum and cross-reference of a store; exit 0 only if it is sound.",
        discussion: """
            Reads the store without changing it (no lock is taken): the MANIFEST checksum, each \
            log file's header, sealed sizes and record counts, every batch checksum, that every \
            batch decompresses and decodes, and that sequence numbers increase. A torn tail on \
            an active log (left by a crash, cut off by the next open) is a warning. Exit status: \
            0 sound, \(ExitStatus.incomplete) damaged, \(ExitStatus.failure) unreadable (no store at the path, or an \
            unreadable MANIFEST).
            """
    )

    @OptionGroup var options: StoreOptions
    @Flag(name: .long, help: "Print the report as JSON.") var json = false

    func run() async throws {
        let report: VerifyReport
        do {
            report = try ContextStore.verify(directory: options.directory)
        } catch {
            printError("ctxstore verify: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
        if json {
            print(jsonString([
                "sound": report.isSound, "projects": report.projects, "files": report.files,
                "batches": report.batches, "records": report.records, "bytes": report.bytes,
                "problems": report.problems, "warnings": report.warnings,
            ] as [String: Any]))
        } else {
            for p in report.problems { printError("problem: \(p)") }
            for w in report.warnings { printError("warning: \(w)") }
            print("\(report.isSound ? "sound" : "DAMAGED"): \(report.projects) projects, \(report.files) files, "
                + "\(report.batches) batches, \(report.records) records, \(report.bytes) bytes")
        }
        if !report.isSound { throw ExitCode(ExitStatus.incomplete) }
    }
}
