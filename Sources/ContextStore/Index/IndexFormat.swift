/// Constants of index files and deletion files (SPEC.md, "Index files"). Shared by the
/// writer (`IndexFileEncoder`) and the reader (`IndexFileReader`).
enum IndexFormat {
    static let magic: [UInt8] = Array("CTXSIDX".utf8) + [0]
    static let footerMagic: [UInt8] = Array("CTXSIDXF".utf8)
    static let version: UInt16 = 1
    static let headerSize = 32

    enum Section: Int, CaseIterable {
        case docs = 0, recency, idTable, idBlob, bloom, terms, postings
        case metaFilePath, metaTaskID, metaTag, metaType, metaTier
    }

    static let sectionCount = Section.allCases.count
    /// section count u32 | (offset u64, length u64, crc32c u32) per section | total words u64
    /// | doc count u32 | crc32c u32 (of the footer bytes before it) | magic (8)
    static var footerSize: Int { 4 + sectionCount * 20 + 8 + 4 + 4 + 8 }

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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
