import ArgumentParser
import ContextStore
import Foundation

struct PutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Store NDJSON segments read from stdin (one Docs/FORMAT.md segment object a line).",
        discussion: """
            Each line is validated (every Docs/FORMAT.md field, types and enum values); a bad line \
            stops the command with its line, column and what is wrong. Segments are written in \
            batches of --batch, each stored whole or not at all; reading, preparing and writing \
            overlap (the next batch is parsed and prepared while one is written). On an error, \
            the batches before it are stored, none after it, and the message says how many \
            segments that is. A segment with the same project and id as an \
            earlier one supersedes it.
            """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "Override every segment's tier (working, stashed or archive).") var tier: String?
    @Option(help: "Segments per write.") var batch = 1000
    @Flag(name: .long, help: "Print a JSON summary.") var json = false

    func run() async throws {
        var tierOverride: SegmentTier?
        if let tier {
            guard let t = SegmentTier(rawValue: tier) else { throw invalidChoice("--tier", tier, SegmentTier.self) }
            tierOverride = t
        }
        let store = try options.openForWriting()
        defer { closeReportingFailure(store) }
        let reader: SegmentFileReader
        do { reader = try SegmentFileReader(fileDescriptor: 0, name: "stdin") } catch {
            printError("ctxstore put: \(error)")
            throw ExitCode(1)
        }
        // Parsing (here), preparing (validation, tokens, encoding, analysis) and writing
        // overlap: each batch is handed to the pipeline and written after the one before.
        var pipeline = PutPipeline(store: store)
        var pending: [ContextSegment] = []
        do {
            while let s = try reader.next() {
                var s = s
                if let tierOverride { s.tier = tierOverride }
                pending.append(s)
                if pending.count >= batch {
                    try await pipeline.put(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try await pipeline.put(pending)
            try await pipeline.finish()
        } catch {
            // Batches in flight before a bad line are still written (a prefix of the input).
            var error = error
            if !(error is StoreError) {
                do { try await pipeline.finish() } catch let storeError {
                    printError("ctxstore put: \(error)")
                    error = storeError
                }
            }
            // Each batch is one write call, stored whole or not at all; those after a
            // failed one are never written.
            var message = "ctxstore put: \(error)\nctxstore put: \(pipeline.stored) segment(s) were stored before the error"
            if case .notAcknowledged? = error as? StoreError {
                message += "; the \(pipeline.failedBatchSize) of the failed batch may or may not be: the next open keeps or "
                    + "drops them whole (read them back, or put them again)"
            } else if error is StoreError {
                message += "; none of the failed batch of \(pipeline.failedBatchSize) was, nor any after it"
            }
            printError(message)
            throw ExitCode(1)
        }
        let stored = pipeline.stored
        // Lone surrogate escapes (which Python writes) are stored as U+FFFD (Docs/FORMAT.md section 1).
        let replaced = reader.replacedSurrogates
        if json {
            print(jsonString(["stored": stored, "replaced_surrogates": replaced]))
        } else {
            printError("stored \(stored) segment(s)")
            if replaced > 0 { printError("replaced \(replaced) lone surrogate escape(s) by U+FFFD") }
        }
    }
}
