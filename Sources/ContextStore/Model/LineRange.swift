/// `line_range`: a pair of line numbers. Values are kept as given (the format puts no
/// constraint on them beyond being integers).
public struct LineRange: Sendable, Hashable {
    /// The first line.
    public var start: Int
    /// The last line.
    public var end: Int
    /// A range, kept as given (no order or sign is checked). Cost: none.
    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }
}
