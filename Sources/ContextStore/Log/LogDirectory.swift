/// One project's log directory and how its log files are named (SPEC.md section 2:
/// `<F>.log`, the file number as 8 lowercase hex digits). The Log layer's view of a path:
/// it knows nothing of the store directory around it (`StoreLayout` does, and hands out
/// these).
struct LogDirectory: Sendable {
    let path: String

    /// The path of log file `number`.
    func file(_ number: UInt32) -> String { path + "/" + hex(UInt64(number), 8) + ".log" }

    /// Parses a log file name back to its number; nil for anything else.
    static func fileNumber(_ name: String) -> UInt32? {
        guard name.utf8.count == 12, name.hasSuffix(".log") else { return nil }
        return UInt32(name.prefix(8), radix: 16)
    }
}
