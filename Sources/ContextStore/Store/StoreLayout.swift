/// Paths inside a store directory. Project ids never appear in a path: a project is
/// `projects/<internal number as 16 hex digits>`, so `../x`, `a/b`, NUL or a 10 KB id
/// cannot name anything outside the store.
struct StoreLayout: Sendable {
    let root: String

    var manifest: String { root + "/MANIFEST" }
    var manifestTemp: String { root + "/MANIFEST.tmp" }
    var lock: String { root + "/LOCK" }
    /// The holder's socket for forwarded writes (SPEC.md, "Forwarded writes").
    var socket: String { root + "/WRITER.sock" }
    var projects: String { root + "/projects" }

    func projectDirectory(_ number: UInt64) -> String { projects + "/" + hex(number, 16) }
    func logDirectory(_ number: UInt64) -> String { projectDirectory(number) + "/log" }
    func logFile(project: UInt64, file: UInt32) -> String { logFiles(project).file(file) }
    /// The project's log directory as the Log layer sees it.
    func logFiles(_ number: UInt64) -> LogDirectory { LogDirectory(path: logDirectory(number)) }

    func indexDirectory(_ number: UInt64) -> String { projectDirectory(number) + "/index" }
    func indexFile(project: UInt64, index: UInt32) -> String { indexDirectory(project) + "/" + hex(UInt64(index), 8) + ".idx" }
    func deletionFile(project: UInt64, index: UInt32, revision: UInt32) -> String {
        indexDirectory(project) + "/" + hex(UInt64(index), 8) + "-" + hex(UInt64(revision), 8) + ".del"
    }

    /// Parses a log file name back to its number; nil for anything else.
    static func logFileNumber(_ name: String) -> UInt32? { LogDirectory.fileNumber(name) }

    static func projectNumber(_ name: String) -> UInt64? {
        guard name.utf8.count == 16 else { return nil }
        return UInt64(name, radix: 16)
    }
}
