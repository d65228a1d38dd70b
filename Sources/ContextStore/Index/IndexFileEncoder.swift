/// Serializes a memtable as an immutable index file (SPEC.md, "Index files"); doc numbers
/// stay those of the memtable. The file is written whole, synced, and its directory synced,
/// before any manifest names it.
///
/// `formatVersion` below the current one writes an older layout (1: no parts or fields, no
/// block maxima, analyzer version 0; 2: varint postings and plain dictionaries): only tests
/// ask for them, to check that such files are still read and rebuilt.
enum IndexFileEncoder {
    static func encode(_ m: MemTable, number: UInt32, project: UInt64, formatVersion: UInt16 = IndexFormat.version) -> [UInt8] {
        precondition(formatVersion >= IndexFormat.oldestReadableVersion && formatVersion <= IndexFormat.version)
        let current = formatVersion >= 2  // parts, fields, norms and block maxima
        var out: [UInt8] = []
        out.reserveCapacity(m.docCount * 64 + m.terms.arena.count * 2 + 4096)
        var w = ByteWriter(capacity: IndexFormat.headerSize)
        w.raw(IndexFormat.magic)
        w.u16(formatVersion)
        w.u16(current ? SubwordSplitter.version : 0)  // the analyzer version (format 1: reserved, 0)
        w.u32(number)
        w.u64(project)
        w.u32(UInt32(m.docCount))
        w.u32(0)
        out += w.bytes
        var sections: [(Int, Int)] = []
        func section(_ body: (inout [UInt8]) -> Void) {
            while out.count % 8 != 0 { out.append(0) }
            let start = out.count
            body(&out)
            sections.append((start, out.count - start))
        }
        let n = m.docCount
        section { o in  // docs
            var d = ByteWriter(capacity: n * DocInfo.encodedSize)
            for doc in m.docs {
                d.u32(doc.fileNumber); d.u32(doc.batchOffset); d.u16(doc.index); d.u8(doc.type); d.u8(doc.tier)
                d.u64(UInt64(bitPattern: doc.createdAt)); d.u32(doc.words); d.u32(doc.tokens); d.u64(doc.idHash)
            }
            o += d.bytes
        }
        section { o in  // recency: newest first; among equal times, the later write first
            let order = (0..<n).sorted { a, b in
                let ca = m.docs[a].createdAt, cb = m.docs[b].createdAt
                return ca != cb ? ca > cb : a > b
            }
            var d = ByteWriter(capacity: n * 4)
            for i in order { d.u32(UInt32(i)) }
            o += d.bytes
        }
        section { o in  // id table
            let order = (0..<n).sorted { a, b in
                let ha = m.docs[a].idHash, hb = m.docs[b].idHash
                return ha != hb ? ha < hb : a < b
            }
            var d = ByteWriter(capacity: n * 12)
            for i in order { d.u64(m.docs[i].idHash); d.u32(UInt32(i)) }
            o += d.bytes
        }
        section { o in  // id blob
            var d = ByteWriter(capacity: n * 24)
            var offset: UInt32 = 0
            d.u32(0)
            for id in m.ids { offset += UInt32(id.utf8.count); d.u32(offset) }
            for id in m.ids { d.raw(id.utf8) }
            o += d.bytes
        }
        section { o in  // bloom
            let bits = max(64, (n * IndexFormat.bloomBitsPerDoc + 63) / 64 * 64)
            var words = [UInt64](repeating: 0, count: bits / 64)
            for doc in m.docs {
                for i in 0..<IndexFormat.bloomHashes {
                    let p = bloomProbe(doc.idHash, i, bits: bits)
                    words[p >> 6] |= 1 << UInt64(p & 63)
                }
            }
            var d = ByteWriter(capacity: bits / 8)
            for word in words { d.u64(word) }
            o += d.bytes
        }
        // Terms and metadata dictionaries; their postings go to one postings section
        // written after the terms dictionary.
        var postings: [UInt8] = []
        postings.reserveCapacity(m.terms.arena.count * 3)
        let docs = m.docs
        let words: ((UInt32) -> UInt32)? = current ? { Ranking.clampedWords(docs[Int($0)].words) } : nil
        let v = formatVersion
        let termDict = dictionary(m.terms, lists: m.postings, words: words, format: v, postings: &postings)
        var metaDicts: [[UInt8]] = []
        for f in MetaField.allCases {
            metaDicts.append(dictionary(m.meta[f.rawValue], lists: m.metaPostings[f.rawValue], words: nil, format: v, postings: &postings))
        }
        let partDict = current ? dictionary(m.parts, lists: m.partPostings, words: words, format: v, postings: &postings) : []
        let fieldDict = current ? dictionary(m.fields, lists: m.fieldPostings, words: nil, format: v, postings: &postings) : []
        section { $0 += termDict }
        section { $0 += postings }
        for d in metaDicts { section { $0 += d } }
        if current {
            section { $0 += partDict }
            section { $0 += fieldDict }
            section { o in  // norms
                var d = ByteWriter(capacity: n * 2)
                for doc in m.docs { d.u16(UInt16(Ranking.clampedWords(doc.words))) }
                o += d.bytes
            }
        }
        precondition(sections.count == IndexFormat.sectionCount(version: formatVersion))

        var f = ByteWriter(capacity: IndexFormat.footerSize)
        f.u32(UInt32(sections.count))
        out.withUnsafeBytes { buf in
            for (start, length) in sections {
                f.u64(UInt64(start)); f.u64(UInt64(length))
                f.u32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buf[start..<(start + length)])))
            }
        }
        f.u64(m.totalWords)
        f.u32(UInt32(n))
        f.u32(CRC32C.checksum(f.bytes))
        f.raw(IndexFormat.footerMagic)
        out += f.bytes
        return out
    }

    /// A dictionary with its postings appended to `postings`: front-coded from format 3 on
    /// (`FrontCodedDictionary`), before that `count u32 | key offsets u32[count + 1] |
    /// (postings offset u64, df u32)[count] | keys`; keys in byte order. `words` given: the
    /// lists carry block maxima.
    private static func dictionary(_ table: TermTable, lists: PostingsPool, words: ((UInt32) -> UInt32)?,
                                   format: UInt16, postings: inout [UInt8]) -> [UInt8] {
        let count = table.count
        let order = (0..<count).sorted { a, b in
            table.withBytes(a) { x in table.withBytes(b) { y in compareBytes(x, y) < 0 } }
        }
        var entries: [FrontCodedDictionary.Entry] = []
        entries.reserveCapacity(count)
        var docs: [UInt32] = [], tfs: [UInt32] = []
        for t in order {
            let start = postings.count
            // Gathered from the pool's blocks into one run: the codec's blocks of 128
            // do not line up with the pool's.
            docs.removeAll(keepingCapacity: true)
            tfs.removeAll(keepingCapacity: true)
            lists.forEachBlock(t) { d, f in
                docs.append(contentsOf: d)
                if let f { tfs.append(contentsOf: f) }
            }
            docs.withUnsafeBufferPointer { d in
                if lists.hasFreqs {
                    tfs.withUnsafeBufferPointer { PostingsCodec.encode(docs: d, tfs: $0, words: words, format: format, into: &postings) }
                } else {
                    PostingsCodec.encode(docs: d, tfs: nil, words: words, format: format, into: &postings)
                }
            }
            entries.append(.init(key: Array(table.bytes(t)), df: lists.count(t), postingsOffset: start, listLength: postings.count - start))
        }
        if format >= 3 { return FrontCodedDictionary.encode(entries) }
        var w = ByteWriter(capacity: 8 + count * 20 + table.arena.count)
        w.u32(UInt32(count))
        var offset: UInt32 = 0
        w.u32(0)
        for e in entries { offset += UInt32(e.key.count); w.u32(offset) }
        for e in entries { w.u64(UInt64(e.postingsOffset)); w.u32(UInt32(e.df)) }
        for e in entries { w.raw(e.key) }
        return w.bytes
    }

    /// A deletion file: `magic | version u16 | reserved u16 | doc count u32 | dead count u32
    /// | reserved u32 | bitmap u64[ceil(doc count / 64)] | crc32c u32`.
    static func encodeDeletions(_ dead: Bitmap, docCount: Int) -> [UInt8] {
        let wordCount = (docCount + 63) / 64
        var w = ByteWriter(capacity: IndexFormat.delHeaderSize + wordCount * 8 + 4)
        w.raw(IndexFormat.delMagic)
        w.u16(IndexFormat.delVersion)
        w.u16(0)
        w.u32(UInt32(docCount))
        w.u32(UInt32(dead.setCount))
        w.u32(0)
        for i in 0..<wordCount { w.u64(i < dead.words.count ? dead.words[i] : 0) }
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }
}
