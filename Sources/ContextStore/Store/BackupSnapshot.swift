#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a backup copies: one MANIFEST as it was published (its exact bytes) and every file
/// it names, each held with the shared `flock` a reader's view takes (`ReaderFilePins`,
/// SPEC.md section 12.2). While held, no holder, in this process or another, deletes one
/// (a compaction's inputs, replaced index and deletion files, orphans at a later open): it
/// waits until `release()`. So the files stay whatever rolls, seals and compactions the
/// holder publishes meanwhile, and they are the files this MANIFEST means.
///
/// The active log files are measured once, when the snapshot is taken: the copy holds each
/// up to the last whole, checksummed batch it had then (a batch being written is never
/// copied in part), so every project is cut at about the same moment. Every write
/// acknowledged before `take` began is inside: an acknowledged batch is written before its
/// call returns, and a roll or new project is published before its batches are acknowledged.
struct BackupSnapshot {
    /// The MANIFEST's bytes, written unchanged as the copy's MANIFEST.
    let manifestBytes: [UInt8]
    let manifest: Manifest
    /// Every file the MANIFEST names, measured.
    let files: [BackupFile]
    private let holds: ReaderFilePins

    /// How many times the MANIFEST may change under one attempt before `take` gives up.
    private static let attempts = 50

    /// Reads the MANIFEST and holds its files. A file gone before it could be held means the
    /// holder published again meanwhile (and removed it): the MANIFEST is read again.
    ///
    /// - Throws: `.corruption` (a MANIFEST that names no active file, a sealed file of the
    ///   wrong size, a named file missing while the MANIFEST stays the same), `.io`,
    ///   `.unsupportedVersion`.
    static func take(_ layout: StoreLayout) throws(StoreError) -> BackupSnapshot {
        var attempt = 0
        while true {
            let (bytes, manifest) = try readManifest(layout)
            let holds = ReaderFilePins()
            do throws(StoreError) {
                let files = try hold(manifest, layout, holds)
                return BackupSnapshot(manifestBytes: bytes, manifest: manifest, files: files, holds: holds)
            } catch {
                holds.releaseAll()
                attempt += 1
                let now = try? Recovery.readManifest(layout.manifest)
                if attempt < attempts, now?.publishNumber != manifest.publishNumber { continue }
                if case let .io(_, path, errno) = error, errno == ENOENT {
                    throw .corruption(file: path, offset: 0, reason: "a file the MANIFEST names is missing")
                }
                throw error
            }
        }
    }

    /// Lets go of the files (the holder may delete those it retired meanwhile).
    func release() {
        holds.releaseAll()
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

    /// Holds every file `manifest` names, then measures them. Holding all of them before
    /// reading any keeps the set whole: a file held is the one the path named while held
    /// (`SharedFileLock` checks the inode), which is the one this MANIFEST names.
    private static func hold(_ manifest: Manifest, _ layout: StoreLayout,
                             _ holds: ReaderFilePins) throws(StoreError) -> [BackupFile] {
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
        do throws(IOError) {
            for f in files { try holds.hold(f.path(in: layout)) }
        } catch { throw StoreError(error) }
        for i in files.indices {
            let path = files[i].path(in: layout)
            switch files[i].kind {
            case .log(_, _, sealed: false):
                let verified = max(Int64(LogFormat.fileHeaderSize), files[i].length)
                files[i].length = try Follower.wholeBatchEnd(path, from: verified)
            case .log(_, _, sealed: true):
                let size = try fileSize(path)
                guard size == files[i].length else {
                    throw .corruption(file: path, offset: min(size, files[i].length),
                                      reason: "size \(size) differs from the manifest's \(files[i].length)")
                }
            case .index, .deletions:
                files[i].length = try fileSize(path)
            }
        }
        return files
    }

    private static func fileSize(_ path: String) throws(StoreError) -> Int64 {
        do throws(IOError) { return try FileSystem.fileSize(path) } catch { throw StoreError(error) }
    }
}
