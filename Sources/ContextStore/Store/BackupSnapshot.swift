#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a backup copies: one MANIFEST as it was published (its exact bytes) and every file
/// it names, held a chunk at a time with the shared `flock` a reader's view takes
/// (`ReaderFilePins`, SPEC.md section 12.2) while the chunk is copied. While held, no
/// holder, in this process or another, deletes one (a compaction's inputs, replaced index
/// and deletion files, orphans at a later open). A path the MANIFEST names never names
/// another file (file, index and revision numbers are never reused), so a file held later
/// is still the one this MANIFEST means; one gone by then (the holder published and
/// deleted it meanwhile) fails the chunk, and the backup starts over from a new MANIFEST.
/// Holding a chunk at a time keeps the descriptors within `Follower.Limits.maxHeldFiles`
/// for a store of any number of files.
///
/// Each active log file is measured when its chunk is held: the copy holds it up to the
/// last whole, checksummed batch it had then (a batch being written is never copied in
/// part). Every write acknowledged before `take` began is inside: an acknowledged batch is
/// written before its call returns, and a roll or new project is published before its
/// batches are acknowledged.
struct BackupSnapshot {
    /// The MANIFEST's bytes, written unchanged as the copy's MANIFEST.
    let manifestBytes: [UInt8]
    let manifest: Manifest
    /// Every file the MANIFEST names, in MANIFEST order; lengths are the MANIFEST's sizes
    /// (logs) or the sizes seen when listed (index and deletion files) until `hold`
    /// measures them.
    let files: [BackupFile]
    private let layout: StoreLayout
    private let holds = ReaderFilePins()

    /// How many times the MANIFEST may change under a backup before it gives up.
    static let attempts = 50

    /// Reads the MANIFEST and lists the files it names (holding none yet).
    ///
    /// - Throws: `.corruption` (a MANIFEST that names no active file), `.io`,
    ///   `.unsupportedVersion`.
    static func take(_ layout: StoreLayout) throws(StoreError) -> BackupSnapshot {
        let (bytes, manifest) = try readManifest(layout)
        var files: [BackupFile] = []
        for p in manifest.projects {
            guard let active = p.files.last, !active.sealed else {
                throw .corruption(file: layout.manifest, offset: 0, reason: "project \(p.number) has no active log file")
            }
            for x in p.indexes {
                files.append(BackupFile(kind: .index(project: p.number, number: x.number), length: 0))
                if x.deletionRevision > 0 {
                    files.append(BackupFile(kind: .deletions(project: p.number, index: x.number, revision: x.deletionRevision),
                                            length: 0))
                }
            }
            for f in p.files {
                // For the active file, the MANIFEST's size is how far a clean close verified it.
                files.append(BackupFile(kind: .log(project: p.number, file: f.number, sealed: f.sealed), length: f.size))
            }
        }
        for i in files.indices {
            if case .log = files[i].kind { continue }
            // For the progress total only: `hold` measures again.
            files[i].length = (try? FileSystem.fileSize(files[i].path(in: layout))) ?? 0
        }
        return BackupSnapshot(manifestBytes: bytes, manifest: manifest, files: files, layout: layout)
    }

    /// Holds `files[range]` and measures them. Holding the chunk before reading any of it
    /// keeps it whole: a file held is the one the path named while held (`SharedFileLock`
    /// checks the inode), which is the one this MANIFEST names.
    ///
    /// - Throws: `.io` with `ENOENT` when a file is gone (the holder published meanwhile:
    ///   `manifestChanged` tells), `.corruption` for a sealed file of the wrong size, `.io`.
    func hold(_ range: Range<Int>) throws(StoreError) -> [BackupFile] {
        var chunk = Array(files[range])
        do throws(IOError) {
            for f in chunk { try holds.hold(f.path(in: layout)) }
        } catch { throw StoreError(error) }
        for i in chunk.indices {
            let path = chunk[i].path(in: layout)
            switch chunk[i].kind {
            case .log(_, _, sealed: false):
                let verified = max(Int64(LogFormat.fileHeaderSize), chunk[i].length)
                chunk[i].length = try Follower.wholeBatchEnd(path, from: verified)
            case .log(_, _, sealed: true):
                let size = try Self.fileSize(path)
                guard size == chunk[i].length else {
                    throw .corruption(file: path, offset: min(size, chunk[i].length),
                                      reason: "size \(size) differs from the manifest's \(chunk[i].length)")
                }
            case .index, .deletions:
                chunk[i].length = try Self.fileSize(path)
            }
        }
        return chunk
    }

    /// Lets go of the files held (the holder may delete those it retired meanwhile).
    func release() {
        holds.releaseAll()
    }

    /// True when the MANIFEST in place is no longer the one this snapshot read: a named
    /// file found missing was retired by a later publish, not lost.
    func manifestChanged() -> Bool {
        (try? Recovery.readManifest(layout.manifest))?.publishNumber != manifest.publishNumber
    }

    /// The MANIFEST's bytes as one read of the file that is in place now (a publish renames a
    /// whole new file over it, so they are one version), and their decoding.
    private static func readManifest(_ layout: StoreLayout) throws(StoreError) -> ([UInt8], Manifest) {
        let bytes: [UInt8]
        do throws(IOError) {
            let h = try FileHandle.openRead(layout.manifest)
            bytes = try h.read(count: Int(try h.size()), at: 0)
        } catch { throw StoreError(error) }
        let manifest = try bytes.withBytes { b throws(StoreError) in try Recovery.decodeManifest(b, path: layout.manifest) }
        return (bytes, manifest)
    }

    private static func fileSize(_ path: String) throws(StoreError) -> Int64 {
        do throws(IOError) { return try FileSystem.fileSize(path) } catch { throw StoreError(error) }
    }
}
