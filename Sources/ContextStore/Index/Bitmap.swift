/// A growable bitmap of dead (superseded or deleted) documents.
struct Bitmap: Sendable, Equatable {
    private(set) var words: [UInt64]
    private(set) var count: Int

    init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    init(words: [UInt64], count: Int) {
        self.words = words
        self.count = count
    }

    subscript(i: Int) -> Bool {
        i < count && words[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    mutating func set(_ i: Int) {
        if i >= count {
            count = i + 1
            while words.count < (count + 63) / 64 { words.append(0) }
        }
        words[i >> 6] |= 1 << UInt64(i & 63)
    }

    var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Calls `body` with each set bit below `count`, in increasing order.
    func forEachSet(_ body: (Int) -> Void) {
        for (w, word) in words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                let i = w * 64 + bits.trailingZeroBitCount
                bits &= bits - 1
                if i < count { body(i) }
            }
        }
    }
}
