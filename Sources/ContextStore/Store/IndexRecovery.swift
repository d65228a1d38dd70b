/// Loads a project's index (at open for the first `Configuration.maxLoadedProjects`, later
/// at first use): maps the index files the MANIFEST names (header and
/// footer only), reads their deletion files, then replays the log from the point the index
/// files cover (`indexedThrough`) into a fresh memtable. Open time therefore depends on the
/// unindexed tail, not on the size of the store.
///
/// Index files are derived data: if one is damaged or missing (or a deletion file is), the
/// project's index is rebuilt from its whole log (reported in
/// `RecoveryReport.rebuiltIndexes`, and the project's number put in `rebuilt`, so that a
/// holder records in the MANIFEST that the project has no index files any more). An I/O
/// error other than a missing file is thrown: the disk, not the file, is the problem.
enum IndexRecovery {
    /// Loads one project (a holder does, at its first use: `StoreState.ensureLoaded`);
    /// `rebuilt` tells the caller its index files were rebuilt from the log.
    static func loadProject(_ layout: StoreLayout, _ project: Manifest.ProjectEntry, active: ActiveFileState?,
                            report: inout RecoveryReport, rebuilt: inout Bool) throws(StoreError) -> IndexPair {
        let activeFiles = active.map { [project.number: $0] } ?? [:]
        var pair: IndexPair
        do throws(StoreError) {
            pair = try open(layout, project)
            try replay(layout, project, active: activeFiles, into: pair, from: project.indexedThrough)
        } catch {
            guard isRebuildable(error) else { throw error }
            rebuilt = true
            report.rebuiltIndexes.append("\(project.number): \(error)")
            let start: LogPosition
            (pair, start) = emptyPair(project)
            try replay(layout, project, active: activeFiles, into: pair, from: start)
        }
        removeOrphans(layout, project, report: &report)
        return pair
    }

    /// Whether opening a project's index files failed in a way a rebuild from the log
    /// mends: damage, or a missing file. Any other I/O error is the disk's, not the file's.
    static func isRebuildable(_ error: StoreError) -> Bool {
        if case let .io(_, _, e) = error, e != ENOENT { return false }
        if case .diskFull = error { return false }
        return true
    }

    /// A project's index with no index files and an empty memtable starting at the first
    /// record of its log, and that start: replaying the whole log into it rebuilds it.
    static func emptyPair(_ project: Manifest.ProjectEntry) -> (IndexPair, LogPosition) {
        let start = LogPosition(file: project.files.first?.number ?? 1, offset: Int64(LogFormat.fileHeaderSize))
        let pair = IndexPair {
            ProjectIndex(number: project.number, projectID: project.projectID, files: [],
                         memtableStart: start, totals: ProjectTotals())
        }
        return (pair, start)
    }

    /// Maps the index files the MANIFEST names for `project` and reads their deletion files;
    /// the memtable is empty, starting at `indexedThrough`.
    static func open(_ layout: StoreLayout, _ project: Manifest.ProjectEntry) throws(StoreError) -> IndexPair {
        var files: [IndexFileState] = []
        for x in project.indexes {
            let path = layout.indexFile(project: project.number, index: x.number)
            // A process found a section of it damaged (`IndexFileReader.damage`): rebuild.
            if FileSystem.exists(IndexFormat.damageMarker(forIndexFile: path)) {
                throw .corruption(file: path, offset: 0, reason: "index file: marked damaged by an earlier read or verify")
            }
            let seg: IndexFileReader
            do throws(IndexError) {
                seg = try IndexFileReader(path: path, number: x.number, project: project.number)
            } catch { throw StoreError(error) }
            guard seg.docCount == Int(x.docCount) else {
                throw .corruption(file: seg.path, offset: 0, reason: "holds \(seg.docCount) docs, the MANIFEST says \(x.docCount)")
            }
            var dead = Bitmap(count: seg.docCount)
            if x.deletionRevision > 0 {
                do throws(IndexError) {
                    dead = try IndexFileReader.readDeletions(
                        path: layout.deletionFile(project: project.number, index: x.number, revision: x.deletionRevision),
                        docCount: seg.docCount)
                } catch { throw StoreError(error) }
            }
            files.append(IndexFileState(reader: seg, dead: dead, persisted: dead,
                                        deletionRevision: x.deletionRevision, deadCount: dead.setCount))
        }
        return IndexPair {
            ProjectIndex(number: project.number, projectID: project.projectID, files: files,
                         memtableStart: project.indexedThrough, totals: project.totals)
        }
    }

    /// Applies every record from `start` to the end of the project's log.
    static func replay(_ layout: StoreLayout, _ project: Manifest.ProjectEntry, active: [UInt64: ActiveFileState],
                       into pair: IndexPair, from start: LogPosition) throws(StoreError) {
        for f in project.files(from: start) {
            let size = f.sealed ? f.size : (active[project.number]?.size ?? Int64(LogFormat.fileHeaderSize))
            let path = layout.logFile(project: project.number, file: f.number)
            let reader: LogFileReader
            do throws(IOError) { reader = try LogFileReader(path: path, size: size) } catch { throw StoreError(error) }
            let from = f.number == start.file ? Int(start.offset) : LogFormat.fileHeaderSize
            try reader.forEachBatch(from: from, projectID: project.projectID) { o, records throws(StoreError) in
                apply(records, file: f.number, batchOffset: o, to: pair)
            }
        }
    }

    /// Applies one batch's records (read at `batchOffset` of log file `file`) to both
    /// copies of `pair`, analyzing each text once.
    static func apply(_ records: [SequencedRecord], file: UInt32, batchOffset o: Int, to pair: IndexPair) {
        let analyzed = records.map { r -> AnalyzedText? in
            if case let .put(s) = r.record { return AnalyzedText(s.text) } else { return nil }
        }
        pair.write { pi in
            for (i, r) in records.enumerated() {
                switch r.record {
                case let .put(s):
                    pi.applyPut(s, analyzed: analyzed[i]!,
                                location: RecordLocation(fileNumber: file, batchOffset: Int64(o), index: i))
                case let .delete(id):
                    pi.applyDelete(id)
                }
            }
        }
    }

    /// Index and deletion files the MANIFEST does not name (a seal whose publish never
    /// happened, or deletion files a later revision replaced) are removed, except those a
    /// reader process still holds (a later open removes them).
    private static func removeOrphans(_ layout: StoreLayout, _ project: Manifest.ProjectEntry, report: inout RecoveryReport) {
        let dir = layout.indexDirectory(project.number)
        var keep = Set<String>()
        for x in project.indexes {
            keep.insert(layout.indexFile(project: project.number, index: x.number))
            // A marker stays while the file it marks is named (a reader process cannot
            // rebuild; the holder's rebuild publishes a MANIFEST that names the file no more).
            keep.insert(IndexFormat.damageMarker(forIndexFile: layout.indexFile(project: project.number, index: x.number)))
            if x.deletionRevision > 0 {
                keep.insert(layout.deletionFile(project: project.number, index: x.number, revision: x.deletionRevision))
            }
        }
        for name in (try? FileSystem.list(dir)) ?? [] where name.hasSuffix(".idx") || name.hasSuffix(".del") || name.hasSuffix(".tmp") || name.hasSuffix(".damaged") {
            let path = dir + "/" + name
            // A reader in another process may still map a file a compaction retired.
            if !keep.contains(path), (try? SharedFileLock.unlinkUnlessShared(path)) == true { report.removedOrphans.append(path) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
