import Foundation

/// This process's resident memory per mapped file, as `/proc/self/smaps` reports it (Linux).
package enum ResidentMemory {
    /// Resident kilobytes of the mappings whose path `matches`; -1 if smaps cannot be read.
    package static func kilobytes(ofMappingsWhere matches: (Substring) -> Bool) -> Int {
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return -1 }
        defer { try? handle.close() }
        let smaps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        var inside = false
        var total = 0
        for line in smaps.split(separator: "\n") {
            // A mapping's line: "start-end perms offset dev inode [path]"; the lines after it
            // ("Rss:    12 kB", ...) describe it.
            if line.first?.isHexDigit == true && line.contains("-") && line.split(separator: " ").count >= 5 {
                inside = matches(line)
            } else if inside, line.hasPrefix("Rss:") {
                total += Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
            }
        }
        return total
    }

    /// Resident kilobytes of this process's mappings of the file at `path`.
    package static func kilobytes(of path: String) -> Int {
        kilobytes { $0.hasSuffix(path) }
    }

    /// Resident kilobytes of this process's mappings of files under `directory`.
    package static func kilobytes(under directory: String) -> Int {
        kilobytes { $0.contains(directory + "/") }
    }
}
