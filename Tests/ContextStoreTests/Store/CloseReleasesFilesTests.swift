import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `close()` lets go of the store's files: no mapping of an index or log file and no open
/// descriptor under the store directory is left, whether or not the handle itself is still
/// referenced, so a process that opens and closes stores for as long as it runs does not
/// accumulate maps (each is one of `vm.max_map_count`) or resident file pages.
@Suite struct CloseReleasesFilesTests {
    /// The lines of /proc/self/maps and the targets of /proc/self/fd under `directory`.
    static func held(under directory: String) -> (maps: [String], descriptors: [String]) {
        let maps = ((try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init).filter { $0.contains(directory + "/") }
        let fds = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)
        }.filter { $0.hasPrefix(directory + "/") }
        return (maps, fds)
    }

    static func segments(_ n: Int, project: String) -> [ContextSegment] {
        (0..<n).map { i in
            ContextSegment(segmentID: "s\(i)", text: "alpha beta \(i) gamma \(i % 7)", type: .note, projectID: project,
                           createdAt: .now(), tokens: 6)
        }
    }

    @Test func closeUnmapsAndClosesEveryFile() async throws {
        #if os(Linux)
        let tmp = TempDir("close-files"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        var configuration = Configuration()
        configuration.indexSealDocs = 50  // index files to map
        do {
            let store = try ContextStore.open(directory: dir, configuration: configuration)
            for p in ["p", "q"] { try await store.put(Self.segments(200, project: p)) }
            _ = try await store.compact()
            store.close()
        }
        for round in 0..<3 {
            let store = try ContextStore.open(directory: dir, configuration: configuration)
            for p in ["p", "q"] {
                let hits = try store.search(SearchQuery(project: p, query: "gamma", limit: 20))
                #expect(hits.totalMatches == 200)
                #expect(try store.get(project: p, ids: hits.hits.map(\.segmentID)).count == 20)
            }
            #expect(!Self.held(under: dir).maps.isEmpty, "an open store maps its files")
            store.close()
            let (maps, descriptors) = Self.held(under: dir)
            #expect(maps.isEmpty, "round \(round): still mapped after close:\n\(maps.joined(separator: "\n"))")
            #expect(descriptors.isEmpty, "round \(round): still open after close: \(descriptors)")
            withExtendedLifetime(store) {}
        }
        #endif
    }

    /// A closed handle that is no longer referenced is freed with its read view (no
    /// reference cycle keeps the view, the writer or their caches alive: the view's loader
    /// refers to the writer, whose state refers to the view), for a holder and for a
    /// read-only reader beside it.
    @Test func aClosedHandleIsFreed() async throws {
        let tmp = TempDir("close-freed"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        weak var holderRef: ContextStore?
        weak var readerRef: ContextStore?
        weak var holderView: ReadView?
        weak var readerView: ReadView?
        do {
            let holder = try ContextStore.open(directory: dir)
            try await holder.put(Self.segments(20, project: "p"))
            let reader = try ContextStore.open(directory: dir, mode: .readOnly)
            #expect(try reader.search(SearchQuery(project: "p", query: "alpha")).totalMatches == 20)
            #expect(try holder.search(SearchQuery(project: "p", query: "alpha")).totalMatches == 20)
            holderRef = holder
            readerRef = reader
            holderView = holder.view
            readerView = reader.view
            reader.close()
            holder.close()
        }
        // Threads that were stopping may hold a reference for a moment.
        for _ in 0..<200 where holderRef != nil || readerRef != nil || holderView != nil || readerView != nil {
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        #expect(holderRef == nil, "the closed holder is still alive")
        #expect(readerRef == nil, "the closed reader is still alive")
        #expect(holderView == nil, "the closed holder's view is still alive")
        #expect(readerView == nil, "the closed reader's view is still alive")
    }
}
