#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: which one, on which path, and errno. The store layer maps these to
/// `StoreError.io` / `.diskFull`.
struct IOError: Error, Sendable, CustomStringConvertible {
    let op: String
    let path: String
    let errno: Int32

    var description: String { "\(op) \(path): \(errnoText)" }

    /// The system's text for `errno`, then the number: "No such file or directory (errno 2)".
    var errnoText: String { "\(String(cString: strerror(errno))) (errno \(errno))" }

    var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }
}
