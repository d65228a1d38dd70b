import Synchronization

/// The kinds of system calls the engine makes through IO (`FileSystem`, `FileHandle`,
/// `MappedFile`, `DirectoryLock`, `SharedFileLock`): the seam where tests inject faults.
/// (`link` is counted on the new name: a backup's hard link in its target directory.)
package enum SystemCall: String, CaseIterable, Sendable {
    case open, pread, pwrite, fdatasync, fsync, rename, unlink, ftruncate, mmap, flock, mkdir, link
}

/// A fault for a test to inject: the `nth` call (from 1) of kind `call` on a path under
/// `scope` fails with `errno`; with `shortWrite` (pwrite only) that call writes the first
/// half of its bytes for real and the next pwrite on the path fails with `errno` (a disk
/// that fills up in the middle of a write).
package struct SystemCallFault: Sendable, Equatable, CustomStringConvertible {
    package var call: SystemCall
    package var nth: Int
    package var errno: Int32
    package var shortWrite: Bool
    package var scope: String
    /// Only the path `scope` itself (a directory synced: `scope` ends with `/`), not what
    /// is under it.
    package var exact: Bool

    /// A fault; `scope` is a directory (a test's own), so tests running beside it in the
    /// same process are never touched.
    package init(_ call: SystemCall, nth: Int, errno: Int32, shortWrite: Bool = false, scope: String, exact: Bool = false) {
        self.call = call
        self.nth = nth
        self.errno = errno
        self.shortWrite = shortWrite
        self.scope = scope.hasSuffix("/") ? scope : scope + "/"
        self.exact = exact
    }

    package var description: String { "\(shortWrite ? "short " : "")\(call.rawValue) #\(nth) errno \(errno)" }

    /// Whether a call on `path` is one this fault counts.
    func covers(_ path: String) -> Bool { exact ? path == scope : path.hasPrefix(scope) }
}

/// The injector: one fault at a time, process-wide. When none is installed, each call site
/// pays one relaxed atomic load.
///
/// Invariant: a call site asks `SystemCallFaults.check` right before its system call and,
/// when given an errno, fails exactly as that call would have (same `IOError` op and path),
/// without making it.
package enum SystemCallFaults {
    private struct State {
        var fault: SystemCallFault?
        var counts: [SystemCall: Int] = [:]
        var fired = false
        /// After a short write: the path whose next pwrite fails.
        var failNextWrite: String?
    }

    private static let armed = Atomic<Bool>(false)
    private static let state = Mutex(State())

    /// Installs `fault` (replacing any other) with fresh counts.
    package static func install(_ fault: SystemCallFault) {
        state.withLock { $0 = State(fault: fault) }
        armed.store(true, ordering: .sequentiallyConsistent)
    }

    /// Removes the fault; returns whether it fired and how many calls of each kind were
    /// made under its scope meanwhile.
    @discardableResult
    package static func remove() -> (fired: Bool, counts: [SystemCall: Int]) {
        armed.store(false, ordering: .sequentiallyConsistent)
        return state.withLock { s in
            defer { s = State() }
            return (s.fired, s.counts)
        }
    }

    /// The errno this call must fail with, or nil to make it.
    static func check(_ call: SystemCall, _ path: String) -> Int32? {
        guard armed.load(ordering: .relaxed) else { return nil }
        return state.withLock { s -> Int32? in
            guard let f = s.fault, f.covers(path) else { return nil }
            if call == .pwrite, let p = s.failNextWrite, p == path {
                s.failNextWrite = nil
                return f.errno
            }
            let n = (s.counts[call] ?? 0) + 1
            s.counts[call] = n
            guard call == f.call, n == f.nth, !f.shortWrite else { return nil }
            s.fired = true
            return f.errno
        }
    }

    /// For pwrite: whether this call is the injected short write (then the caller writes
    /// half and the next pwrite on `path` fails). Counted by `check`, so ask it after.
    static func isShortWrite(_ path: String) -> Bool {
        guard armed.load(ordering: .relaxed) else { return false }
        return state.withLock { s -> Bool in
            guard let f = s.fault, f.shortWrite, f.call == .pwrite, f.covers(path),
                  s.counts[.pwrite] == f.nth, !s.fired else { return false }
            s.fired = true
            s.failNextWrite = path
            return true
        }
    }
}
