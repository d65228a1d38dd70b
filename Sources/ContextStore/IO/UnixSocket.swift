import CContextStoreSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Unix domain stream socket: the holder's listening socket in the store directory and
/// the connections forwarded writes travel on. Blocking I/O, one owner per direction.
///
/// A path longer than `sun_path` (108 bytes on Linux) is reached through
/// `/proc/self/fd/<directory descriptor>/<name>`, so deep store directories work too.
final class UnixSocket: @unchecked Sendable {
    // Sendable: `fd` is immutable; `shutdown` may be called from any thread to wake a reader.
    let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Binds a new socket at `path` (removing a stale one first: only the lock holder calls
    /// this), readable and writable by the owner only (0600), and listens.
    static func listen(path: String, backlog: Int32 = 64) throws(IOError) -> UnixSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw IOError(op: "socket", path: path, errno: errno) }
        let s = UnixSocket(fd: fd, path: path)
        if unlink(path) != 0 && errno != ENOENT { throw IOError(op: "unlink", path: path, errno: errno) }
        // The socket file is created with the umask's permissions; a narrow umask around
        // bind means it is never, even for an instant, open to others.
        let old = umask(0o077)
        let rc = try withAddress(path) { addr, len in bind(fd, addr, len) }
        let e = errno
        umask(old)
        if rc != 0 { throw IOError(op: "bind", path: path, errno: e) }
        if chmod(path, 0o600) != 0 { throw IOError(op: "chmod", path: path, errno: errno) }
        if Glibc.listen(fd, backlog) != 0 { throw IOError(op: "listen", path: path, errno: errno) }
        return s
    }

    /// Connects to the socket at `path`. `ENOENT` or `ECONNREFUSED` mean nobody listens.
    static func connect(path: String) throws(IOError) -> UnixSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw IOError(op: "socket", path: path, errno: errno) }
        let s = UnixSocket(fd: fd, path: path)
        while true {
            let rc = try withAddress(path) { addr, len in Glibc.connect(fd, addr, len) }
            if rc == 0 { return s }
            if errno == EINTR { continue }
            throw IOError(op: "connect", path: path, errno: errno)
        }
    }

    /// The next connection; throws once the socket is shut down.
    func accept() throws(IOError) -> UnixSocket {
        while true {
            let c = cs_accept_cloexec(fd)
            if c >= 0 { return UnixSocket(fd: c, path: path) }
            if errno == EINTR || errno == ECONNABORTED { continue }
            throw IOError(op: "accept", path: path, errno: errno)
        }
    }

    /// The user id of the peer process (`SO_PEERCRED`), or nil where the system cannot say.
    var peerUID: uid_t? {
        var uid = uid_t()
        return cs_peer_uid(fd, &uid) == 0 ? uid : nil
    }

    /// Exactly `count` bytes, or nil at end of stream before the first byte. End of stream
    /// in the middle throws (`EPIPE`).
    func read(count: Int) throws(IOError) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, count - done) }
            if n > 0 { done += n; continue }
            if n == 0 {
                if done == 0 { return nil }
                throw IOError(op: "read", path: path, errno: EPIPE)
            }
            if errno == EINTR { continue }
            throw IOError(op: "read", path: path, errno: errno)
        }
        return out
    }

    /// Writes all of `bytes` (no SIGPIPE: a closed peer is `EPIPE`).
    func write(_ bytes: [UInt8]) throws(IOError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n >= 0 { done += n; continue }
            if errno == EINTR { continue }
            throw IOError(op: "send", path: path, errno: errno)
        }
    }

    /// Wakes any thread blocked in `accept` or `read` on this socket (they then fail or see
    /// end of stream); the descriptor stays open until deinit.
    func shutdown() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Calls `body` with a `sockaddr_un` for `path`, going through `/proc/self/fd` when the
    /// path does not fit.
    private static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) throws(IOError) -> Int32 {
        var target = path
        var dirFD: Int32 = -1
        defer { if dirFD >= 0 { close(dirFD) } }
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        if path.utf8.count >= capacity {
            let dir = FileSystem.parent(of: path)
            dirFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dirFD < 0 { throw IOError(op: "open", path: dir, errno: errno) }
            target = "/proc/self/fd/\(dirFD)/" + path.split(separator: "/").last.map(String.init)!
            if target.utf8.count >= capacity { throw IOError(op: "bind", path: path, errno: ENAMETOOLONG) }
        }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in target.utf8.enumerated() { raw[i] = b }
            raw[target.utf8.count] = 0
        }
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
