#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Directory-level operations: create, list, rename, unlink, and fsync of a directory
/// (needed after create and rename for the entry itself to survive power loss).
enum FileSystem {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// What tells two versions of a path apart: device, inode, size and change time.
    struct Identity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var changedSeconds: Int
        var changedNanoseconds: Int
    }

    /// The identity of the file at `path` now, or nil if there is none.
    static func identity(_ path: String) -> Identity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Identity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                        changedSeconds: Int(st.st_ctim.tv_sec), changedNanoseconds: Int(st.st_ctim.tv_nsec))
    }

    /// The process's soft limit on open descriptors (`ulimit -n`), nil if unlimited or
    /// unknown.
    static func descriptorLimit() -> Int? {
        var limit = rlimit()
        #if canImport(Glibc)
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        #else
        guard getrlimit(RLIMIT_NOFILE, &limit) == 0 else { return nil }
        #endif
        return limit.rlim_cur >= UInt64(Int.max) ? nil : Int(limit.rlim_cur)
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func fileSize(_ path: String) throws(IOError) -> Int64 {
        var st = stat()
        if lstat(path, &st) != 0 { throw IOError(op: "stat", path: path, errno: errno) }
        return Int64(st.st_size)
    }

    /// Creates a directory if it does not exist; fsyncs its parent when it was created.
    static func makeDirectory(_ path: String) throws(IOError) {
        if let e = SystemCallFaults.check(.mkdir, path) { throw IOError(op: "mkdir", path: path, errno: e) }
        if mkdir(path, 0o755) == 0 {
            try syncDirectory(parent(of: path))
            return
        }
        if errno == EEXIST, isDirectory(path) { return }
        throw IOError(op: "mkdir", path: path, errno: errno)
    }

    /// Creates `path` and any missing parents.
    static func makeDirectories(_ path: String) throws(IOError) {
        if isDirectory(path) { return }
        let p = parent(of: path)
        if p != path && !p.isEmpty { try makeDirectories(p) }
        try makeDirectory(path)
    }

    /// Makes a file's data durable through a new descriptor. (Linux reports a writeback
    /// error to every descriptor's next sync since 4.13, so one that happened while the
    /// file was closed is not lost, as long as the kernel keeps the file's inode.)
    static func syncFile(_ path: String) throws(IOError) {
        try FileHandle.openRead(path).sync()
    }

    static func syncDirectory(_ path: String) throws(IOError) {
        if let e = SystemCallFaults.check(.open, path + "/") { throw IOError(op: "open directory", path: path, errno: e) }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw IOError(op: "open directory", path: path, errno: errno) }
        defer { close(fd) }
        if let e = SystemCallFaults.check(.fsync, path + "/") { throw IOError(op: "fsync directory", path: path, errno: e) }
        if fsync(fd) != 0 { throw IOError(op: "fsync directory", path: path, errno: errno) }
    }

    static func rename(_ from: String, _ to: String) throws(IOError) {
        if let e = SystemCallFaults.check(.rename, from) { throw IOError(op: "rename", path: from + " -> " + to, errno: e) }
        if Glibc.rename(from, to) != 0 { throw IOError(op: "rename", path: from + " -> " + to, errno: errno) }
    }

    static func unlink(_ path: String) throws(IOError) {
        if let e = SystemCallFaults.check(.unlink, path) { throw IOError(op: "unlink", path: path, errno: e) }
        if Glibc.unlink(path) != 0 && errno != ENOENT { throw IOError(op: "unlink", path: path, errno: errno) }
    }

    /// Gives the file at `existing` a second name, `new` (a hard link): both names reach the
    /// same bytes, so this is only for files that are never written again. Fails with
    /// `EXDEV` across file systems (and `EPERM`/`EOPNOTSUPP` where a file system has no hard
    /// links): the caller copies instead.
    static func link(_ existing: String, _ new: String) throws(IOError) {
        if let e = SystemCallFaults.check(.link, new) { throw IOError(op: "link", path: existing + " -> " + new, errno: e) }
        if Glibc.link(existing, new) != 0 { throw IOError(op: "link", path: existing + " -> " + new, errno: errno) }
    }

    /// The absolute path of `path` with every symbolic link, `.` and `..` resolved, or nil
    /// when it does not exist (or cannot be resolved).
    static func resolvedPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func removeDirectory(_ path: String) throws(IOError) {
        if rmdir(path) != 0 && errno != ENOENT { throw IOError(op: "rmdir", path: path, errno: errno) }
    }

    /// Names in a directory (no "." or ".."), sorted; empty if it does not exist.
    static func list(_ path: String) throws(IOError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw IOError(op: "opendir", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        // The name is read where it lies, up to its NUL: `entry.pointee` would copy a whole
        // `dirent`, but an entry is only `d_reclen` bytes long, so the copy of the last one in
        // the directory buffer could read past the buffer's end (a crash seen in a test).
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(dir) {
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Why `publishAtomically` failed: before the rename (the old content is in force), or
    /// at the directory sync after it (the new content may or may not be the durable one).
    enum PublishFailure: Error {
        case notPublished(IOError)
        case inDoubt(IOError)

        var error: IOError {
            switch self {
            case let .notPublished(e), let .inDoubt(e): e
            }
        }
    }

    /// Writes `bytes` to `path` atomically and durably: a temporary file in the same
    /// directory, fdatasync, rename over the target, fsync of the directory. After a crash
    /// the path holds either the old or the new content, never a mix.
    static func publishAtomically(_ bytes: [UInt8], to path: String) throws(PublishFailure) {
        let tmp = path + ".tmp"
        do throws(IOError) {
            try unlink(tmp)
            let h = try FileHandle.createTruncating(tmp)
            try h.write(bytes, at: 0)
            try h.sync()
            try rename(tmp, path)
        } catch { throw .notPublished(error) }
        do throws(IOError) { try syncDirectory(parent(of: path)) } catch { throw .inDoubt(error) }
    }
}
