#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files one import reads, in the order it reads them. Order matters because a later
/// segment with the same project and id supersedes an earlier one.
///
/// - Arguments are taken in the order given; a file is read as it is (its form is detected
///   from its content, never from its name).
/// - A directory is a directory of the old layer (a migration), expanded in place into:
///   1. `storage.json`, the legacy single file, first: Docs/FORMAT.md calls it legacy and the
///      sharded files current, so the old layer wrote the sharded files later;
///   2. then every regular file `stashed/*.json` (sharded `<project>.json` and monthly
///      `<project>_<YYYY-MM>.json` alike), in byte order of their names. For one project,
///      `<project>.json` sorts before its month files (`.` < `_`) and the months sort in
///      calendar order, so a segment present in several of them takes the version of the
///      last: the latest month's, and a month file's over the plain sharded file's;
///   3. last, every regular file `evicted/*.json` (spill files: one segment object each,
///      which the old layer's LRU wrote when it pushed a working segment out of memory), in
///      byte order of their names. They come last because each holds the latest in-memory
///      version of a working segment, so where the same project and id is also in
///      `storage.json` or a stashed file, the spilled version is taken as the newer one.
///      Their segments keep the tier their content says (usually `working`); project and
///      id come from the content, never from the file name.
///   Everything else in the directory (other files, other subdirectories, `stashed/` and
///   `evicted/` entries not named `*.json`, an NDJSON stash log) is not read and is listed
///   in `ignored`; pass such a file explicitly, after the directory, to import it last.
///
/// Resolving only reads metadata (`stat`, `readdir`): nothing is opened for writing,
/// locked, moved or created.
struct ImportSources {
    struct Input: Sendable {
        var path: String
        /// Size when resolved (for progress; the report counts the bytes actually read).
        var size: Int
        /// A spill file: read from an old-layer directory's `evicted/`.
        var isSpill = false
    }

    private(set) var inputs: [Input] = []
    /// Entries of old-layer directories that are not read.
    private(set) var ignored: [String] = []

    var totalBytes: Int { inputs.reduce(0) { $0 + $1.size } }

    static let legacyFileName = "storage.json"
    static let shardDirectoryName = "stashed"
    static let spillDirectoryName = "evicted"

    init(_ paths: [String]) throws(ImportError) {
        for path in paths {
            switch try Self.kind(path) {
            case let .file(size): inputs.append(Input(path: path, size: size))
            case .directory: try addOldLayerDirectory(path)
            case .other: throw ImportError(path: path, reason: .notAFileOrDirectory)
            }
        }
    }

    private mutating func addOldLayerDirectory(_ dir: String) throws(ImportError) {
        let base = dir.hasSuffix("/") ? dir : dir + "/"
        var legacy: [Input] = []
        var shards: [Input] = []
        var spills: [Input] = []
        var isOldLayer = false
        for name in try Self.sortedNames(dir) {
            let path = base + name
            switch (name, try Self.kind(path)) {
            case (Self.legacyFileName, let .file(size)):
                legacy.append(Input(path: path, size: size))
                isOldLayer = true
            case (Self.shardDirectoryName, .directory):
                isOldLayer = true
                shards = try jsonFiles(in: path, isSpill: false)
            case (Self.spillDirectoryName, .directory):
                isOldLayer = true
                spills = try jsonFiles(in: path, isSpill: true)
            default:
                ignored.append(path)
            }
        }
        if !isOldLayer { throw ImportError(path: dir, reason: .notAnOldLayerDirectory) }
        inputs += legacy + shards + spills
    }

    /// The regular files `*.json` of `dir` in byte order of their names; other entries
    /// (subdirectories too: nothing is read recursively) go to `ignored`.
    private mutating func jsonFiles(in dir: String, isSpill: Bool) throws(ImportError) -> [Input] {
        var files: [Input] = []
        for name in try Self.sortedNames(dir) {
            let path = dir + "/" + name
            if name.hasSuffix(".json"), case let .file(size) = try Self.kind(path) {
                files.append(Input(path: path, size: size, isSpill: isSpill))
            } else {
                ignored.append(path)
            }
        }
        return files
    }

    private enum Kind { case file(size: Int), directory, other }

    /// What `path` is, following symbolic links.
    private static func kind(_ path: String) throws(ImportError) -> Kind {
        var st = stat()
        if stat(path, &st) != 0 {
            let e = errno
            throw ImportError(path: path, reason: e == ENOENT ? .notFound : .io(operation: "stat", errno: e))
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file(size: Int(st.st_size))
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Entry names of a directory in byte order (Swift's `<` on String is not byte order).
    private static func sortedNames(_ dir: String) throws(ImportError) -> [String] {
        do throws(IOError) {
            return try FileSystem.list(dir).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        } catch {
            throw ImportError(path: dir, reason: .io(operation: error.op, errno: error.errno))
        }
    }
}
