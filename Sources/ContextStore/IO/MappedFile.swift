#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of the first `count` bytes of a file. Only bytes that were
/// already written are mapped, and the engine never truncates a file that readers can
/// see (it unlinks instead), so reading the map cannot fault with SIGBUS.
final class MappedFile: @unchecked Sendable {
    // Sendable: the mapping is immutable and lives until deinit.
    let bytes: UnsafeRawBufferPointer
    let path: String

    /// Maps the first `count` bytes of `path`.
    convenience init(path: String, count: Int) throws(IOError) {
        try self.init(path: path, count: Optional(count))
    }

    /// Maps the whole file as it is now: its size is taken from the descriptor that is
    /// mapped, so a file renamed over `path` meanwhile (a MANIFEST publish) gives the size
    /// and the bytes of one and the same file.
    convenience init(path: String) throws(IOError) {
        try self.init(path: path, count: nil)
    }

    /// `count` nil: the size of the opened file.
    private init(path: String, count: Int?) throws(IOError) {
        self.path = path
        if count == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        if let e = SystemCallFaults.check(.open, path) { throw IOError(op: "open", path: path, errno: e) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw IOError(op: "open", path: path, errno: errno) }
        defer { close(fd) }
        let length: Int
        if let count {
            length = count
        } else {
            var st = stat()
            if fstat(fd, &st) != 0 { throw IOError(op: "fstat", path: path, errno: errno) }
            length = Int(st.st_size)
        }
        if length == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        if let e = SystemCallFaults.check(.mmap, path) { throw IOError(op: "mmap", path: path, errno: e) }
        let p = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else { throw IOError(op: "mmap", path: path, errno: errno) }
        bytes = UnsafeRawBufferPointer(start: p, count: length)
    }

    /// Lets the process's resident set forget the pages that lie wholly inside `range` of
    /// the map (`MADV_DONTNEED`): the map is shared and read-only, so the page cache keeps
    /// them and the next read of one maps it again, with the same bytes. Used after reading
    /// a whole region once (an index section's checksum) so that resident memory counts
    /// what reads use, not every page a check went through. Best effort.
    func dropResidentPages(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, range.lowerBound >= 0, range.upperBound <= bytes.count else { return }
        let page = Self.pageSize
        let start = (UInt(bitPattern: base) + UInt(range.lowerBound) + UInt(page - 1)) & ~UInt(page - 1)
        let end = (UInt(bitPattern: base) + UInt(range.upperBound)) & ~UInt(page - 1)
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, Int(end - start), MADV_DONTNEED)
    }

    /// `dropResidentPages` over the whole map: every page of it a read touched is
    /// forgotten (`MapResidency` calls it on every store map once the process holds more
    /// than its budget of mapped pages).
    func dropAllResidentPages() {
        dropResidentPages(0..<bytes.count)
    }

    private static var pageSize: Int { ProcessMemory.pageSize }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
