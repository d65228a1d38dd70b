#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store's `LOCK`: an exclusive `flock` held for as long as the store is open for
/// writing. The kernel releases it when the holder dies (even by SIGKILL), so a crashed
/// process never leaves the store locked. A second open, in this process or another,
/// fails at once with `.locked`.
final class DirectoryLock: Sendable {
    let path: String
    private let fd: Int32
    private let released = Locked(false)

    enum Failure: Error { case held, io(IOError) }

    init(path: String) throws(Failure) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw .io(IOError(op: "open", path: path, errno: errno)) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let e = errno
            close(fd)
            if e == EWOULDBLOCK { throw .held }
            throw .io(IOError(op: "flock", path: path, errno: e))
        }
        self.path = path
        self.fd = fd
    }

    /// Releases the lock now (idempotent); `deinit` does it otherwise.
    func release() {
        let first = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first {
            flock(fd, LOCK_UN)
            close(fd)
        }
    }

    deinit { release() }
}
