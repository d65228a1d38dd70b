#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the system says about another process, for messages only.
enum ProcessTable {
    /// The first words of a running process's command line (`/proc/<pid>/cmdline`, whose
    /// size `stat` reports as 0, so it is read until end of file), or nil where unknown.
    static func commandLine(of pid: Int32, maxBytes: Int = 512) -> String? {
        let fd = open("/proc/\(pid)/cmdline", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        var done = 0
        while done < maxBytes {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, maxBytes - done) }
            if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { break }
        }
        let words = buffer.prefix(done).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }
}
