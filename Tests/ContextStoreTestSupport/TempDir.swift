import Foundation

/// A fresh directory under the system temporary directory, removed by `cleanup()`.
///
/// Each one has a new UUID in its name, so tests that run in parallel never share one.
package struct TempDir {
    /// The directory's absolute path (no trailing slash).
    package let path: String

    /// Creates the directory `ctxstore-tests-<label>-<UUID>`; traps if it cannot (a test
    /// machine without a writable temporary directory can run no test here).
    package init(_ label: String = "t") {
        let base = NSTemporaryDirectory() + "ctxstore-tests-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    /// Removes the directory and everything in it; errors are ignored.
    package func cleanup() { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the directory (not created).
    package func sub(_ name: String) -> String { path + "/" + name }
}
