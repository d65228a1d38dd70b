#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the kernel says of this process's memory.
enum ProcessMemory {
    /// Bytes of file-backed pages resident in this process's mappings (the binary, its
    /// libraries and every mapped store file): the third field of `/proc/self/statm`
    /// ("shared", RssFile + RssShmem), in pages. nil where there is no such file (not
    /// Linux) or it cannot be read. Cost: one open, read and close of a procfs file
    /// (a few microseconds).
    static func residentFileBytes() -> Int? {
        #if os(Linux)
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        let fields = buffer[..<n].split(whereSeparator: { $0 == 0x20 || $0 == 0x0A })
        guard fields.count >= 3 else { return nil }
        var pages = 0
        for digit in fields[2] {
            guard (0x30...0x39).contains(digit) else { return nil }
            pages = pages &* 10 &+ Int(digit - 0x30)
        }
        return pages &* pageSize
        #else
        return nil
        #endif
    }

    static let pageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
}
