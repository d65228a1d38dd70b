import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Checking an index file's section checksums reads every page of it; the reader then lets
/// the process forget those pages (`MappedFile.dropResidentPages`), so a searching process's
/// resident memory is what its reads touch, not the whole of every index it checked. The
/// answers do not change: the pages come back from the page cache as they are read.
@Suite struct IndexResidentPagesTests {
    @Test func checkedSectionsAreNotKeptResident() async throws {
        #if os(Linux)
        let tmp = TempDir("resident"); defer { tmp.cleanup() }
        let dir = tmp.sub("store")
        let words = (0..<4000).map { "word\($0)" }
        do {
            let store = try ContextStore.open(directory: dir)
            // A file of several MB: each section's check may leave a few pages resident at
            // its edges, and its first faults map back up to a fault-around block (64 KiB)
            // of the sections checked before it, so the file must be large beside those.
            for chunk in 0..<6 {
                let segments = (0..<6000).map { n in
                    let i = chunk * 6000 + n
                    return ContextSegment(segmentID: "s\(i)", text: (0..<30).map { words[($0 * 131 + i * 17) % words.count] }.joined(separator: " "),
                                          type: .note, projectID: "p", createdAt: .now(), tokens: 30)
                }
                try await store.put(segments)
            }
            _ = try await store.compact()
            store.close()
        }
        let layout = StoreLayout(root: dir)
        let indexDir = layout.indexDirectory(1)
        let name = try #require(FileSystem.list(indexDir).first { $0.hasSuffix(".idx") })
        let path = indexDir + "/" + name
        let size = Int(try FileSystem.fileSize(path))
        #expect(size > 4 << 20, "an index file of many pages (\(size) bytes)")
        let reader = try IndexFileReader(path: path, number: UInt32(name.dropLast(4), radix: 16)!, project: 1)
        _ = reader.checkAllSections()  // (the page cache holds the file: it was just written)
        let resident = ResidentMemory.kilobytes(of: path)
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(ResidentMemory.kilobytes(of: exe) > 0, "smaps is read: the test binary itself is resident")
        #expect(resident >= 0 && resident * 1024 < size / 4,
                "\(resident) KB of a \(size / 1024) KB file stay resident after the checks")
        #expect(reader.damage == nil)
        // Reads after the drop see the same bytes: every term still finds its documents.
        let store = try ContextStore.open(directory: dir, mode: .readOnly)
        defer { store.close() }
        for w in ["word0", "word1999", "word3999"] {
            #expect(try store.search(SearchQuery(project: "p", query: w)).totalMatches > 0, "\(w)")
        }
        withExtendedLifetime(reader) {}
        #endif
    }
}
