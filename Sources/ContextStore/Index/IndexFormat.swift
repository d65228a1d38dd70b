/// Constants of index files and deletion files (SPEC.md, "Index files"). Shared by the
/// writer (`IndexFileEncoder`) and the reader (`IndexFileReader`).
enum IndexFormat {
    static let magic: [UInt8] = Array("CTXSIDX".utf8) + [0]
    static let footerMagic: [UInt8] = Array("CTXSIDXF".utf8)
    /// The version written. Version 1 (analyzer version 0: words only, 8-byte skip entries)
    /// is still read; version 2 adds the parts and fields dictionaries and block maxima;
    /// version 3 (same sections) front-codes the dictionaries (`FrontCodedDictionary`),
    /// bit-packs full postings blocks and drops the skip table of one-block lists.
    static let version: UInt16 = 3
    static let oldestReadableVersion: UInt16 = 1
    static let headerSize = 32

    enum Section: Int, CaseIterable {
        case docs = 0, recency, idTable, idBlob, bloom, terms, postings
        case metaFilePath, metaTaskID, metaTag, metaType, metaTier
        /// Version 2 on: sub-word parts of the text, words and parts of file_path and tags,
        /// and each doc's length as BM25 reads it (`Ranking.clampedWords`), 2 bytes a doc.
        case parts, fields, norms
    }

    /// Sections of a file of `version`.
    static func sectionCount(version: UInt16) -> Int { version >= 2 ? Section.allCases.count : Section.parts.rawValue }
    static var sectionCount: Int { sectionCount(version: version) }
    /// section count u32 | (offset u64, length u64, crc32c u32) per section | total words u64
    /// | doc count u32 | crc32c u32 (of the footer bytes before it) | magic (8)
    static func footerSize(version: UInt16) -> Int { 4 + sectionCount(version: version) * 20 + 8 + 4 + 4 + 8 }
    static var footerSize: Int { footerSize(version: version) }

    /// The damage marker of index file `path` (`<N>.idx` → `<N>.damaged`): an empty file a
    /// process leaves when a section of it failed its CRC; open rebuilds the project's index
    /// from its log when a file it names has one (SPEC.md section 9).
    static func damageMarker(forIndexFile path: String) -> String {
        (path.hasSuffix(".idx") ? String(path.dropLast(4)) : path) + ".damaged"
    }

    static let bloomHashes = 7
    static let bloomBitsPerDoc = 10

    static func metaSection(_ f: MetaField) -> Section {
        Section(rawValue: Section.metaFilePath.rawValue + f.rawValue)!
    }

    // Deletion files: the dead-doc bitmap of one index file at one revision.
    static let delMagic: [UInt8] = Array("CTXSDEL".utf8) + [0]
    static let delVersion: UInt16 = 1
    static let delHeaderSize = 24
}

/// Bloom filter probes shared by writer and reader: `k` bit positions from one 64-bit hash
/// by double hashing.
@inline(__always)
func bloomProbe(_ hash: UInt64, _ i: Int, bits: Int) -> Int {
    let h1 = hash & 0xFFFF_FFFF, h2 = (hash >> 32) | 1
    return Int((h1 &+ UInt64(i) &* h2) % UInt64(bits))
}

/// Byte-wise comparison of two byte strings (shorter first on a common prefix): the order
/// of every dictionary in an index file.
@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}

/// Whether `key` starts with `prefix` (byte-wise; every key starts with the empty prefix):
/// the test of every prefix walk over a dictionary.
@inline(__always)
func hasPrefix(_ key: UnsafeRawBufferPointer, _ prefix: UnsafeRawBufferPointer) -> Bool {
    key.count >= prefix.count && (prefix.count == 0 || memcmp(key.baseAddress!, prefix.baseAddress!, prefix.count) == 0)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
