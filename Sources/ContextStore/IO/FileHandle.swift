import CContextStoreSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An owned file descriptor with the calls the engine needs: full-length positional
/// reads and writes (looping over short transfers and EINTR), data sync, truncate.
/// Every durable-write path of the engine goes through this type and `FileSystem`.
final class FileHandle: @unchecked Sendable {
    // Sendable: `fd` and `path` never change; the kernel serializes calls on the descriptor.
    let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { _ = Glibc.close(fd) }

    static func openRead(_ path: String) throws(IOError) -> FileHandle {
        try open(path, O_RDONLY | O_CLOEXEC, op: "open")
    }

    static func openReadWrite(_ path: String) throws(IOError) -> FileHandle {
        try open(path, O_RDWR | O_CLOEXEC, op: "open")
    }

    /// Creates a new file; fails if it exists (O_EXCL), so a file is never written twice.
    static func createExclusive(_ path: String) throws(IOError) -> FileHandle {
        try open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o644, op: "create")
    }

    /// Creates or truncates (used only for temporary files published by rename).
    static func createTruncating(_ path: String) throws(IOError) -> FileHandle {
        try open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o644, op: "create")
    }

    private static func open(_ path: String, _ flags: Int32, mode: mode_t = 0, op: String) throws(IOError) -> FileHandle {
        while true {
            if let e = SystemCallFaults.check(.open, path) { throw IOError(op: op, path: path, errno: e) }
            let fd = Glibc.open(path, flags, mode)
            if fd >= 0 { return FileHandle(fd: fd, path: path) }
            if errno == EINTR { continue }
            throw IOError(op: op, path: path, errno: errno)
        }
    }

    func size() throws(IOError) -> Int64 {
        var st = stat()
        if fstat(fd, &st) != 0 { throw IOError(op: "fstat", path: path, errno: errno) }
        return Int64(st.st_size)
    }

    /// Writes all of `bytes` at `offset` (pwrite), or throws; never a short write.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(IOError) {
        var done = 0
        while done < bytes.count {
            if let e = SystemCallFaults.check(.pwrite, path) { throw IOError(op: "pwrite", path: path, errno: e) }
            let want = SystemCallFaults.isShortWrite(path) ? max(1, (bytes.count - done) / 2) : bytes.count - done
            let n = pwrite(fd, bytes.baseAddress! + done, want, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError(op: "pwrite", path: path, errno: errno)
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws(IOError) {
        try bytes.withBytes { buf throws(IOError) in try write(buf, at: offset) }
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (less only at EOF).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(IOError) -> Int {
        var done = 0
        while done < buffer.count {
            if let e = SystemCallFaults.check(.pread, path) { throw IOError(op: "pread", path: path, errno: e) }
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError(op: "pread", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads exactly `count` bytes at `offset` into a new array, or fewer at EOF.
    func read(count: Int, at offset: Int64) throws(IOError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let n = try out.withMutableBytes { buf throws(IOError) in try read(into: buf, at: offset) }
        if n < count { out.removeLast(count - n) }
        return out
    }

    /// Makes the file's data durable (fdatasync on Linux, F_FULLFSYNC on Apple systems,
    /// where fsync does not survive power loss). Never retried after a failure: the kernel
    /// may have dropped the dirty pages (fsyncgate), so the caller goes read-only.
    func sync() throws(IOError) {
        #if canImport(Darwin)
        if fcntl(fd, F_FULLFSYNC) == 0 { return }
        if fsync(fd) != 0 { throw IOError(op: "fsync", path: path, errno: errno) }
        #else
        if let e = SystemCallFaults.check(.fdatasync, path) { throw IOError(op: "fdatasync", path: path, errno: e) }
        if fdatasync(fd) != 0 { throw IOError(op: "fdatasync", path: path, errno: errno) }
        #endif
    }

    /// Starts writing the file's dirty pages back without waiting (best effort: a hint
    /// for files synced later, so the sync finds little left to do).
    func startWriteback() {
        _ = cs_start_writeback(fd)
    }

    func truncate(to size: Int64) throws(IOError) {
        if let e = SystemCallFaults.check(.ftruncate, path) { throw IOError(op: "ftruncate", path: path, errno: e) }
        while ftruncate(fd, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw IOError(op: "ftruncate", path: path, errno: errno)
        }
    }
}
