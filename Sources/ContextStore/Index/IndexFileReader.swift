import Synchronization

/// A sealed index file, memory-mapped: opening it reads the header and the footer only
/// (nothing is rebuilt), so open stays O(1) in the file's size.
///
/// Each section's CRC is checked at the section's first use through this mapping
/// (`section(_:)`), once. A section that fails keeps being served (every accessor
/// bounds-checks what it reads, so damaged bytes never crash), but it is recorded in
/// `damage`, which every read of the engine checks before it answers: a query that touched
/// a damaged section fails with a typed error instead of answering wrongly. The first
/// detection also leaves a damage marker beside the file (`IndexFormat.damageMarker`), so the
/// next open rebuilds the project's index from its log.
final class IndexFileReader: @unchecked Sendable {
    // Sendable: the map never changes; the two section masks are atomics and only gain bits.
    let number: UInt32
    let path: String
    let docCount: Int
    let totalWords: UInt64
    /// The index format version of the file (1 or 2).
    let formatVersion: UInt16
    /// The analyzer that wrote it: 0 (format 1) knew whole words only; `SubwordSplitter.version`
    /// adds parts and field words. Compaction rewrites files of an older analyzer.
    let analyzerVersion: UInt16
    private let map: MappedFile
    private let sections: [(offset: Int, length: Int, crc: UInt32)]
    private let bloomBits: Int
    /// Bit `s` set: section `s`'s CRC was computed through this mapping.
    private let checkedSections = Atomic<UInt32>(0)
    /// Bit `s` set: section `s`'s CRC did not match (a subset of `checkedSections`).
    private let damagedSections = Atomic<UInt32>(0)

