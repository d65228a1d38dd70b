import ContextStore
import Foundation

/// `process-worker --role writer`: opens the store for writing while another process holds
/// it (so its handle forwards), and puts one segment at a time to ids shared with other
/// writers, reporting each on stdout (t: `monotonicNow()`, comparable across processes):
///   `role <role>`                          first, and again whenever the role changes
///                                          (a forwarder whose holder died takes over);
///   `send <id> <name>:<n> <t0>`            before put n starts;
///   `ack <id> <name>:<n> <t1>`             after it returned (durable);
///   `fail <id> <name>:<n> <t1> <reason>`   after it threw `notAcknowledged` (the holder died
///                                          in flight: applied or not, either is legal).
/// The text of put n is `writer <name> value <n>`. With `--read-own`, a `get` right after each
/// acknowledged put must see it (or a write of another writer); then `--count` more puts to
/// ids only this writer uses, `own-<name>-<n>`, must each be read back exactly. With
/// `--stop-file`, the shared-id puts go on past `--count` until that file exists.
struct ProcessWorkerWriter {
    let command: ProcessWorkerCommand

    func run() async throws {
        var configuration = Configuration()
        configuration.createIfMissing = false
        let store = try ContextStore.open(directory: command.options.directory, configuration: configuration)
        defer { store.close() }
        var role = store.role
        emit("role \(role)\n")
        var rng = SplitMix(seed: command.seed)
        let count = command.count ?? 20
        var n = 0
        // With --stop-file the writer outlasts its --count until told to stop, so a test can
        // be sure it is still writing when it kills the holder, however slowly it reads.
        while n < count || (command.stopFile.map { !FileManager.default.fileExists(atPath: $0) } ?? false) && n < count * 10_000 {
            try await put(store, id: "w\(rng.next() % UInt64(command.ids))", n: n, exact: false)
            n += 1
            if store.role != role {
                role = store.role
                emit("role \(role)\n")
            }
        }
        if command.readOwn {
            for n in 0..<count {
                try await put(store, id: "own-\(command.name)-\(n)", n: n, exact: true)
                if store.role != role {
                    role = store.role
                    emit("role \(role)\n")
                }
            }
        }
    }

    /// One reported put of value n to `id`, then (`--read-own`) its read-back: with `exact`
    /// the id is this writer's alone, so `get` must return this very text; else any writer's
    /// text, but never an older value of this writer (that would be a lost read-your-write).
    func put(_ store: ContextStore, id: String, n: Int, exact: Bool) async throws {
        let name = command.name
        let text = "writer \(name) value \(n)"
        let segment = ContextSegment(segmentID: id, text: text, type: .note, projectID: command.project,
                                     createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(n)))
        emit("send \(id) \(name):\(n) \(monotonicNow())\n")
        do throws(StoreError) {
            try await store.put(segment)
        } catch {
            guard case let .notAcknowledged(reason) = error else { throw error }
            let oneLine = reason.replacingOccurrences(of: "\n", with: " ")
            emit("fail \(id) \(name):\(n) \(monotonicNow()) \(oneLine)\n")
            return
        }
        emit("ack \(id) \(name):\(n) \(monotonicNow())\n")
        guard command.readOwn else { return }
        let got = try store.get(project: command.project, ids: [id])
        guard let seen = got.first?.text else { violation("\(id) not found right after its put \(name):\(n) was acknowledged") }
        if exact ? seen != text : (seen.hasPrefix("writer \(name) value ") && seen != text) {
            violation("right after the put \(name):\(n) of \(id) was acknowledged, get returned \"\(seen)\"")
        }
    }
}
