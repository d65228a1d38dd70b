/// Byte-pair merging of one piece, exactly as tiktoken does it: start from single bytes
/// and repeatedly merge the adjacent pair whose concatenation has the lowest rank,
/// the leftmost such pair on ties, until no adjacent pair is a token.
///
/// Short pieces use tiktoken's simple quadratic loop over small scratch arrays; longer
/// ones use a linked list of parts and a binary min-heap keyed by (rank, start), which
/// picks the same pair at every step in O(log n). Lazy deletion: a heap entry is stale
/// if its part has been merged away or its part's current pair rank differs (a part's
/// pair only ever grows, so an equal rank means the entry is current).
struct BytePairMerger {
    /// Pieces up to this many bytes use the quadratic loop.
    static let shortLimit = 128

    let table: RankTable
    /// Scratch for the short loop, `shortLimit + 1` entries each: part start offsets,
    /// rank of the pair (part k, part k+1), and rank of part k itself.
    let starts: UnsafeMutablePointer<UInt32>
    let pairRanks: UnsafeMutablePointer<UInt32>
    let partRanks: UnsafeMutablePointer<UInt32>

    /// Emits the tokens of the `length` bytes at `piece` (`length >= 1`).
    @inline(__always)
    func encode<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, length: Int,
                                 readableEnd: UnsafePointer<UInt8>, into sink: inout Sink) {
        if length == 1 {
            sink.add(table.byteRanks[Int(piece[0])])
            return
        }
        if length == 2 {
            let r = table.pairRanks[Int(piece[0]) << 8 | Int(piece[1])]
            if r != RankTable.notFound {
                sink.add(r)
            } else {
                sink.add(table.byteRanks[Int(piece[0])])
                sink.add(table.byteRanks[Int(piece[1])])
            }
            return
        }
        if length <= table.maxTokenLength {
            let r = table.rank(of: piece, length: length, readableEnd: readableEnd)
            if r != RankTable.notFound {
                sink.add(r)
                return
            }
        }
        if length <= Self.shortLimit {
            mergeShort(piece, length: length, readableEnd: readableEnd, into: &sink)
        } else {
            mergeLong(piece, length: length, readableEnd: readableEnd, into: &sink)
        }
    }

    @inline(__always)
    private func pairRank(_ piece: UnsafePointer<UInt8>, _ from: Int, _ to: Int,
                          _ readableEnd: UnsafePointer<UInt8>) -> UInt32 {
        to - from == 2
            ? table.pairRanks[Int(piece[from]) << 8 | Int(piece[from + 1])]
            : table.rank(of: piece + from, length: to - from, readableEnd: readableEnd)
    }

    /// tiktoken's loop. Invariant: parts are [starts[k], starts[k+1]) for k < parts,
    /// starts[parts] == length; pairRanks[k] (k < parts-1) is the rank of parts k and k+1
    /// joined; partRanks[k] the rank of part k.
    private func mergeShort<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, length: Int,
                                             readableEnd: UnsafePointer<UInt8>, into sink: inout Sink) {
        var parts = length
        for k in 0..<length {
            starts[k] = UInt32(k)
            partRanks[k] = table.byteRanks[Int(piece[k])]
        }
        starts[length] = UInt32(length)
        for k in 0..<(length - 1) {
            pairRanks[k] = table.pairRanks[Int(piece[k]) << 8 | Int(piece[k + 1])]
        }
        while parts > 1 {
            var best = RankTable.notFound
            var at = -1
            for k in 0..<(parts - 1) where pairRanks[k] < best {
                best = pairRanks[k]
                at = k
            }
            if at < 0 { break }
            // Merge part at+1 into part at: drop index at+1 from all three arrays.
            partRanks[at] = best
            let tail = parts - at - 1  // entries after index at+1 in `starts` (incl. the end marker)
            (starts + at + 1).update(from: starts + at + 2, count: tail)
            if tail > 1 { (partRanks + at + 1).update(from: partRanks + at + 2, count: tail - 1) }
            if tail > 2 { (pairRanks + at + 1).update(from: pairRanks + at + 2, count: tail - 2) }
            parts -= 1
            if at + 1 < parts {
                pairRanks[at] = pairRank(piece, Int(starts[at]), Int(starts[at + 2]), readableEnd)
            }
            if at > 0 {
                pairRanks[at - 1] = pairRank(piece, Int(starts[at - 1]), Int(starts[at + 1]), readableEnd)
            }
        }
        for k in 0..<parts { sink.add(partRanks[k]) }
    }

    /// Heap-based merge for long pieces, O(n log n). Node k is the part starting at byte
    /// k (if still alive); `next[k]` is the start of the following part (or `length`).
    private func mergeLong<Sink: TokenSink>(_ piece: UnsafePointer<UInt8>, length n: Int,
                                            readableEnd: UnsafePointer<UInt8>, into sink: inout Sink) {
        let next = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        let prev = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        let pair = UnsafeMutablePointer<UInt32>.allocate(capacity: n)   // rank of (node, next node)
        let part = UnsafeMutablePointer<UInt32>.allocate(capacity: n)   // rank of the node's bytes
        let alive = UnsafeMutablePointer<Bool>.allocate(capacity: n)
        // At most n-1 initial entries plus 2 per merge (at most n-1 merges).
        let heap = UnsafeMutablePointer<UInt64>.allocate(capacity: 3 * n)
        defer {
            next.deallocate(); prev.deallocate(); pair.deallocate()
            part.deallocate(); alive.deallocate(); heap.deallocate()
        }
        var heapCount = 0
        for k in 0..<n {
            next[k] = Int32(k + 1)
            prev[k] = Int32(k - 1)
            part[k] = table.byteRanks[Int(piece[k])]
            alive[k] = true
            pair[k] = k + 1 < n ? table.pairRanks[Int(piece[k]) << 8 | Int(piece[k + 1])] : RankTable.notFound
            if pair[k] != RankTable.notFound {
                heap[heapCount] = UInt64(pair[k]) << 32 | UInt64(k)
                heapCount += 1
            }
        }
        // Heapify (Floyd), then pop until empty.
        if heapCount > 1 {
            for k in stride(from: heapCount / 2 - 1, through: 0, by: -1) {
                Self.siftDown(heap, heapCount, k)
            }
        }
        while heapCount > 0 {
            let top = heap[0]
            heapCount -= 1
            if heapCount > 0 {
                heap[0] = heap[heapCount]
                Self.siftDown(heap, heapCount, 0)
            }
            let k = Int(top & 0xFFFF_FFFF)
            let rank = UInt32(truncatingIfNeeded: top >> 32)
            guard alive[k], pair[k] == rank else { continue }  // stale entry
            let right = Int(next[k])
            alive[right] = false
            part[k] = rank
            let after = Int(next[right])
            next[k] = Int32(after)
            if after < n { prev[after] = Int32(k) }
            if after < n {
                pair[k] = pairRank(piece, k, Int(next[after]), readableEnd)
                if pair[k] != RankTable.notFound {
                    Self.push(heap, &heapCount, UInt64(pair[k]) << 32 | UInt64(k))
                }
            } else {
                pair[k] = RankTable.notFound
            }
            let left = Int(prev[k])
            if left >= 0 {
                pair[left] = pairRank(piece, left, after, readableEnd)
                if pair[left] != RankTable.notFound {
                    Self.push(heap, &heapCount, UInt64(pair[left]) << 32 | UInt64(left))
                }
            }
        }
        var k = 0
        while k < n {
            sink.add(part[k])
            k = Int(next[k])
        }
    }

    @inline(__always)
    private static func push(_ heap: UnsafeMutablePointer<UInt64>, _ count: inout Int, _ value: UInt64) {
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if heap[parent] <= value { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = value
    }

    @inline(__always)
    private static func siftDown(_ heap: UnsafeMutablePointer<UInt64>, _ count: Int, _ start: Int) {
        var i = start
        let value = heap[i]
        while true {
            var child = 2 * i + 1
            if child >= count { break }
            if child + 1 < count && heap[child + 1] < heap[child] { child += 1 }
            if heap[child] >= value { break }
            heap[i] = heap[child]
            i = child
        }
        heap[i] = value
    }
}
