#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store's `LOCK`: an exclusive `flock` held for as long as the store is open for
/// writing. The kernel releases it when the holder dies (even by SIGKILL), so a crashed
/// process never leaves the store locked. A second attempt, in this process or another,
/// fails at once with `.held` (the store then forwards its writes to the holder, or refuses).
///
/// Once an open has succeeded, the holder writes its process id into the file (decimal,
/// then a newline, then `forwarding` and a newline if it answers forwarded writes;
/// `recordHolder`) so that a refused open can name it, and empties the
/// file again when it releases the lock. An open that fails (corruption, say) never
/// writes it, so a refused open changes no byte of the store. The content is a hint for
/// messages only: the `flock` is the lock, and an id is reported only while a process
/// with that id is alive.
final class DirectoryLock: Sendable {
    let path: String
    private let fd: Int32
    private let released = Locked(false)
    private let recorded = Locked(false)

    enum Failure: Error {
        /// Another open file description holds the lock; `holder` is the process id the
        /// holder wrote, when it could be read.
        case held(holder: Int32?)
        case io(IOError)
    }

    init(path: String) throws(Failure) {
        if let e = SystemCallFaults.check(.open, path) { throw .io(IOError(op: "open", path: path, errno: e)) }
        if let e = SystemCallFaults.check(.flock, path) { throw .io(IOError(op: "flock", path: path, errno: e)) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw .io(IOError(op: "open", path: path, errno: errno)) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let e = errno
            let holder = e == EWOULDBLOCK ? Self.readHolder(fd) : nil
            close(fd)
            if e == EWOULDBLOCK { throw .held(holder: holder) }
            throw .io(IOError(op: "flock", path: path, errno: e))
        }
        self.path = path
        self.fd = fd
    }

    /// Writes this process's id into the file, after the open it guards has succeeded, and
    /// a second line `forwarding` when the holder answers forwarded writes on its socket.
    /// Best effort: a store on a full disk must still open, so a failed write is ignored
    /// (a refused open then just cannot name the holder).
    func recordHolder(serving: Bool = false) {
        let text = Array("\(getpid())\n\(serving ? "forwarding\n" : "")".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            recorded.withLock { $0 = true }
        }
    }

    /// What the holder of the lock at `path` recorded, read without locking: its process id
    /// (nil while it is still opening, or if it died) and whether it answers forwarded writes.
    static func holder(at path: String) -> (pid: Int32?, serving: Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return (nil, false) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let serving = n > 0 && String(decoding: buffer.prefix(n), as: UTF8.self).contains("\nforwarding\n")
        return (readHolder(fd), serving)
    }

    /// The process id written by the holder, if the file holds one.
    private static func readHolder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let digits = buffer.prefix(n).prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard !digits.isEmpty, digits.count < 10, let pid = Int32(String(decoding: digits, as: UTF8.self)) else { return nil }
        // An id left by a holder that died (SIGKILL never empties the file) names no one.
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }

    /// Releases the lock now (idempotent); `deinit` does it otherwise.
    func release() {
        let first = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first {
            // Emptied before the unlock, so a clean close leaves no stale id behind.
            if recorded.withLock({ $0 }) { _ = ftruncate(fd, 0) }
            flock(fd, LOCK_UN)
            close(fd)
        }
    }

    deinit { release() }
}
