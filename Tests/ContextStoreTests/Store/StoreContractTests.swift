import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// The store-level points of the contract: opening without creating, a lock that names its
/// holder, `delete` that reports ids that were not live and creates nothing.
@Suite struct StoreContractTests {
    static func segment(_ id: String, project: String = "p", text: String = "hello world") -> ContextSegment {
        ContextSegment(segmentID: id, text: text, type: .note, projectID: project, createdAt: .now(), tier: .stashed)
    }

    static var readOnly: Configuration {
        var c = Configuration()
        c.createIfMissing = false
        return c
    }

    @Test func openWithoutCreateRefusesAMissingStoreAndCreatesNothing() throws {
        let tmp = TempDir("nostore"); defer { tmp.cleanup() }
        let missing = tmp.sub("typo/store")
        #expect(throws: StoreError.noStore(path: missing)) { _ = try ContextStore.open(directory: missing, configuration: Self.readOnly) }
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("typo")))
        // An empty directory is no store either, and stays empty (no LOCK).
        let empty = tmp.sub("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        #expect(throws: StoreError.noStore(path: empty)) { _ = try ContextStore.open(directory: empty, configuration: Self.readOnly) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
        #expect(throws: StoreError.noStore(path: empty)) { _ = try ContextStore.verify(directory: empty) }
        // A directory with other files is "not a store", as a creating open says too.
        try Data("x".utf8).write(to: URL(fileURLWithPath: empty + "/notes.txt"))
        #expect(throws: StoreError.notAStore(path: empty)) { _ = try ContextStore.open(directory: empty, configuration: Self.readOnly) }
        // A real store opens either way.
        try ContextStore.open(directory: tmp.sub("real")).close()
        try ContextStore.open(directory: tmp.sub("real"), configuration: Self.readOnly).close()
    }

    /// The LOCK names its holder while held, so a refused open can say who; it is empty
    /// again once released.
    @Test func theLockNamesItsHolder() throws {
        let tmp = TempDir("lockpid"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        let content = try String(contentsOfFile: tmp.sub("LOCK"), encoding: .utf8)
        #expect(content == "\(getpid())\nforwarding\n")  // the holder answers forwarded writes
        var alone = Configuration()
        alone.forwardWrites = false
        do {
            _ = try ContextStore.open(directory: tmp.path, configuration: alone)
            Issue.record("a second open succeeded")
        } catch {
            #expect(error == .locked(path: tmp.path, holderPID: getpid()))
            #expect(error.description.contains("in this process"))
        }
        // Another process's view: the description names the pid and its command line.
        let other = StoreError.locked(path: tmp.path, holderPID: 1)
        #expect(other.description.contains("process 1") && other.description.contains("wait for that process"))
        store.close()
        #expect(try String(contentsOfFile: tmp.sub("LOCK"), encoding: .utf8).isEmpty)
    }

    @Test func deleteReportsIDsThatWereNotLiveAndCreatesNoProject() async throws {
        let tmp = TempDir("delete"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        try await store.put([Self.segment("a"), Self.segment("b")])
        let report = try await store.delete(project: "p", ids: ["a", "ghost", "a", "b"])
        #expect(report.deleted == ["a", "b"])
        #expect(report.notLive == ["ghost"])
        #expect(try store.get(project: "p", ids: ["a", "b"]).isEmpty)
        // Deleting again: nothing is live, nothing is written.
        let writesBefore = store.writeStatistics.records
        let again = try await store.delete(project: "p", ids: ["a"])
        #expect(again.deleted.isEmpty && again.notLive == ["a"])
        #expect(store.writeStatistics.records == writesBefore)
        // A project that does not exist is not created by a delete.
        let none = try await store.delete(project: "nowhere", ids: ["x"])
        #expect(none.notLive == ["x"])
        #expect(try store.projectIDs() == ["p"])
    }

    /// The old layer's search edges: a non-empty query with no word matches nothing (only an
    /// absent or empty one lists everything), and a "" filter on file_path or task_id
    /// matches nothing even where segments have "" in that field.
    @Test func searchEdgesAnswerAsTheOldLayer() async throws {
        let tmp = TempDir("edges"); defer { tmp.cleanup() }
        let store = try ContextStore.open(directory: tmp.path)
        defer { store.close() }
        var a = Self.segment("a", text: "alpha !!! beta")
        a.filePath = ""
        a.taskID = ""
        var b = Self.segment("b", text: "gamma")
        b.filePath = "x.c"
        b.taskID = "t"
        try await store.put([a, b])
        for q in ["!!!", "   ", "\u{1F600}", "-- . --"] {
            #expect(try store.search(SearchQuery(project: "p", query: q)).totalMatches == 0, "\(q)")
        }
        #expect(try store.search(SearchQuery(project: "p", query: "")).totalMatches == 2)
        #expect(try store.search(SearchQuery(project: "p", query: "alpha !!!")).totalMatches == 1)
        #expect(try store.search(SearchQuery(project: "p", filters: SearchFilters(filePath: ""))).totalMatches == 0)
        #expect(try store.search(SearchQuery(project: "p", filters: SearchFilters(taskID: ""))).totalMatches == 0)
        #expect(try store.search(SearchQuery(project: "p", filters: SearchFilters(filePath: "x.c"))).totalMatches == 1)
    }
}
