import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Log file version 2 added codec 2 (zstd). A store written by an older build (version 1
/// files, LZ4 batches) opens and reads; the batches this build appends to its version 1
/// active file stay LZ4 (an older reader of that file would refuse codec 2), and the files it
/// starts are version 2 with zstd batches. Every segment reads back, before and after a
/// reopen and a compaction.
@Suite struct LogFileVersionTests {
    static func segments(_ range: Range<Int>) -> [ContextSegment] {
        range.map { i in
            // Words of little redundancy, so that a few hundred segments fill several files.
            var rng = TestRNG(seed: UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1)
            let words = (0..<60).map { _ in String(rng.next() % 1_000_000, radix: 36) }
            return ContextSegment(segmentID: "s\(i)", text: "mmap_region \(i) " + words.joined(separator: " "),
                           type: .code, projectID: "p", createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + Int64(i)))
        }
    }

    /// The texts of segments s0 to s599 as the store gives them back.
    static func texts(_ store: ContextStore) throws -> [String] {
        try store.get(project: "p", ids: (0..<600).map { "s\($0)" }).map(\.text)
    }

    /// (header version, codecs of its frames) of each log file of project "p".
    static func logFiles(_ root: String) throws -> [(version: UInt16, codecs: Set<UInt8>)] {
        let fm = FileManager.default
        var out: [(UInt16, Set<UInt8>)] = []
        let projects = root + "/projects"
        for p in try fm.contentsOfDirectory(atPath: projects) {
            let dir = "\(projects)/\(p)/log"
            for f in try fm.contentsOfDirectory(atPath: dir).sorted() where f.hasSuffix(".log") {
                let path = "\(dir)/\(f)"
                let reader = try LogFileReader(path: path, size: try FileSystem.fileSize(path))
                let header = try LogFileHeader.decode(reader.map.bytes)
                var codecs = Set<UInt8>()
                _ = reader.scanFrames { _, batch in codecs.insert(batch.codec) }
                out.append((header.version, codecs))
            }
        }
        return out
    }

    @Test func versionOneStoresOpenAndKeepTheirFilesReadableByOlderBuilds() async throws {
        let tmp = TempDir("logv1"); defer { tmp.cleanup() }
        var old = Configuration(logFileSize: 24 << 10)  // several files per put
        old.logFileVersion = 1
        old.logCompression = .lz4
        old.autoCompaction = false
        var store = try ContextStore.open(directory: tmp.path, configuration: old)
        for i in stride(from: 0, to: 300, by: 20) { try await store.put(Self.segments(i..<(i + 20))) }  // a roll is between groups
        store.close()
        let before = try Self.logFiles(tmp.path)
        #expect(before.count >= 2 && before.allSatisfy { $0.version == 1 && $0.codecs == [LogFormat.codecLZ4] }, "\(before)")

        var current = Configuration(logFileSize: 24 << 10)
        current.autoCompaction = false
        #expect(current.logCompression == .zstd(level: 3), "zstd is the default")
        store = try ContextStore.open(directory: tmp.path, configuration: current)
        for i in stride(from: 300, to: 600, by: 20) { try await store.put(Self.segments(i..<(i + 20))) }
        let after = try Self.logFiles(tmp.path)
        // The old files, the old active file included, hold LZ4 batches only.
        #expect(after.filter { $0.version == 1 }.count == before.count)
        #expect(after.filter { $0.version == 1 }.allSatisfy { $0.codecs.isSubset(of: [LogFormat.codecNone, LogFormat.codecLZ4]) })
        #expect(after.contains { $0.version == 2 && $0.codecs.contains(LogFormat.codecZstd) }, "new files are zstd")
        #expect(try Self.texts(store) == Self.segments(0..<600).map(\.text))
        store.close()

        store = try ContextStore.open(directory: tmp.path, configuration: current)
        #expect(try store.search(SearchQuery(project: "p", query: "mmap_region", limit: 1000)).totalMatches == 600)
        _ = try await store.compact()
        #expect(try Self.texts(store) == Self.segments(0..<600).map(\.text))
        store.close()
    }

    @Test func everyCompressionRoundTripsAFrame() throws {
        let segments = Self.segments(0..<40)
        for compression in [LogCompression.lz4, .lz4HC(level: 3), .lz4HC(level: 12), .zstd(level: 1), .zstd(level: 19)] {
            var b = BatchBuilder(compression: compression)
            for (i, s) in segments.enumerated() { b.append(seq: UInt64(10 + i), record: EncodedRecord(.put(s))) }
            var frame: [UInt8] = []
            b.finish(appendingTo: &frame)
            try frame.withUnsafeBytes { bytes in
                let h = try BatchHeader.validate(bytes, at: 0)
                if case .zstd = compression { #expect(h.codec == LogFormat.codecZstd) } else { #expect(h.codec == LogFormat.codecLZ4) }
                #expect(h.storedLength < h.rawLength / 2, "\(compression) compresses")
                let records = try BatchDecoder.records(try h.payload(bytes, frameOffset: 0), header: h, projectID: "p")
                #expect(records.count == segments.count)
            }
            // A zstd payload cut short, or of another length than the header says, is refused.
            guard case .zstd = compression else { continue }
            frame.withUnsafeBytes { bytes in
                let h = try! BatchHeader.parse(bytes, at: 0)
                let stored = UnsafeRawBufferPointer(rebasing: bytes[LogFormat.batchHeaderSize..<(LogFormat.batchHeaderSize + h.storedLength)])
                var out = [UInt8](repeating: 0, count: h.rawLength)
                #expect(out.withUnsafeMutableBytes { ZstdBlock.decompress(stored, into: $0) })
                #expect(!out.withUnsafeMutableBytes { ZstdBlock.decompress(UnsafeRawBufferPointer(rebasing: stored.dropLast(3)), into: $0) })
                var short = [UInt8](repeating: 0, count: h.rawLength - 1)
                #expect(!short.withUnsafeMutableBytes { ZstdBlock.decompress(stored, into: $0) })
            }
        }
    }
}
