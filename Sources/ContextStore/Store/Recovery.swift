

/// Open-time recovery (SPEC.md, "Recovery"). It reads the manifest, checks every sealed
/// file's presence, header and size, scans each project's active file to its last whole
/// batch, and only then, when nothing is corrupt, changes the disk: torn tails are cut and
/// synced, orphans removed. A corrupt store is reported and left exactly as it was.
enum Recovery {
    struct Result {
        var manifest: Manifest
        var active: [UInt64: ActiveFileState]  // by project number
        var maxSequence: UInt64
        var report: RecoveryReport
    }

    /// Throws unless `layout` holds a store (a MANIFEST): `.noStore` where there is
    /// nothing (no directory, or only what an open leaves: `LOCK`, `MANIFEST.tmp`),
    /// `.notAStore` where other things are there. Reads metadata only.
    static func requireExisting(_ layout: StoreLayout) throws(StoreError) {
        if FileSystem.exists(layout.manifest) { return }
        let names = (try? FileSystem.list(layout.root)) ?? []
        if names.allSatisfy(isLeftByOpen) { throw .noStore(path: layout.root) }
        throw .notAStore(path: layout.root)
    }

    /// Names an open creates before its MANIFEST exists.
    private static func isLeftByOpen(_ name: String) -> Bool { name == "LOCK" || name == "MANIFEST.tmp" || name == "WRITER.sock" }

    /// Recovers the store's global state and the projects of `eager` (slots; nil: all):
    /// those are checked before anything on disk changes, as a whole. The others are
    /// recovered at their first use (`recoverProject`, from `StoreState.ensureLoaded`).
    static func run(_ layout: StoreLayout, eager: Range<Int>? = nil) throws(StoreError) -> Result {
        var report = RecoveryReport()
        let manifest: Manifest
        if FileSystem.exists(layout.manifest) {
            manifest = try readManifest(layout.manifest)
        } else {
            let names = (try? FileSystem.list(layout.root)) ?? []
            guard names.allSatisfy(isLeftByOpen) else {
                if names.contains("projects") {
                    throw .corruption(file: layout.manifest, offset: 0, reason: "MANIFEST is missing but project data exists")
                }
                throw .notAStore(path: layout.root)
            }
            var m = Manifest.empty(storeUUID: randomUUID())
            m.publishNumber = 1
            do throws(IOError) { try FileSystem.makeDirectory(layout.projects) } catch { throw StoreError(error) }
            do throws(FileSystem.PublishFailure) {
                try FileSystem.publishAtomically(ManifestCodec.encode(m), to: layout.manifest)
            } catch { throw StoreError(error.error) }
            report.created = true
            manifest = m
        }

        var active: [UInt64: ActiveFileState] = [:]
        var maxSeq = manifest.lastSequence
        var truncations: [(path: String, to: Int64)] = []
        var orphans: [String] = []
        var orphanDirs: [String] = []

        let eager = eager ?? manifest.projects.indices
        for project in manifest.projects[eager.clamped(to: manifest.projects.indices)] {
            let state = try check(layout, manifest, project, report: &report, truncations: &truncations, orphans: &orphans)
            active[project.number] = state
            maxSeq = max(maxSeq, state.lastSeq)
        }
        // Sequence numbers need only increase within a project: a project recovered later
        // raises the next number past its own (`recoverProject`) before its first write.
        for project in manifest.projects { for f in project.files where f.sealed { maxSeq = max(maxSeq, f.lastSeq) } }
        let knownProjects = Set(manifest.projects.map(\.number))
        for name in (try? FileSystem.list(layout.projects)) ?? [] {
            guard let n = StoreLayout.projectNumber(name), !knownProjects.contains(n) else { continue }
            let logDir = layout.logDirectory(n)
            for f in (try? FileSystem.list(logDir)) ?? [] where StoreLayout.logFileNumber(f) != nil {
                orphans.append(logDir + "/" + f)
            }
            let indexDir = layout.indexDirectory(n)
            for f in (try? FileSystem.list(indexDir)) ?? [] where f.hasSuffix(".idx") || f.hasSuffix(".del") {
                orphans.append(indexDir + "/" + f)
            }
            if FileSystem.isDirectory(indexDir) { orphanDirs.append(indexDir) }
            orphanDirs.append(logDir)
            orphanDirs.append(layout.projectDirectory(n))
        }

        // Nothing is corrupt: now, and only now, change the disk.
        do throws(IOError) {
            for t in truncations {
                let h = try FileHandle.openReadWrite(t.path)
                try h.truncate(to: t.to)
                try h.sync()
            }
            // Orphans include files a compaction retired while a reader process held them
            // (the holder that retired them may have exited since): those stay until the
            // reader lets go, and a later open removes them.
            var kept = false
            for path in orphans {
                if try SharedFileLock.unlinkUnlessShared(path) { report.removedOrphans.append(path) } else { kept = true }
            }
            for dir in orphanDirs where !kept {
                try FileSystem.removeDirectory(dir)
                report.removedOrphans.append(dir)
            }
            if !orphans.isEmpty || !orphanDirs.isEmpty {
                try FileSystem.syncDirectory(layout.projects)
            }
            if FileSystem.exists(layout.manifestTemp) {
                try FileSystem.unlink(layout.manifestTemp)
                report.removedOrphans.append(layout.manifestTemp)
            }
        } catch { throw StoreError(error) }
        return Result(manifest: manifest, active: active, maxSequence: maxSeq, report: report)
    }

