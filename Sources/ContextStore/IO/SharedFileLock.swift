#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader process's hold on one store file (SPEC.md, "Readers in other processes"): an
/// open descriptor with a shared `flock`. While any process holds one, the holder leaves the
/// file on disk (`unlinkUnlessShared`); the kernel drops the lock when the reader exits,
/// even by SIGKILL, so a dead reader pins nothing.
///
/// Invariant: after `init` returns, the path named the locked file at a moment when the lock
/// was already held, so the holder cannot have removed it unseen: a file unlinked between
/// our `open` and our `flock` is detected (its inode no longer at the path) and reported
/// as missing, and the caller reads the MANIFEST again.
final class SharedFileLock: Sendable {
    let path: String
    private let fd: Int32

    /// Opens and share-locks `path`. Throws `IOError` with `ENOENT` when the file is gone
    /// (or was replaced while we locked it).
    init(path: String) throws(IOError) {
        if let e = SystemCallFaults.check(.open, path) { throw IOError(op: "open", path: path, errno: e) }
        if let e = SystemCallFaults.check(.flock, path) { throw IOError(op: "flock", path: path, errno: e) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw IOError(op: "open", path: path, errno: errno) }
        // Blocking: the holder takes its exclusive lock only for the instant of an unlink.
        while flock(fd, LOCK_SH) != 0 {
            if errno == EINTR { continue }
            let e = errno
            close(fd)
            throw IOError(op: "flock", path: path, errno: e)
        }
        var mine = stat(), there = stat()
        guard fstat(fd, &mine) == 0, stat(path, &there) == 0, mine.st_ino == there.st_ino, mine.st_dev == there.st_dev,
              mine.st_nlink > 0 else {
            close(fd)
            throw IOError(op: "flock", path: path, errno: ENOENT)
        }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Deletes `path` unless a reader holds a `SharedFileLock` on it: returns false (and
    /// leaves the file) when one does. The exclusive lock is taken without waiting and held
    /// across the unlink, so a reader that locks after it finds the file gone.
    static func unlinkUnlessShared(_ path: String) throws(IOError) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return true }
            throw IOError(op: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw IOError(op: "flock", path: path, errno: errno)
        }
        if let e = SystemCallFaults.check(.unlink, path) { throw IOError(op: "unlink", path: path, errno: e) }
        if unlink(path) != 0 && errno != ENOENT { throw IOError(op: "unlink", path: path, errno: errno) }
        return true
    }
}
