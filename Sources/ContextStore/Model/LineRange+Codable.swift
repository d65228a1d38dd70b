// Codable for `LineRange`: `[start, end]`, as Docs/FORMAT.md section 1 writes `line_range`.
// Codable is in the standard library: nothing here needs Foundation.

extension LineRange: Codable {
    /// Decodes a JSON-style array of exactly two integers, `[start, end]` (values kept as
    /// given, as the JSON readers keep them). Throws the decoder's `typeMismatch` for a value
    /// that is not an array or an element that is not an integer, and
    /// `DecodingError.dataCorrupted` (underlying `SegmentValidationError.lineRangeNotAPair`)
    /// when the array does not hold exactly two elements. Costs one pass over the array.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var values: [Int] = []
        var count = 0
        while !c.isAtEnd {
            let v = try c.decode(Int.self)
            if values.count < 2 { values.append(v) }
            count += 1
        }
        guard count == 2 else {
            let e = SegmentValidationError.lineRangeNotAPair(count: count)
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: e.description,
                                                    underlyingError: e))
        }
        self.init(values[0], values[1])
    }

    /// Encodes `[start, end]`. Throws only what the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(start)
        try c.encode(end)
    }
}