    /// One project's part of recovery: every sealed file present, of its recorded size and
    /// header; the active file scanned (a torn tail scheduled in `truncations`); log files
    /// the MANIFEST does not name listed in `orphans`. Changes nothing.
    private static func check(_ layout: StoreLayout, _ manifest: Manifest, _ project: Manifest.ProjectEntry,
                              report: inout RecoveryReport, truncations: inout [(path: String, to: Int64)],
                              orphans: inout [String]) throws(StoreError) -> ActiveFileState {
        let dir = layout.logDirectory(project.number)
        guard let last = project.files.last, !last.sealed else {
            throw .corruption(file: layout.manifest, offset: 0, reason: "project \(project.number) has no active log file")
        }
        var active: ActiveFileState? = nil
        for entry in project.files {
            let path = layout.logFile(project: project.number, file: entry.number)
            let expected = LogFileHeader(fileNumber: entry.number, projectNumber: project.number, storeUUID: manifest.storeUUID)
            if entry.sealed {
                let size: Int64
                do throws(IOError) { size = try FileSystem.fileSize(path) } catch {
                    throw .corruption(file: path, offset: 0, reason: "sealed log file is missing (\(error.errnoText))")
                }
                guard size == entry.size else {
                    throw .corruption(file: path, offset: min(size, entry.size),
                                      reason: "size \(size) differs from the manifest's \(entry.size)")
                }
                try checkHeader(path: path, expected: expected)
            } else {
                active = try scanActive(path: path, expected: expected, verified: entry, report: &report, truncations: &truncations)
            }
        }
        // Log files the manifest does not name: created by a roll or project creation
        // whose manifest publish never happened.
        let known = Set(project.files.map(\.number))
        for name in (try? FileSystem.list(dir)) ?? [] {
            if let n = StoreLayout.logFileNumber(name), !known.contains(n) { orphans.append(dir + "/" + name) }
        }
        return active!
    }

    /// Recovers one project that open left for later (a store of more projects than
    /// `Configuration.maxLoadedProjects`), at its first use: the checks of open, then, if
    /// nothing is corrupt and `writable`, its torn tail cut and orphans removed. A corrupt
    /// project fails every use of it, changing nothing; the store's other projects work.
    static func recoverProject(_ layout: StoreLayout, _ manifest: Manifest, _ project: Manifest.ProjectEntry,
                               writable: Bool, report: inout RecoveryReport) throws(StoreError) -> ActiveFileState {
        var truncations: [(path: String, to: Int64)] = []
        var orphans: [String] = []
        var state = try check(layout, manifest, project, report: &report, truncations: &truncations, orphans: &orphans)
        guard writable else {
            // Read-only after a failure: nothing changes on disk; the torn tail is simply
            // not read (it ends the active file's whole batches).
            return state
        }
        do throws(IOError) {
            for t in truncations {
                let h = try FileHandle.openReadWrite(t.path)
                try h.truncate(to: t.to)
                try h.sync()
                state.size = t.to
            }
            for path in orphans where try SharedFileLock.unlinkUnlessShared(path) { report.removedOrphans.append(path) }
        } catch { throw StoreError(error) }
        return state
    }

    static func readManifest(_ path: String) throws(StoreError) -> Manifest {
        let map: MappedFile
        do throws(IOError) { map = try MappedFile(path: path) } catch { throw StoreError(error) }
        return try decodeManifest(map.bytes, path: path)
    }

    /// Decodes the bytes of the MANIFEST at `path` (version, CRC, body), its failures as
    /// the store reports them.
    static func decodeManifest(_ bytes: UnsafeRawBufferPointer, path: String) throws(StoreError) -> Manifest {
        do throws(ManifestCodec.DecodeError) {
            return try ManifestCodec.decode(bytes)
        } catch {
            switch error {
            case let .corrupt(offset, reason):
                throw .corruption(file: path, offset: Int64(offset), reason: "MANIFEST: \(reason)")
            case let .unsupportedVersion(v):
                throw .unsupportedVersion(file: path, found: Int(v), supported: Int(ManifestCodec.version))
            }
        }
    }

