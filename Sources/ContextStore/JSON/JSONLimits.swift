/// Limits of the JSON reader. Both are checked while reading, before the data is buffered.
package enum JSONLimits {
    /// Deepest nesting of arrays and objects, counted from the top-level value (which is
    /// depth 1). A 65th level is refused with `depthLimit`; nothing in the reader recurses.
    package static let maxDepth = 64
    /// Longest string, in decoded UTF-8 bytes: `SegmentLimits.maxRecordBytes` (64 MiB). A
    /// longer one is refused with `valueTooLarge` as soon as the limit is passed, without
    /// buffering the rest. A string of exactly the limit is accepted.
    package static let maxStringBytes = SegmentLimits.maxRecordBytes
}
