import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Log file version 2 added codec 2 (zstd), version 3 segment bodies of version 2 (a derived
/// text hash). A store written by an older build (version 1 files with LZ4 batches, or
/// version 2 files with zstd batches, both with version 1 bodies) opens and reads; this
/// build appends nothing to its old files (it rolls the active one first, so an older build
/// can still read every one of them), and the files it starts are version 3, with zstd
/// batches and version 2 bodies. Every segment reads back, with its hash, before and after a
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

    /// One log file of project "p": its path, bytes, header version, the codecs of its
    /// frames and the versions of its segment bodies.
    struct LogFileFacts {
        var path: String
        var bytes: [UInt8]
        var version: UInt16
        var codecs: Set<UInt8>
        var bodyVersions: Set<UInt8>
    }

    static func logFiles(_ root: String) throws -> [LogFileFacts] {
        let fm = FileManager.default
        var out: [LogFileFacts] = []
        let projects = root + "/projects"
        for p in try fm.contentsOfDirectory(atPath: projects) {
            let dir = "\(projects)/\(p)/log"
            for f in try fm.contentsOfDirectory(atPath: dir).sorted() where f.hasSuffix(".log") {
                let path = "\(dir)/\(f)"
                let reader = try LogFileReader(path: path, size: try FileSystem.fileSize(path))
                let header = try LogFileHeader.decode(reader.map.bytes)
                var codecs = Set<UInt8>()
                var bodyVersions = Set<UInt8>()
                _ = try reader.scanFrames { at, batch in
                    codecs.insert(batch.codec)
                    // Each record: length varint | kind | seq delta varint | body (version first).
                    let payload = try batch.payload(reader.map.bytes, frameOffset: at)
                    try payload.withUnsafeBytes { buf in
                        var r = ByteReader(buf)
                        while !r.isAtEnd {
                            let length = try r.count(limit: r.remaining)
                            var record = ByteReader(UnsafeRawBufferPointer(rebasing: buf[r.offset..<(r.offset + length)]))
                            if try record.u8() == LogFormat.recordPut {
                                _ = try record.varint()
                                bodyVersions.insert(try record.u8())
                            }
                            try r.skip(length)
                        }
                    }
                }
                out.append(LogFileFacts(path: path, bytes: try Array(Data(contentsOf: URL(fileURLWithPath: path))),
                                        version: header.version, codecs: codecs, bodyVersions: bodyVersions))
            }
        }
        return out
    }

    @Test(arguments: [(UInt16(1), LogCompression.lz4), (2, .zstd(level: 3))])
    func olderStoresOpenAndKeepTheirFilesReadableByOlderBuilds(version: UInt16, compression: LogCompression) async throws {
        let tmp = TempDir("logv\(version)"); defer { tmp.cleanup() }
        var old = Configuration(logFileSize: 24 << 10)  // several files per put
        old.logFileVersion = version
        old.logCompression = compression
        old.autoCompaction = false
        old.indexSealDocs = 100  // index files own the old log files, so compaction rewrites them
        var store = try ContextStore.open(directory: tmp.path, configuration: old)
        for i in stride(from: 0, to: 300, by: 20) { try await store.put(Self.segments(i..<(i + 20))) }  // a roll is between groups
        store.close()
        let codec = version == 1 ? LogFormat.codecLZ4 : LogFormat.codecZstd
        let before = try Self.logFiles(tmp.path)
        #expect(before.count >= 2)
        // (A file a seal has just started may be empty.)
        for f in before {
            #expect(f.version == version && f.codecs.isSubset(of: [codec]) && f.bodyVersions.isSubset(of: [1]), "\(f.path)")
        }
        #expect(before.filter { !$0.codecs.isEmpty }.count >= 2)

        var current = Configuration(logFileSize: 24 << 10)
        current.autoCompaction = false
        current.indexSealDocs = 100
        #expect(current.logCompression == .zstd(level: 3), "zstd is the default")
        store = try ContextStore.open(directory: tmp.path, configuration: current)
        #expect(try Self.texts(store) == Self.segments(0..<300).map(\.text))
        for i in stride(from: 300, to: 600, by: 20) { try await store.put(Self.segments(i..<(i + 20))) }
        let after = try Self.logFiles(tmp.path)
        // Every old file, the old active one included, is byte for byte as the old build left it.
        #expect(after.filter { $0.version == version }.map(\.path) == before.map(\.path))
        for f in before { #expect(after.first { $0.path == f.path }?.bytes == f.bytes, "\(f.path) unchanged") }
        let new = after.filter { $0.version != version }
        #expect(!new.isEmpty)
        for f in new {
            #expect(f.version == LogFormat.fileVersion && f.codecs.isSubset(of: [LogFormat.codecZstd])
                    && f.bodyVersions.isSubset(of: [2]), "\(f.path)")
        }
        #expect(new.contains { $0.bodyVersions == [2] })
        let expected = Self.segments(0..<600)
        let read = try store.get(project: "p", ids: expected.map(\.segmentID))
        #expect(read.map(\.text) == expected.map(\.text))
        #expect(read.allSatisfy { $0.textHash == SHA256.hexDigest(of: $0.text) }, "hashes are given back, stored or derived")
        store.close()

        store = try ContextStore.open(directory: tmp.path, configuration: current)
        #expect(try store.search(SearchQuery(project: "p", query: "mmap_region", limit: 1000)).totalMatches == 600)
        #expect(try store.get(project: "p", ids: expected.map(\.segmentID)) == read)
        _ = try await store.compact()
        #expect(try store.get(project: "p", ids: expected.map(\.segmentID)) == read)
        let compacted = try Self.logFiles(tmp.path)
        #expect(compacted.allSatisfy { $0.version == LogFormat.fileVersion && $0.bodyVersions.isSubset(of: [2]) },
                "compaction writes the current versions: \(compacted.map { ($0.path, $0.version, $0.bodyVersions) })")
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
