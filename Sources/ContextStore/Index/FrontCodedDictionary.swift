/// The dictionary of an index file of format 3 (SPEC.md section 9): keys front-coded in
/// groups of 16, as LevelDB's blocks share key prefixes between restart points.
///
/// ```
/// dictionary := count u32 | group_count u32 | (entry_offset u32 | postings_offset u64) * group_count | entries
/// entry      := shared varint | suffix_length varint | suffix | df varint | list_length varint
/// ```
/// Keys are in byte order. Entry `i` belongs to group `i / 16`; a group's first entry shares
/// nothing (`shared` = 0), so it can be read without its predecessors; `entry_offset` is
/// from the start of `entries`. A key's postings start at its group's `postings_offset` plus
/// the `list_length` of the entries before it in the group, and are `list_length` bytes long.
/// A lookup binary-searches the groups' first keys, then reads at most 16 entries.
///
/// Formats 1 and 2 spent 16 bytes on a key besides its bytes (a key offset, a postings
/// offset, a df); here a key costs its unshared suffix and three or four bytes of varints.
enum FrontCodedDictionary {
    static let groupSize = 16

    /// One key of the dictionary: its bytes, df and where its postings are in the
    /// postings section.
    struct Entry {
        var key: [UInt8]
        var df: Int
        var postingsOffset: Int
        var listLength: Int
    }

    /// Writes entries, already in key order, whose lists lie back to back in the postings
    /// section (each starts where the previous one ended).
    static func encode(_ entries: [Entry]) -> [UInt8] {
        let groups = (entries.count + groupSize - 1) / groupSize
        var body = ByteWriter(capacity: entries.count * 8)
        var index = ByteWriter(capacity: 8 + groups * 12)
        index.u32(UInt32(entries.count))
        index.u32(UInt32(groups))
        var previous: [UInt8] = []
        for (i, e) in entries.enumerated() {
            var shared = 0
            if i % groupSize == 0 {
                index.u32(UInt32(body.count))
                index.u64(UInt64(e.postingsOffset))
            } else {
                precondition(e.postingsOffset == entries[i - 1].postingsOffset + entries[i - 1].listLength,
                             "lists of a group lie back to back")
                let n = min(previous.count, e.key.count)
                while shared < n && previous[shared] == e.key[shared] { shared += 1 }
            }
            body.varint(shared)
            body.varint(e.key.count - shared)
            body.raw(e.key[shared...])
            body.varint(e.df)
            body.varint(e.listLength)
            previous = e.key
        }
        return index.bytes + body.bytes
    }

    /// Reads a dictionary section in place. Every read is bounds-checked: malformed bytes
    /// end a walk early (the section's CRC reports them), never read outside the section.
    struct Reader {
        let section: UnsafeRawBufferPointer
        let count: Int
        let groups: Int
        private let entriesAt: Int

        init?(_ section: UnsafeRawBufferPointer) {
            guard section.count >= 8 else { return nil }
            self.section = section
            count = Int(UInt32(littleEndian: section.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            groups = Int(UInt32(littleEndian: section.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
            entriesAt = 8 + groups * 12
            guard groups == (count + FrontCodedDictionary.groupSize - 1) / FrontCodedDictionary.groupSize,
                  entriesAt <= section.count else { return nil }
        }

        /// A walk over the entries from the start of group `g`.
        private func walk(fromGroup g: Int) -> Walk? {
            let at = 8 + g * 12
            let entry = Int(UInt32(littleEndian: section.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            let postings = UInt64(littleEndian: section.loadUnaligned(fromByteOffset: at + 4, as: UInt64.self))
            guard entry <= section.count - entriesAt, postings <= UInt64(Int.max / 2) else { return nil }
            return Walk(reader: ByteReader(section, offset: entriesAt + entry), index: g * FrontCodedDictionary.groupSize,
                        end: min(count, (g + 1) * FrontCodedDictionary.groupSize), nextPostings: Int(postings))
        }

        /// The first key of group `g` (its entry shares nothing), borrowed from the section.
        private func firstKey(_ g: Int) -> UnsafeRawBufferPointer? {
            guard var r = walk(fromGroup: g)?.reader else { return nil }
            guard (try? r.varint()) == 0, let n = try? r.count(limit: r.remaining), let key = try? r.raw(n) else { return nil }
            return key
        }

        /// The last group whose first key is at most `key` (0 when none is).
        private func group(atMost key: UnsafeRawBufferPointer) -> Int {
            var lo = 0, hi = groups  // invariant: groups before lo start at most key; from hi on, above
            while lo < hi {
                let mid = (lo + hi) / 2
                guard let k = firstKey(mid) else { return mid }
                if compareBytes(k, key) <= 0 { lo = mid + 1 } else { hi = mid }
            }
            return max(0, lo - 1)
        }

        /// The entry of `key`: (postings offset, list length, df), or nil.
        func find(_ key: UnsafeRawBufferPointer) -> (offset: Int, length: Int, df: Int)? {
            guard groups > 0, var w = walk(fromGroup: group(atMost: key)) else { return nil }
            while w.next() {
                let c = w.key.withUnsafeBytes { compareBytes($0, key) }
                if c == 0 { return (w.postingsOffset, w.listLength, w.df) }
                if c > 0 { return nil }
            }
            return nil
        }

        /// Calls `body` with each entry whose key starts with `prefix`, in key order, until it
        /// returns false.
        func forEach(withPrefix prefix: UnsafeRawBufferPointer, _ body: (Entry) -> Bool) {
            guard groups > 0 else { return }
            var g = group(atMost: prefix)
            while g < groups, var w = walk(fromGroup: g) {
                while w.next() {
                    if w.key.withUnsafeBytes({ hasPrefix($0, prefix) }) {
                        if !body(Entry(key: w.key, df: w.df, postingsOffset: w.postingsOffset, listLength: w.listLength)) { return }
                    } else if w.key.withUnsafeBytes({ compareBytes($0, prefix) }) > 0 {
                        return  // past every key with the prefix
                    }
                }
                g += 1
            }
        }
    }

    /// Reads the entries of one group in order, rebuilding each key from its predecessor
    /// in one buffer (no allocation per entry).
    private struct Walk {
        var reader: ByteReader
        var index: Int
        let end: Int
        var nextPostings: Int
        /// The current entry, after `next()` returned true.
        var key: [UInt8] = []
        var df = 0
        var postingsOffset = 0
        var listLength = 0

        /// Moves to the next entry of the group; false at its end or on malformed bytes.
        mutating func next() -> Bool {
            guard index < end else { return false }
            do throws(CodingError) {
                let shared = try reader.count(limit: key.count)
                let suffix = try reader.raw(try reader.count(limit: reader.remaining))
                df = try reader.count(limit: Int(UInt32.max))
                listLength = try reader.count(limit: Int(UInt32.max))
                key.removeSubrange(shared...)
                key.append(contentsOf: suffix)
                postingsOffset = nextPostings
                nextPostings += listLength
                index += 1
                return true
            } catch {
                index = end
                return false
            }
        }
    }
}
