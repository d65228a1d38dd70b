import ArgumentParser
import ContextStore
import Foundation

/// `ctxstore backup`: an online, consistent copy of a store (`ContextStore.backup(to:)`).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store, while it is in use, into a new directory that opens as a store.",
        discussion: """
            Online and consistent: the store stays in use (another process may hold it and \
            keep writing; backup then reads beside it, as the read commands do). The copy is \
            one MANIFEST publish of the store and the files it names, each held while it is \
            copied (a bounded number at a time, so a store of any size copies under a small \
            ulimit -n) so that no compaction deletes it, with each active log cut at its last \
            whole batch; if the store retires a file before it is reached, the backup starts \
            over from the store's new MANIFEST. It holds every write acknowledged before the \
            backup began, in every project that existed then. The store itself is only read.

            --to must not exist (it is created) or must be an empty directory, outside the \
            store; anything else is refused and nothing is changed. Sealed log files, index \
            files and deletion files, which are never written again, are hard-linked into the \
            copy when it is on the same file system (instant, no extra space; the copy then \
            shares those bytes with the store), else copied; --copy copies every file (an \
            independent copy, for another disk or against damage to this one). Active log \
            files are always copied. Every file and directory is synced and the MANIFEST is \
            written last: a copy interrupted before it has no MANIFEST and is never taken \
            for a store, and a failed backup removes what it wrote.

            The copy is a store like any other: 'ctxstore verify --store DIR' checks it, and \
            any command opens it. A progress bar shows the bytes on a terminal. --json prints \
            {"directory": D, "publish_number": N, "projects": N, "files": N, "linked_files": N, \
            "copied_files": N, "bytes": N, "copied_bytes": N, "seconds": S}.

            Exit status: \(ExitStatus.summary)
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("The copy's directory: new, or empty (created with missing parents).", valueName: "DIR"))
    var to: String
    @Flag(name: .long, help: "Copy every file instead of hard-linking the ones never written again.") var copy = false
    @Flag(name: .long, help: "Print the report as one JSON object.") var json = false

    func run() async throws {
        let store = try options.openExisting()
        defer { closeReportingFailure(store) }
        let bar = ByteProgressBar("backup (bytes)")
        let t0 = Date()
        let report = try store.backup(to: to, hardLinks: !copy) { done, total in bar.update(done: done, total: total) }
        bar.finish()
        let seconds = Date().timeIntervalSince(t0)
        if json {
            print(jsonString([
                "directory": report.directory, "publish_number": report.publishNumber, "projects": report.projects,
                "files": report.files, "linked_files": report.linkedFiles, "copied_files": report.copiedFiles,
                "bytes": report.bytes, "copied_bytes": report.copiedBytes, "seconds": seconds,
            ] as [String: Any]))
        } else {
            printError("backed up \(report.projects) project(s) to \(report.directory): \(report.files) file(s), "
                + "\(byteCount(report.bytes)) (\(report.linkedFiles) linked, \(report.copiedFiles) copied, "
                + "\(byteCount(report.copiedBytes)) written) in \(fmt(seconds)) s")
        }
    }
}
