import ContextStoreTestSupport
import Foundation
import Testing

@testable import ContextStore

/// Issue 17, defect 8: a store's projects are loaded at first use and the least recently
/// used evicted beyond `maxLoadedProjects`; descriptors and maps are bounded likewise. With
/// room for 3 projects of 40, every read and write, a reopen, a compaction, totals, a search
/// of every project and an export answer exactly as a model says, and the writer never holds
/// more than the bound.
@Suite struct ManyProjectsTests {
    static func configuration() -> Configuration {
        var c = Configuration()
        c.maxLoadedProjects = 3
        c.maxOpenLogFiles = 2
        c.maxMappedLogFiles = 2
        c.indexSealDocs = 6
        c.autoCompaction = false
        c.forwardWrites = false
        return c
    }

    static func segment(_ project: Int, _ n: Int, round: Int) -> ContextSegment {
        ContextSegment(segmentID: "s\(n)", text: "shared words project\(project) item\(n) round\(round)", type: .note,
                       projectID: "p\(project)", createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(round * 100 + n)),
                       tier: n % 3 == 0 ? .working : .stashed)
    }

    /// What the store answers for every project, compared with `model` (project -> id -> text).
    static func check(_ store: ContextStore, _ model: [String: [String: String]], _ label: String) throws {
        #expect(try store.projectIDs().sorted() == model.keys.sorted(), "\(label): project ids")
        for (project, live) in model {
            let got = try store.get(project: project, ids: (0..<12).map { "s\($0)" })
            #expect(Dictionary(uniqueKeysWithValues: got.map { ($0.segmentID, $0.text) }) == live, "\(label): get \(project)")
            let r = try store.search(SearchQuery(project: project, query: "shared", limit: 100))
            #expect(r.totalMatches == live.count && Set(r.segments.map(\.segmentID)) == Set(live.keys), "\(label): search \(project)")
            #expect(try store.totals(project: project)?.segments == live.count, "\(label): totals \(project)")
            #expect(Set(try store.scan(project: project).map(\.segmentID)) == Set(live.keys), "\(label): scan \(project)")
        }
        let all = try store.search(SearchQuery(project: nil, query: "shared", limit: 10_000))
        #expect(all.totalMatches == model.values.reduce(0) { $0 + $1.count }, "\(label): search of every project")
        let totals = try store.allTotals()
        #expect(totals.count == model.count && totals.allSatisfy { $0.totals.segments == model[$0.project]?.count }, "\(label): all totals")
    }

    @Test func fortyProjectsWithRoomForThreeAnswerExactly() async throws {
        let tmp = TempDir("many-projects"); defer { tmp.cleanup() }
        var model: [String: [String: String]] = [:]
        var store = try ContextStore.open(directory: tmp.path, configuration: Self.configuration())
        for round in 0..<3 {
            for project in 0..<40 {
                let segments = (0..<(round == 0 ? 12 : 3)).map { Self.segment(project, ($0 * 7 + round) % 12, round: round) }
                try await store.put(segments)
                for s in segments { model[s.projectID, default: [:]][s.segmentID] = s.text }
                if project % 5 == round {
                    _ = try await store.delete(project: "p\(project)", ids: ["s1", "s2"])
                    model["p\(project)"]?["s1"] = nil
                    model["p\(project)"]?["s2"] = nil
                }
                // A read of an older project between writes: loads it, evicting another.
                if project > 5 { _ = try store.get(project: "p\(project - 5)", ids: ["s0"]) }
            }
            try Self.check(store, model, "round \(round)")
            let loaded = try store.localWriter().performBlocking { $0.loadedSlots.count }
            #expect(loaded <= 3 + 1, "the writer holds at most the bound (and a load of the same group): \(loaded)")
            store.close()
            store = try ContextStore.open(directory: tmp.path, configuration: Self.configuration())
            try Self.check(store, model, "round \(round), reopened")
        }
        try await store.compact()
        try Self.check(store, model, "compacted")
        let out = tmp.sub("export")
        let report = try await store.export(to: out, format: .sharded)
        #expect(report.segments == model.values.reduce(0) { $0 + $1.count })
        store.close()
        #expect(try ContextStore.verify(directory: tmp.path).isSound)
    }

    /// A project beyond those open recovers is recovered at its first use: its torn tail
    /// is cut then (and reported), a corrupt one fails only its own uses, and sequence
    /// numbers keep increasing within it.
    @Test func aProjectIsRecoveredAtItsFirstUse() async throws {
        let tmp = TempDir("many-projects-late"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path, configuration: Self.configuration())
        for project in 0..<8 { try await store.put((0..<4).map { Self.segment(project, $0, round: 0) }) }
        store.close()
        // A torn tail (half a frame) on project 6's active file, a damaged header on 7's.
        func activeLog(_ number: Int) throws -> String {
            let dir = tmp.path + "/projects/" + String(repeating: "0", count: 15) + "\(number)/log"
            return dir + "/" + (try FileManager.default.contentsOfDirectory(atPath: dir).sorted().last!)
        }
        let torn = try Foundation.FileHandle(forWritingTo: URL(fileURLWithPath: try activeLog(7)))
        try torn.seekToEnd()
        try torn.write(contentsOf: Data([0x43, 0x58, 0x42, 0x31, 1, 2, 3]))
        try torn.close()
        let damaged = try Foundation.FileHandle(forWritingTo: URL(fileURLWithPath: try activeLog(8)))
        try damaged.seek(toOffset: 24)
        try damaged.write(contentsOf: Data([0xFF]))
        try damaged.close()

        let again = try ContextStore.open(directory: tmp.path, configuration: Self.configuration())
        defer { again.close() }
        #expect(again.recoveryReport.tornTails.isEmpty, "projects past the first 3 are not read at open")
        #expect(try again.get(project: "p6", ids: ["s0", "s3"]).count == 2)
        #expect(again.recoveryReport.tornTails.count == 1, "the torn tail is cut at the first use: \(again.recoveryReport)")
        #expect(throws: StoreError.self) { _ = try again.get(project: "p7", ids: ["s0"]) }
        try await again.put([Self.segment(6, 9, round: 1)])
        #expect(try again.get(project: "p6", ids: ["s9"]).count == 1)
        #expect(try again.get(project: "p0", ids: ["s1"]).count == 1, "other projects work")
    }

    /// `projectsLoadedAtOpen` 0: open reads the MANIFEST and loads no project, for a holder
    /// and for a reader beside it; each project loads at its first use, and every answer is
    /// the same as with a store loaded whole at open.
    @Test func openLoadsNoProjectWhenAskedAndAnswersTheSame() async throws {
        let tmp = TempDir("many-projects-lazy"); defer { tmp.cleanup() }
        var model: [String: [String: String]] = [:]
        var whole = Configuration()
        whole.autoCompaction = false
        var store = try ContextStore.open(directory: tmp.path, configuration: whole)
        for project in 0..<6 {
            let segments = (0..<5).map { Self.segment(project, $0, round: 0) }
            try await store.put(segments)
            for s in segments { model[s.projectID, default: [:]][s.segmentID] = s.text }
        }
        store.close()

        var lazy = whole
        lazy.projectsLoadedAtOpen = 0
        store = try ContextStore.open(directory: tmp.path, configuration: lazy)
        func loaded(_ s: ContextStore) throws -> Int { try s.localWriter().performBlocking { $0.loadedSlots.count } }
        #expect(try loaded(store) == 0, "open loads nothing")
        #expect(try store.search(SearchQuery(project: "p3", query: "shared", limit: 100)).totalMatches == 5)
        #expect(try loaded(store) == 1, "a query loads its own project")

        let reader = try ContextStore.open(directory: tmp.path, mode: .readOnly, configuration: lazy)
        guard case let .follower(follower, _) = reader.roles.withLock({ $0 }) else {
            Issue.record("a read-only handle follows"); return
        }
        #expect(follower.loadedCount == 0, "a reader's open loads nothing either")
        #expect(try reader.get(project: "p1", ids: ["s0"]).count == 1)
        #expect(follower.loadedCount == 1)
        try Self.check(reader, model, "reader, lazy")
        reader.close()

        try Self.check(store, model, "holder, lazy")
        store.close()
        store = try ContextStore.open(directory: tmp.path, configuration: whole)
        #expect(try loaded(store) == 6, "by default, open loads every project within maxLoadedProjects")
        try Self.check(store, model, "holder, whole")
        store.close()
    }

    /// A reader process's view beside the holder is bounded the same way: with room for 3
    /// projects and 8 held files, it answers every read of 40 projects exactly, holds no
    /// more than its bounds, and lets go of dropped projects' files, so the holder's
    /// compaction can delete its inputs; a refresh after the compaction answers exactly.
    @Test func aReaderBesideTheHolderKeepsWithinItsBounds() async throws {
        let tmp = TempDir("many-projects-reader"); defer { tmp.cleanup() }
        var model: [String: [String: String]] = [:]
        let holder = try ContextStore.open(directory: tmp.path, configuration: Self.configuration())
        defer { holder.close() }
        for round in 0..<2 {
            for project in 0..<40 {
                let segments = (0..<(round == 0 ? 12 : 3)).map { Self.segment(project, ($0 * 5 + round) % 12, round: round) }
                try await holder.put(segments)
                for s in segments { model[s.projectID, default: [:]][s.segmentID] = s.text }
            }
        }
        var readerConfiguration = Self.configuration()
        readerConfiguration.maxReaderHeldFiles = 8
        let reader = try ContextStore.open(directory: tmp.path, mode: .readOnly, configuration: readerConfiguration)
        defer { reader.close() }
        guard case let .follower(follower, _) = reader.roles.withLock({ $0 }) else {
            Issue.record("a read-only handle follows"); return
        }
        func bounded(_ label: String) {
            #expect(follower.loadedCount <= 3, "\(label): loaded \(follower.loadedCount)")
            // A project's own files come on top of the bound when it alone exceeds it.
            #expect(reader.pins.count <= 8 + 4, "\(label): held \(reader.pins.count)")
        }
        bounded("open")
        try Self.check(reader, model, "reader")
        bounded("after reading every project")

        // The holder rewrites every project and compacts: the inputs of projects the reader
        // dropped are deleted at once (none is held), the rest when the reader lets go.
        for project in 0..<40 {
            let segments = (0..<2).map { Self.segment(project, $0, round: 9) }
            try await holder.put(segments)
            for s in segments { model[s.projectID, default: [:]][s.segmentID] = s.text }
        }
        try await holder.compact()
        // Log files on disk that the MANIFEST no longer names: only those of the (at most
        // 3) projects the reader still holds may be left.
        let manifest = try Recovery.readManifest(holder.layout.manifest)
        let named = manifest.projects.reduce(0) { $0 + $1.files.count }
        let onDisk = try manifest.projects.reduce(0) { n, p in
            let dir = (holder.layout.logFile(project: p.number, file: 1) as NSString).deletingLastPathComponent
            return n + (try FileManager.default.contentsOfDirectory(atPath: dir).count)
        }
        #expect(onDisk - named <= 3 * 4, "compaction inputs kept for the reader: \(onDisk - named)")
        try reader.refresh()
        try Self.check(reader, model, "reader after the holder compacted")
        bounded("after the compaction")
        try Self.check(holder, model, "holder")
    }
}
