import ArgumentParser
import ContextStore
import Foundation

/// `ctxstore stash` and `ctxstore unstash`: move segments between the working tier (kept in
/// the active tier's memory) and the stashed tier (on disk only, still live and searchable).
/// Both are thin wrappers around `ContextStore.stash` / `unstash`; the shared reporting is
/// in `TierMove`.
struct StashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stash",
        abstract: "Move working segments to the stashed tier (out of the active tier's memory).",
        discussion: TierMove.discussion(verb: "stash", from: .working, to: .stashed)
    )

    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("The project the segments belong to.", valueName: "PROJECT")) var project: String
    @Flag(name: .long, help: #"Print {"moved": [...], "tokens": N, "errors": {"id": "reason"}} on stdout."#)
    var json = false
    @Argument(help: ArgumentHelp("Ids of working segments to stash.", valueName: "ID")) var ids: [String]

    func run() async throws {
        try await TierMove(options: options, project: project, ids: ids, json: json, to: .stashed).run()
    }
}

struct UnstashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unstash",
        abstract: "Move stashed segments back to the working tier (and into the active tier).",
        discussion: TierMove.discussion(verb: "unstash", from: .stashed, to: .working)
    )

    @OptionGroup var options: StoreOptions
    @Option(help: ArgumentHelp("The project the segments belong to.", valueName: "PROJECT")) var project: String
    @Flag(name: .long, help: #"Print {"moved": [...], "tokens": N, "errors": {"id": "reason"}} on stdout."#)
    var json = false
    @Argument(help: ArgumentHelp("Ids of stashed segments to bring back.", valueName: "ID")) var ids: [String]

    func run() async throws {
        try await TierMove(options: options, project: project, ids: ids, json: json, to: .working).run()
    }
}

/// One run of `stash` or `unstash`: the move, then its report on stdout and stderr.
private struct TierMove {
    let options: StoreOptions
    let project: String
    let ids: [String]
    let json: Bool
    let to: SegmentTier

    static func discussion(verb: String, from: SegmentTier, to: SegmentTier) -> String {
        """
        Each ID must be a live \(from.rawValue) segment of --project; it is rewritten (durably, \
        token counts kept) with tier \(to.rawValue). An id given twice is moved once.

        Output: a line "\(to == .stashed ? "stashed" : "unstashed") <id>" per moved segment in the \
        order given, then a summary line with the count and the tokens moved. Each id that \
        could not be moved (unknown or deleted, or in another tier) gets a line \
        "<id>: <reason>" on stderr, and the exit status is then \(ExitStatus.incomplete); the other ids are still \
        moved. With --json the output is one object instead: {"moved": [ids], "tokens": N, \
        "errors": {"id": "reason"}} (exit status as above).

        Examples:
          ctxstore \(verb) --project myproj seg-1 seg-2
          ctxstore \(verb) --store /tmp/ctx --project myproj --json seg-3
        """
    }

    func run() async throws {
        let store = try options.openForWriting()
        defer { closeReportingFailure(store) }
        let report = to == .stashed ? try await store.stash(project: project, ids: ids)
                                    : try await store.unstash(project: project, ids: ids)
        let errors = failures(report)
        if json {
            FileHandle.standardOutput.write(Data(jsonReport(report, errors: errors)))
        } else {
            let verb = to == .stashed ? "stashed" : "unstashed"
            var out = ""
            for id in report.moved { out += "\(verb) \(id)\n" }
            out += "\(report.moved.count) segment(s) \(verb), \(report.tokens) token(s)\n"
            FileHandle.standardOutput.write(Data(out.utf8))
            for (id, reason) in errors { printError("\(id): \(reason)") }
        }
        if !errors.isEmpty { throw ExitCode(ExitStatus.incomplete) }
    }

    /// The ids not moved with their reasons, in the order given, each once. Ids are matched
    /// by UTF-8 bytes (an NFC and an NFD spelling are two ids), which a `[String: _]` lookup
    /// alone would not do.
    private func failures(_ report: TierChangeReport) -> [(id: String, reason: String)] {
        var seen = Set<[UInt8]>(report.moved.map { Array($0.utf8) })
        var out: [(String, String)] = []
        for id in ids where seen.insert(Array(id.utf8)).inserted {
            let failure = report.errors.first { $0.id.utf8.elementsEqual(id.utf8) }
            out.append((id, failure?.error.description ?? TierChangeError.unknownID.description))
        }
        return out
    }

    /// Written by hand, not with JSONSerialization: ids are kept byte for byte and in the
    /// order given (a Swift dictionary would merge canonically equal ids and reorder them).
    private func jsonReport(_ report: TierChangeReport, errors: [(id: String, reason: String)]) -> [UInt8] {
        var out = Array(#"{"moved":["#.utf8)
        for (i, id) in report.moved.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += JSONSegmentEncoder.encode(id)
        }
        out += Array(#"],"tokens":\#(report.tokens),"errors":{"#.utf8)
        for (i, e) in errors.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += JSONSegmentEncoder.encode(e.id) + [UInt8(ascii: ":")] + JSONSegmentEncoder.encode(e.reason)
        }
        out += Array("}}\n".utf8)
        return out
    }
}
