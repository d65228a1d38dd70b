import ContextStoreTestSupport
import Foundation
import Testing

@testable import ContextStore

/// A reader process reads the MANIFEST while the holder renames new versions over it (found
/// by the multi-process crash test: "body length 13816 does not match file size 13820").
/// A whole-file map takes its size from the descriptor it maps, so every read sees one
/// version whole, never the size of one and the bytes of another.
@Suite struct ManifestReadRaceTests {
    @Test func aManifestReadWhilePublishesRenameNewVersionsIsAlwaysWhole() throws {
        let tmp = TempDir("manifest-race"); defer { tmp.cleanup() }
        let path = tmp.sub("MANIFEST")
        // Versions of different sizes (as a MANIFEST grows with its projects), each whole.
        let versions: [[UInt8]] = (1...8).map { n in
            [UInt8]("version \(n)\n".utf8) + [UInt8](repeating: UInt8(n), count: n * 37)
        }
        try FileSystem.publishAtomically(versions[0], to: path)
        let stop = Locked(false)
        let publisher = Thread {
            var k = 0
            while !stop.withLock({ $0 }) {
                k += 1
                try? FileSystem.publishAtomically(versions[k % versions.count], to: path)
            }
        }
        publisher.start()
        defer { stop.withLock { $0 = true } }
        var torn = 0, reads = 0
        let deadline = Date().addingTimeInterval(1.5)
        while Date() < deadline {
            guard let map = try? MappedFile(path: path) else { continue }
            reads += 1
            if !versions.contains(where: { $0.elementsEqual(map.bytes) }) { torn += 1 }
        }
        #expect(reads > 100 && torn == 0, "\(torn) of \(reads) reads saw no whole version")
    }
}