    init(path: String, number: UInt32, project: UInt64) throws(IndexError) {
        self.path = path
        self.number = number
        do throws(IOError) { map = try MappedFile(path: path) } catch { throw .io(error) }
        let b = map.bytes
        func corrupt(_ offset: Int, _ why: String) -> IndexError { .corruption(file: path, offset: Int64(offset), reason: "index file: \(why)") }
        guard b.count >= IndexFormat.headerSize + IndexFormat.footerSize(version: 1) else { throw corrupt(0, "too short") }
        guard b[0..<8].elementsEqual(IndexFormat.magic) else { throw corrupt(0, "bad magic") }
        let version = UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        guard version >= IndexFormat.oldestReadableVersion && version <= IndexFormat.version else {
            throw .unsupportedVersion(file: path, found: Int(version), supported: Int(IndexFormat.version))
        }
        formatVersion = version
        analyzerVersion = version >= 2 ? UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 10, as: UInt16.self)) : 0
        let footerSize = IndexFormat.footerSize(version: version)
        let expectedSections = IndexFormat.sectionCount(version: version)
        let fileNumber = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        let fileProject = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        guard fileNumber == number, fileProject == project else { throw corrupt(12, "header names another index file") }
        let headerDocs = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 24, as: UInt32.self)))
        // No CRC covers the header: every field of it is checked instead.
        guard UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 28, as: UInt32.self)) == 0 else {
            throw corrupt(28, "reserved header bytes are not zero")
        }
        guard analyzerVersion <= SubwordSplitter.version, (version >= 2) == (analyzerVersion >= 1) else {
            throw corrupt(10, "analyzer version \(analyzerVersion) does not fit format version \(version)")
        }
        guard b.count >= IndexFormat.headerSize + footerSize else { throw corrupt(0, "too short") }
        let f = b.count - footerSize
        guard b[(b.count - 8)...].elementsEqual(IndexFormat.footerMagic) else { throw corrupt(b.count - 8, "bad footer magic") }
        let crcAt = b.count - 12
        let stored = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: crcAt, as: UInt32.self))
        guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[f..<crcAt])) else { throw corrupt(f, "footer checksum mismatch") }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: b[f..<crcAt]))
        var secs: [(Int, Int, UInt32)] = []
        var sectionCount: UInt32 = 0
        var words: UInt64 = 0
        var docs: UInt32 = 0
        do throws(CodingError) {
            sectionCount = try r.u32()
            for _ in 0..<min(Int(sectionCount), expectedSections) {
                secs.append((Int(try r.u64()), Int(try r.u64()), try r.u32()))
            }
            words = try r.u64()
            docs = try r.u32()
        } catch { throw corrupt(f, "footer: \(error)") }
        guard sectionCount == UInt32(expectedSections) else { throw corrupt(f, "section count \(sectionCount)") }
        for (off, len, _) in secs where off < IndexFormat.headerSize || len > f || off + len > f {
            throw corrupt(f, "section out of bounds")
        }
        totalWords = words
        docCount = Int(docs)
        guard docCount == headerDocs else { throw corrupt(24, "doc count differs between header and footer") }
        sections = secs
        let n = docCount
        guard sections[IndexFormat.Section.docs.rawValue].1 == n * DocInfo.encodedSize,
              sections[IndexFormat.Section.recency.rawValue].1 == n * 4,
              sections[IndexFormat.Section.idTable.rawValue].1 == n * 12,
              sections[IndexFormat.Section.idBlob.rawValue].1 >= (n + 1) * 4,
              version < 2 || sections[IndexFormat.Section.norms.rawValue].1 == n * 2
        else { throw corrupt(f, "section sizes do not match the doc count") }
        bloomBits = sections[IndexFormat.Section.bloom.rawValue].1 * 8
        guard bloomBits >= 64 else { throw corrupt(f, "bloom filter too small") }
    }

    /// A section's bytes, its CRC checked at the first use (a relaxed load of one mask
    /// after that). Racing first uses may both compute it: the result is the same.
    @inline(__always) private func section(_ s: IndexFormat.Section) -> UnsafeRawBufferPointer {
        if checkedSections.load(ordering: .relaxed) & (1 << UInt32(s.rawValue)) == 0 { check(s) }
        return rawSection(s)
    }

    @inline(__always) private func rawSection(_ s: IndexFormat.Section) -> UnsafeRawBufferPointer {
        let (o, l, _) = sections[s.rawValue]
        return UnsafeRawBufferPointer(rebasing: map.bytes[o..<(o + l)])
    }

    /// Forgets every page of the file that reads made resident (`MappedFile.dropAllResidentPages`);
    /// later reads map them again from the page cache.
    func dropResidentPages() {
        map.dropAllResidentPages()
    }

    private func check(_ s: IndexFormat.Section) {
        let bit = UInt32(1) << UInt32(s.rawValue)
        let crc = CRC32C.checksum(rawSection(s))
        // The checksum read the whole section; reads use a few pages of it. Forgetting the
        // pages here keeps a searching process's resident memory to what its reads touch
        // (at ten million segments, 2 GB of index pages against 25 MB of heap otherwise).
        let (o, l, _) = sections[s.rawValue]
        map.dropResidentPages(o..<(o + l))
        if crc != sections[s.rawValue].crc {
            let before = damagedSections.bitwiseOr(bit, ordering: .relaxed).oldValue
            // One marker per mapping: the file's first damage leaves it (best effort: a
            // marker that cannot be written is found again by the next use or by verify).
            if before == 0 { leaveDamageMarker() }
        }
        checkedSections.bitwiseOr(bit, ordering: .releasing)
    }

    /// The first damaged section found so far through this mapping (file, offset of the
    /// section, which section), or nil. Reads check it after touching the file.
    var damage: IndexError? {
        let mask = damagedSections.load(ordering: .acquiring)
        guard mask != 0, let s = IndexFormat.Section(rawValue: mask.trailingZeroBitCount) else { return nil }
        return .corruption(file: path, offset: Int64(sections[s.rawValue].offset),
                           reason: "index file: section \(s) checksum mismatch (index files are derived data: "
                               + "the next open rebuilds this project's index from its log)")
    }

    /// Records that this file is damaged for the next open (`IndexFormat.damageMarker`).
    func leaveDamageMarker() {
        _ = try? FileHandle.createTruncating(IndexFormat.damageMarker(forIndexFile: path))  // closed at deinit
    }

    /// Checks every section's CRC now (verify, and a compaction before it reads its
    /// inputs, so that it never rewrites damaged bytes into a file with good checksums).
    /// Returns the first damage, which also counts as found by this mapping.
    func checkAllSections() -> IndexError? {
        for s in IndexFormat.Section.allCases where s.rawValue < sections.count { _ = section(s) }
        return damage
    }

    /// What `verify` reports: the first damaged section, or padding between sections that
    /// is not zero (no CRC covers it, so it is checked byte by byte), with file and offset.
    func verifyChecksums() -> String? {
        if case let .corruption(file, offset, reason)? = checkAllSections() { return "\(file): \(reason) at offset \(offset)" }
        let footerStart = map.bytes.count - IndexFormat.footerSize(version: formatVersion)
        var spans = sections.map { ($0.offset, $0.offset + $0.length) }.sorted { $0.0 < $1.0 }
        spans.append((footerStart, footerStart))
        var at = IndexFormat.headerSize
        for (start, end) in spans {
            if start > at, let bad = map.bytes[at..<start].firstIndex(where: { $0 != 0 }) {
                leaveDamageMarker()
                return "\(path): padding between sections is not zero at offset \(bad)"
            }
            at = max(at, end)
        }
        return nil
    }

    // MARK: Docs

    func doc(_ i: Int) -> DocInfo {
        let b = section(.docs)
        let o = i * DocInfo.encodedSize
        func u32(_ k: Int) -> UInt32 { UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o + k, as: UInt32.self)) }
        func u64(_ k: Int) -> UInt64 { UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o + k, as: UInt64.self)) }
        return DocInfo(fileNumber: u32(0), batchOffset: u32(4),
                       index: UInt16(littleEndian: b.loadUnaligned(fromByteOffset: o + 8, as: UInt16.self)),
                       type: b[o + 10], tier: b[o + 11], createdAt: Int64(bitPattern: u64(12)),
                       words: u32(20), tokens: u32(24), idHash: u64(28))
    }

    @inline(__always) func createdAt(_ i: Int) -> Int64 {
        Int64(bitPattern: UInt64(littleEndian: section(.docs).loadUnaligned(fromByteOffset: i * DocInfo.encodedSize + 12, as: UInt64.self)))
    }

    @inline(__always) func words(_ i: Int) -> UInt32 {
        UInt32(littleEndian: section(.docs).loadUnaligned(fromByteOffset: i * DocInfo.encodedSize + 20, as: UInt32.self))
    }

    /// The doc's length as BM25 reads it (`Ranking.clampedWords`): from the norms column in
    /// format 2 files, from the doc table in older ones.
    @inline(__always) func normWords(_ i: Int) -> UInt32 {
        guard formatVersion >= 2 else { return Ranking.clampedWords(words(i)) }
        return UInt32(UInt16(littleEndian: section(.norms).loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
    }

    /// The i-th doc in recency order (newest first).
    @inline(__always) func recency(_ i: Int) -> Int {
        let d = Int(UInt32(littleEndian: section(.recency).loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        return min(d, docCount - 1)
    }

    /// The segment id of a doc, as bytes (borrowed from the map).
    func idBytes(_ doc: Int) -> UnsafeRawBufferPointer {
        let blob = section(.idBlob)
        let base = (docCount + 1) * 4
        let a = Int(UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: doc * 4, as: UInt32.self)))
        let b = Int(UInt32(littleEndian: blob.loadUnaligned(fromByteOffset: doc * 4 + 4, as: UInt32.self)))
        guard a <= b, base + b <= blob.count else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: blob[(base + a)..<(base + b)])
    }

    func segmentID(_ doc: Int) -> String { String(decoding: idBytes(doc), as: UTF8.self) }

    /// Docs holding segment id `id` (ascending; several when it was updated within this file).
    func docs(withID id: UnsafeRawBufferPointer, hash: UInt64) -> [Int] {
        let bloom = section(.bloom)
        for i in 0..<IndexFormat.bloomHashes {
            let p = bloomProbe(hash, i, bits: bloomBits)
            if bloom[p >> 3] & (1 << UInt8(p & 7)) == 0 { return [] }
        }
        let t = section(.idTable)
        var lo = 0, hi = docCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if UInt64(littleEndian: t.loadUnaligned(fromByteOffset: mid * 12, as: UInt64.self)) < hash { lo = mid + 1 } else { hi = mid }
        }
        var out: [Int] = []
        while lo < docCount, UInt64(littleEndian: t.loadUnaligned(fromByteOffset: lo * 12, as: UInt64.self)) == hash {
            let d = Int(UInt32(littleEndian: t.loadUnaligned(fromByteOffset: lo * 12 + 8, as: UInt32.self)))
            if d < docCount && compareBytes(idBytes(d), id) == 0 { out.append(d) }
            lo += 1
        }
        return out.sorted()
    }

    // MARK: Dictionaries

    /// The postings list (bytes, df) of `key` in dictionary section `s`.
    private func lookup(_ s: IndexFormat.Section, _ key: UnsafeRawBufferPointer) -> (UnsafeRawBufferPointer, Int)? {
        let d = section(s)
        if formatVersion >= 3 {
            guard let dict = FrontCodedDictionary.Reader(d), let e = dict.find(key) else { return nil }
            return list(offset: e.offset, length: e.length, df: e.df)
        }
        guard d.count >= 4 else { return nil }
        let count = Int(UInt32(littleEndian: d.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let offsetsAt = 4, entriesAt = 4 + (count + 1) * 4, keysAt = entriesAt + count * 12
        guard keysAt <= d.count else { return nil }
        func keyOffset(_ i: Int) -> Int { Int(UInt32(littleEndian: d.loadUnaligned(fromByteOffset: offsetsAt + i * 4, as: UInt32.self))) }
        func keyBytes(_ i: Int) -> UnsafeRawBufferPointer {
            let a = keysAt + keyOffset(i), b = keysAt + keyOffset(i + 1)
            guard a <= b, b <= d.count else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            return UnsafeRawBufferPointer(rebasing: d[a..<b])
        }
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = compareBytes(keyBytes(mid), key)
            if c == 0 {
                let e = entriesAt + mid * 12
                let off = Int(UInt64(littleEndian: d.loadUnaligned(fromByteOffset: e, as: UInt64.self)))
                let df = Int(UInt32(littleEndian: d.loadUnaligned(fromByteOffset: e + 8, as: UInt32.self)))
                let p = section(.postings)
                guard off <= p.count, df > 0 else { return nil }
                return (UnsafeRawBufferPointer(rebasing: p[off...]), df)
            }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// A format 3 list: exactly its bytes of the postings section, nil when out of bounds.
    private func list(offset: Int, length: Int, df: Int) -> (UnsafeRawBufferPointer, Int)? {
        let p = section(.postings)
        guard offset <= p.count, length <= p.count - offset, df > 0 else { return nil }
        return (UnsafeRawBufferPointer(rebasing: p[offset..<(offset + length)]), df)
    }

    func term(_ key: UnsafeRawBufferPointer) -> (list: UnsafeRawBufferPointer, df: Int)? {
        lookup(.terms, key).map { ($0.0, $0.1) }
    }

    /// A part's postings (format 2 on; nil in older files).
    func part(_ key: UnsafeRawBufferPointer) -> (list: UnsafeRawBufferPointer, df: Int)? {
        guard sections.count > IndexFormat.Section.parts.rawValue else { return nil }
        return lookup(.parts, key).map { ($0.0, $0.1) }
    }

    /// A field word's postings (format 2 on; nil in older files).
    func field(_ key: UnsafeRawBufferPointer) -> (list: UnsafeRawBufferPointer, df: Int)? {
        guard sections.count > IndexFormat.Section.fields.rawValue else { return nil }
        return lookup(.fields, key).map { ($0.0, $0.1) }
    }

    /// Calls `body` with each key of the terms (or parts) dictionary that starts with
    /// `prefix`, in byte order, with its postings and df; `body` returns false to stop.
    func forEachKey(in dictionary: IndexFormat.Section, withPrefix prefix: UnsafeRawBufferPointer,
                    _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, Int) -> Bool) {
        guard dictionary.rawValue < sections.count else { return }
        let d = section(dictionary)
        if formatVersion >= 3 {
            FrontCodedDictionary.Reader(d)?.forEach(withPrefix: prefix) { e in
                guard let (list, df) = list(offset: e.postingsOffset, length: e.listLength, df: e.df) else { return true }
                return e.key.withUnsafeBytes { body($0, list, df) }
            }
            return
        }
        guard d.count >= 4 else { return }
        let count = Int(UInt32(littleEndian: d.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let offsetsAt = 4, entriesAt = 4 + (count + 1) * 4, keysAt = entriesAt + count * 12
        guard keysAt <= d.count else { return }
        func keyBytes(_ i: Int) -> UnsafeRawBufferPointer {
            let a = keysAt + Int(UInt32(littleEndian: d.loadUnaligned(fromByteOffset: offsetsAt + i * 4, as: UInt32.self)))
            let b = keysAt + Int(UInt32(littleEndian: d.loadUnaligned(fromByteOffset: offsetsAt + i * 4 + 4, as: UInt32.self)))
            guard a <= b, b <= d.count else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            return UnsafeRawBufferPointer(rebasing: d[a..<b])
        }
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if compareBytes(keyBytes(mid), prefix) < 0 { lo = mid + 1 } else { hi = mid }
        }
        let p = section(.postings)
        var i = lo
        while i < count {
            let k = keyBytes(i)
            guard hasPrefix(k, prefix) else { return }
            let e = entriesAt + i * 12
            let off = Int(UInt64(littleEndian: d.loadUnaligned(fromByteOffset: e, as: UInt64.self)))
            let df = Int(UInt32(littleEndian: d.loadUnaligned(fromByteOffset: e + 8, as: UInt32.self)))
            if off <= p.count, df > 0, !body(k, UnsafeRawBufferPointer(rebasing: p[off...]), df) { return }
            i += 1
        }
    }

    func meta(_ field: MetaField, _ value: UnsafeRawBufferPointer) -> (list: UnsafeRawBufferPointer, df: Int)? {
        lookup(IndexFormat.metaSection(field), value).map { ($0.0, $0.1) }
    }

    /// Reads a deletion file written for this index file.
    static func readDeletions(path: String, docCount: Int) throws(IndexError) -> Bitmap {
        let map: MappedFile
        do throws(IOError) { map = try MappedFile(path: path) } catch { throw .io(error) }
        let b = map.bytes
        let words = (docCount + 63) / 64
        func corrupt(_ why: String) -> IndexError { .corruption(file: path, offset: 0, reason: "deletion file: \(why)") }
        guard b.count == IndexFormat.delHeaderSize + words * 8 + 4 else { throw corrupt("size \(b.count)") }
        guard b[0..<8].elementsEqual(IndexFormat.delMagic) else { throw corrupt("bad magic") }
        let version = UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        guard version == IndexFormat.delVersion else {
            throw .unsupportedVersion(file: path, found: Int(version), supported: Int(IndexFormat.delVersion))
        }
        let crcAt = b.count - 4
        guard UInt32(littleEndian: b.loadUnaligned(fromByteOffset: crcAt, as: UInt32.self))
                == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<crcAt])) else { throw corrupt("checksum mismatch") }
        guard Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 12, as: UInt32.self))) == docCount else {
            throw corrupt("doc count differs from the index file")
        }
        var bits: [UInt64] = []
        bits.reserveCapacity(words)
        for i in 0..<words {
            bits.append(UInt64(littleEndian: b.loadUnaligned(fromByteOffset: IndexFormat.delHeaderSize + i * 8, as: UInt64.self)))
        }
        return Bitmap(words: bits, count: docCount)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
