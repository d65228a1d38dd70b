/// Receives the ranks of one text's tokens in order; generic so `count` and `encode`
/// share one specialized code path.
protocol TokenSink {
    mutating func add(_ rank: UInt32)
}

struct TokenCountingSink: TokenSink {
    var count = 0
    @inline(__always) mutating func add(_ rank: UInt32) { count += 1 }
}

struct TokenCollectingSink: TokenSink {
    var tokens: [Int] = []
    @inline(__always) mutating func add(_ rank: UInt32) { tokens.append(Int(rank)) }
}
