/// The filters of a query as the engine applies them: metadata values (postings) and a
/// time range. Nil when the range is empty (nothing can match).
struct SearchPlan {
    var meta: [(MetaField, [UInt8])] = []
    var after: Int64
    var before: Int64

    init?(_ filters: SearchFilters) {
        if let v = filters.filePath { meta.append((.filePath, Array(v.utf8))) }
        if let v = filters.taskID { meta.append((.taskID, Array(v.utf8))) }
        for t in Set(filters.tags.map { ByteKey($0) }) { meta.append((.tag, t.bytes)) }
        if let v = filters.type { meta.append((.type, Array(v.rawValue.utf8))) }
        if let v = filters.tier { meta.append((.tier, Array(v.rawValue.utf8))) }
        after = filters.createdAfter?.instantMicroseconds ?? Int64.min
        before = filters.createdBefore?.instantMicroseconds ?? Int64.max
        // An empty range matches nothing (and `after + 1` cannot overflow past it).
        if after != Int64.min && before != Int64.max && after >= before - 1 { return nil }
    }

    var hasTimeRange: Bool { after != Int64.min || before != Int64.max }

    /// The docs of `s` that pass the filters, live and in the time range, restricted to
    /// `within` (nil: all docs); nil when a filter value is absent from `s` (nothing passes).
    func admitted<S: SearchSource>(_ s: S, within: [UInt64]?) -> [UInt64]? {
        let n = s.docCount
        var bits = within ?? [UInt64](repeating: ~0, count: (n + 63) / 64)
        if within == nil, n % 64 != 0, !bits.isEmpty { bits[bits.count - 1] = (1 << UInt64(n % 64)) - 1 }
        for (f, v) in meta {
            guard var c = v.withUnsafeBytes({ s.metaCursor(f, $0) }) else { return nil }
            var m = [UInt64](repeating: 0, count: bits.count)
            if !m.isEmpty { m.withUnsafeMutableBufferPointer { c.markRemaining(into: $0.baseAddress!, limit: n) } }
            for i in bits.indices { bits[i] &= m[i] }
        }
        let dead = s.dead
        for i in 0..<min(bits.count, dead.words.count) { bits[i] &= ~dead.words[i] }
        if hasTimeRange {
            for w in bits.indices where bits[w] != 0 {
                var x = bits[w]
                while x != 0 {
                    let b = x.trailingZeroBitCount
                    x &= x - 1
                    let c = s.createdAt(UInt32(w * 64 + b))
                    if !(c > after && c < before) { bits[w] &= ~(1 << UInt64(b)) }
                }
            }
        }
        return bits
    }
}