    static func checkHeader(path: String, expected: LogFileHeader) throws(StoreError) {
        let bytes: [UInt8]
        do throws(IOError) {
            bytes = try FileHandle.openRead(path).read(count: LogFormat.fileHeaderSize, at: 0)
        } catch { throw StoreError(error) }
        let header = try bytes.withBytes { buf throws(StoreError) in try decodeHeader(buf, path: path) }
        try check(header, expected: expected, path: path)
    }

    static func decodeHeader(_ buf: UnsafeRawBufferPointer, path: String) throws(StoreError) -> LogFileHeader {
        do throws(LogFileHeader.DecodeError) {
            return try LogFileHeader.decode(buf)
        } catch {
            if case let .unsupportedVersion(v) = error {
                throw .unsupportedVersion(file: path, found: Int(v), supported: Int(LogFormat.fileVersion))
            }
            throw .corruption(file: path, offset: 0, reason: "log file header: \(error)")
        }
    }

    static func check(_ header: LogFileHeader, expected: LogFileHeader, path: String) throws(StoreError) {
        guard header.storeUUID == expected.storeUUID else {
            throw .corruption(file: path, offset: 24, reason: "log file belongs to another store")
        }
        guard header.projectNumber == expected.projectNumber, header.fileNumber == expected.fileNumber else {
            throw .corruption(file: path, offset: 12, reason:
                "log file header names project \(header.projectNumber) file \(header.fileNumber); expected project \(expected.projectNumber) file \(expected.fileNumber)")
        }
    }

    /// Scans an active file to its last whole batch. A torn tail is scheduled for
    /// truncation; a bad batch followed by a good one is corruption.
    /// `verified` is the MANIFEST's entry for the file: a clean close records how far the
    /// file was verified (`size`, with its record count and sequence range), and only what
    /// follows is scanned.
    static func scanActive(path: String, expected: LogFileHeader, verified: Manifest.LogFileEntry,
                           report: inout RecoveryReport,
                           truncations: inout [(path: String, to: Int64)]) throws(StoreError) -> ActiveFileState {
        let reader: LogFileReader
        do throws(IOError) {
            reader = try LogFileReader(path: path, size: try FileSystem.fileSize(path))
        } catch {
            // A file the MANIFEST names that is not there is damage; any other failure to
            // open or map it is an I/O error, reported as one (nothing is changed).
            guard error.errno == ENOENT else { throw StoreError(error) }
            throw .corruption(file: path, offset: 0, reason: "active log file cannot be read (\(error.errnoText))")
        }
        let header = try decodeHeader(reader.map.bytes, path: path)
        try check(header, expected: expected, path: path)
        var state = ActiveFileState(number: expected.fileNumber, size: Int64(LogFormat.fileHeaderSize),
                                    recordCount: 0, firstSeq: 0, lastSeq: 0, version: header.version)
        if verified.size > Int64(LogFormat.fileHeaderSize) {
            guard verified.size <= Int64(reader.size) else {
                throw .corruption(file: path, offset: Int64(reader.size),
                                  reason: "active log file is \(reader.size) bytes, shorter than the \(verified.size) verified at the last clean close")
            }
            state = ActiveFileState(number: expected.fileNumber, size: verified.size, recordCount: verified.recordCount,
                                    firstSeq: verified.firstSeq, lastSeq: verified.lastSeq, version: header.version)
        }
        var orderError: Int64? = nil
        let ending = reader.scanFrames(from: Int(state.size)) { offset, batch in
            if state.recordCount > 0 && batch.firstSeq <= state.lastSeq && orderError == nil {
                orderError = Int64(offset)
            }
            if state.recordCount == 0 { state.firstSeq = batch.firstSeq }
            state.lastSeq = batch.lastSeq
            state.recordCount += UInt64(batch.recordCount)
            state.size = Int64(offset + batch.frameLength)
        }
        if let at = orderError {
            throw .corruption(file: path, offset: at, reason: "batch sequence numbers go backwards")
        }
        switch ending {
        case .clean:
            break
        case let .tornTail(validEnd, dropped):
            truncations.append((path, validEnd))
            report.tornTails.append(.init(file: path, validEnd: validEnd, droppedBytes: dropped))
        case let .corrupt(offset, reason):
            throw .corruption(file: path, offset: offset, reason: reason)
        }
        return state
    }

    static func randomUUID() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
