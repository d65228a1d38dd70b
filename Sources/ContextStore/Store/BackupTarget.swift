#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory a backup writes its copy into, and what the backup created there.
///
/// Invariants: the directory was new or empty when the backup began (anything else is
/// refused before a byte is written); its MANIFEST comes last (`publish`), atomically,
/// after every file and directory of the copy is synced, so a copy without a MANIFEST is
/// never taken for a store (an open says `noStore` or `notAStore`, or `corruption` where it
/// may create one); `discard()` removes exactly what this backup created, the MANIFEST
/// first, so a failed backup leaves the directory as it found it (or absent, if it made it).
final class BackupTarget {
    /// The directory, as given (without a trailing `/`).
    let path: String
    /// The copy's paths.
    let layout: StoreLayout
    /// Directories this backup created, parents first.
    private var directories: [String] = []
    /// Files this backup created (links included).
    private var files: [String] = []
    /// The MANIFEST's publish has begun: from then on `discard` removes it and its `.tmp`.
    private var publishing = false
    /// Whether immutable files are still linked: cleared at the first link the file system
    /// refuses (the copy is on another one, or one without hard links); the rest is copied.
    private(set) var linking: Bool

    /// Checks `path` and creates it (with missing parents) if it does not exist.
    ///
    /// - Throws: `.invalidBackupTarget` when it exists and is not an empty directory, or is
    ///   (or would be) inside the store at `source`, having changed nothing; `.io`,
    ///   `.diskFull` creating it (what was created is removed again).
    init(_ path: String, source: StoreLayout, hardLinks: Bool) throws(StoreError) {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        self.path = p
        self.layout = StoreLayout(root: p)
        self.linking = hardLinks
        if FileSystem.exists(p) {
            guard let resolved = FileSystem.resolvedPath(p), FileSystem.isDirectory(resolved) else {
                throw .invalidBackupTarget(path: p, reason: "it exists and is not a directory")
            }
            let names: [String]
            do throws(IOError) { names = try FileSystem.list(resolved) } catch { throw StoreError(error) }
            guard names.isEmpty else { throw .invalidBackupTarget(path: p, reason: "it is not empty") }
        }
        if let root = FileSystem.resolvedPath(source.root), let target = Self.absolute(p),
           target == root || target.hasPrefix(root == "/" ? "/" : root + "/") {
            throw .invalidBackupTarget(path: p, reason: "it is inside the store it would copy")
        }
        var missing: [String] = []
        var dir = p
        while !FileSystem.exists(dir) {
            missing.append(dir)
            let up = FileSystem.parent(of: dir)
            if up == dir { break }
            dir = up
        }
        for d in missing.reversed() {
            do throws(StoreError) { try makeDirectory(d) } catch {
                discard()
                throw error
            }
        }
        ownDirectories = directories.count
    }

    /// How many of `directories` are the target itself and its missing parents (kept by
    /// `reset`).
    private var ownDirectories = 0

    /// `path` as an absolute path, symbolic links resolved in the part that exists and `.`
    /// and `..` applied to the rest (which does not exist yet).
    private static func absolute(_ path: String) -> String? {
        var existing = path
        var rest: [Substring] = []
        while !FileSystem.exists(existing) {
            let up = FileSystem.parent(of: existing)
            rest.insert(existing.split(separator: "/").last ?? "", at: 0)
            if up == existing { return nil }
            existing = up
        }
        guard let base = FileSystem.resolvedPath(existing) else { return nil }
        var parts = base.split(separator: "/")
        for c in rest {
            if c == ".." { if !parts.isEmpty { parts.removeLast() } } else if c != "." && !c.isEmpty { parts.append(c) }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Creates `dir` (its parent exists), recorded for `discard` if it did not exist.
    func makeDirectory(_ dir: String) throws(StoreError) {
        if !FileSystem.exists(dir) { directories.append(dir) }
        do throws(IOError) { try FileSystem.makeDirectory(dir) } catch { throw StoreError(error) }
    }

    /// Puts `file` of the store at `source` into the copy: a hard link while `linking` and
    /// the file is immutable (the link shares bytes no one changes), else a copy of its
    /// first `file.length` bytes, synced. Returns whether it was linked; `progress` gets
    /// the bytes of each chunk a copy writes.
    ///
    /// - Throws: `.corruption` if the store's file is shorter than the snapshot measured;
    ///   `.io`, `.diskFull`.
    func place(_ file: BackupFile, from source: StoreLayout, progress: (Int64) -> Void) throws(StoreError) -> Bool {
        let from = file.path(in: source)
        let to = file.path(in: layout)
        if linking && file.isImmutable {
            do throws(IOError) {
                try FileSystem.link(from, to)
                files.append(to)
                return true
            } catch {
                guard [EXDEV, EPERM, EOPNOTSUPP, EMLINK].contains(error.errno) else { throw StoreError(error) }
                linking = false
            }
        }
        let copied: Int64
        do throws(IOError) {
            let input = try FileHandle.openRead(from)
            let output = try FileHandle.createExclusive(to)
            files.append(to)
            copied = try FileCopy.copy(from: input, to: output, count: file.length, progress: progress)
        } catch { throw StoreError(error) }
        guard copied == file.length else {
            throw .corruption(file: from, offset: copied, reason: "the file ends before the \(file.length) bytes the backup's snapshot measured")
        }
        return false
    }

    /// Syncs every directory of the copy (deepest first), so the names of the files in
    /// them are durable before the MANIFEST that names them.
    func syncDirectories() throws(StoreError) {
        do throws(IOError) {
            for d in directories.reversed() { try FileSystem.syncDirectory(d) }
            if !directories.contains(path) { try FileSystem.syncDirectory(path) }
        } catch { throw StoreError(error) }
    }

    /// Writes the copy's MANIFEST: a temporary file, synced, renamed into place, the
    /// directory synced (`FileSystem.publishAtomically`). The commit point of the backup.
    func publish(_ manifest: [UInt8]) throws(StoreError) {
        publishing = true
        do throws(FileSystem.PublishFailure) {
            try FileSystem.publishAtomically(manifest, to: layout.manifest)
        } catch { throw StoreError(error.error) }
    }

    /// Removes what an attempt wrote into the directory (before any MANIFEST), leaving it
    /// empty for the next attempt (the store published while a chunk was being held).
    func reset() {
        precondition(!publishing, "a backup is reset only before its MANIFEST")
        for f in files.reversed() { try? FileSystem.unlink(f) }
        for d in directories[ownDirectories...].reversed() { try? FileSystem.removeDirectory(d) }
        files = []
        directories.removeSubrange(ownDirectories...)
    }

    /// Removes what this backup created, the MANIFEST first (whatever else stays behind
    /// then, the directory is not a store), then files, then directories, deepest first.
    /// Best effort: a failure here leaves a file behind, never a MANIFEST it could remove.
    func discard() {
        if publishing {
            try? FileSystem.unlink(layout.manifest)
            try? FileSystem.unlink(layout.manifestTemp)
            try? FileSystem.syncDirectory(path)
        }
        for f in files.reversed() { try? FileSystem.unlink(f) }
        for d in directories.reversed() { try? FileSystem.removeDirectory(d) }
        files = []
        directories = []
    }
}
