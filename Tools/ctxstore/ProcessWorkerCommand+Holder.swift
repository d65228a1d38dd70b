import ContextStore
import Foundation

/// `process-worker --role holder`: opens the store for writing (it must become the holder)
/// and puts batch after batch; batch k is one `put` of the six segments `b<k>-0...5`, so a
/// reader that sees some of batch k and not all has seen a torn batch.
struct ProcessWorkerHolder {
    let command: ProcessWorkerCommand

    /// The segments of batch `k`: short texts (one log batch holds them all) with the words
    /// `batch<k>` and `common`, so `common` matches six segments a batch.
    static func batch(_ k: Int, project: String) -> [ContextSegment] {
        (0..<6).map { j in
            ContextSegment(segmentID: "b\(k)-\(j)", text: "batch\(k) common part\(j) of six", type: .note, projectID: project,
                           createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(k * 6 + j)))
        }
    }

    func run() async throws {
        let stopSource = installStopOnSIGTERM()
        defer { stopSource.cancel() }
        var configuration = Configuration(durability: .syncEachBatch, logFileSize: command.logFileSize,
                                          indexSealDocs: command.sealDocs)
        configuration.compactionMergeFactor = 3
        let store = try ContextStore.open(directory: command.options.directory, configuration: configuration)
        emit("role \(store.role)\n")
        guard store.role == .holder else {
            printError("process-worker holder: the store is held by another process (this handle is a \(store.role))")
            Foundation.exit(1)
        }
        if command.idle {
            emit("ready\n")
            while !processWorkerStop.load(ordering: .acquiring) { try await Task.sleep(nanoseconds: 20_000_000) }
            store.close()
            return
        }
        let project = command.project, limit = command.count
        try await withThrowingTaskGroup(of: Void.self) { group in
            if command.compact {
                group.addTask {
                    var n = 0
                    while !Task.isCancelled && !processWorkerStop.load(ordering: .acquiring) {
                        try await store.compact()
                        n += 1
                        emit("compacted \(n)\n")
                        try await Task.sleep(nanoseconds: 5_000_000)
                    }
                }
            }
            var k = 0
            while !processWorkerStop.load(ordering: .acquiring) && (limit == nil || k < limit!) {
                try await store.put(Self.batch(k, project: project))
                emit("ack \(k)\n")
                k += 1
            }
            // Close first: a compaction in flight (or still waiting for the compaction
            // thread) then ends with `.closed` instead of holding the exit up.
            group.cancelAll()
            store.close()
            do { try await group.waitForAll() } catch StoreError.closed {} catch is CancellationError {}
        }
        store.close()
    }
}
