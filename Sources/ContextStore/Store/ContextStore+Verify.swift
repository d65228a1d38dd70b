

extension ContextStore {
    /// Checks the store in `directory` without opening it for writing (no lock is taken,
    /// nothing is written); safe beside a holder in another process (the active file's
    /// batch being written shows as a torn-tail warning). - Throws: `.noStore` where there is no store (nothing is
    /// created), and otherwise only when the manifest itself cannot be read.
    ///
    /// Cost: reads, checks and decompresses every log file once; memory holds one batch.
    public static func verify(directory: String) throws(StoreError) -> VerifyReport {
        let layout = StoreLayout(root: directory)
        try Recovery.requireExisting(layout)
        // Beside a holder, a project's files are held (as a reader holds them) while it is
        // checked, so that a compaction cannot remove them mid-check; a file removed between
        // the MANIFEST read and its hold means the holder moved on: the project is checked
        // as the MANIFEST names it now. One project's files are held at a time, so a store
        // of any number of projects verifies under a small `ulimit -n`.
        var manifest = try Recovery.readManifest(layout.manifest)
        var report = VerifyReport()
        report.projects = manifest.projects.count
        for number in manifest.projects.map(\.number) {
            var attempts = 0
            while true {
                guard let project = manifest.projects.first(where: { $0.number == number }) else { break }
                let pins = ReaderFilePins()
                let paths = project.files.map { layout.logFile(project: project.number, file: $0.number) }
                    + project.indexes.map { layout.indexFile(project: project.number, index: $0.number) }
                    + project.indexes.filter { $0.deletionRevision > 0 }.map {
                        layout.deletionFile(project: project.number, index: $0.number, revision: $0.deletionRevision)
                    }
                var missing = false
                for p in paths where (try? pins.hold(p)) == nil { missing = true }
                attempts += 1
                if missing, attempts < 50, let now = try? Recovery.readManifest(layout.manifest),
                   now.publishNumber != manifest.publishNumber {
                    manifest = now
                    continue
                }
                verify(layout, manifest, project, into: &report)
                break
            }
        }
        return report
    }

    /// The checks of `verify(directory:)` of one project against `manifest`, its files held.
    private static func verify(_ layout: StoreLayout, _ manifest: Manifest, _ project: Manifest.ProjectEntry,
                               into report: inout VerifyReport) {
        do {
            var projectLast: UInt64 = 0
            for entry in project.files {
                let path = layout.logFile(project: project.number, file: entry.number)
                report.files += 1
                let size: Int64
                do throws(IOError) { size = try FileSystem.fileSize(path) } catch {
                    report.problems.append("\(path): missing (\(error.errnoText))")
                    continue
                }
                report.bytes += size
                if entry.sealed && size != entry.size {
                    report.problems.append("\(path): size \(size), manifest says \(entry.size)")
                    continue
                }
                let reader: LogFileReader
                do throws(IOError) { reader = try LogFileReader(path: path, size: size) } catch {
                    report.problems.append("\(error)")
                    continue
                }
                do throws(StoreError) {
                    let header = try Recovery.decodeHeader(reader.map.bytes, path: path)
                    try Recovery.check(header, expected: LogFileHeader(
                        fileNumber: entry.number, projectNumber: project.number, storeUUID: manifest.storeUUID),
                        path: path)
                } catch {
                    report.problems.append(error.description)
                    continue
                }
                var count: UInt64 = 0
                var fileProblems: [String] = []
                let ending = reader.scanFrames { offset, batch in
                    report.batches += 1
                    do throws(LogError) {
                        let records = try reader.records(of: batch, at: offset, projectID: project.projectID)
                        if let first = records.first, first.seq <= projectLast {
                            fileProblems.append("\(path) @\(offset): sequence \(first.seq) after \(projectLast)")
                        }
                        projectLast = records.last?.seq ?? projectLast
                        count += UInt64(records.count)
                    } catch {
                        fileProblems.append(StoreError(error).description)
                    }
                }
                report.problems += fileProblems
                report.records += Int(count)
                switch ending {
                case .clean: break
                case let .tornTail(validEnd, dropped):
                    if entry.sealed {
                        report.problems.append("\(path): sealed file has a bad tail at \(validEnd) (\(dropped) bytes)")
                    } else {
                        report.warnings.append("\(path): torn tail at \(validEnd), \(dropped) bytes (the next open cuts it off)")
                    }
                case let .corrupt(offset, reason):
                    report.problems.append("corruption in \(path) at offset \(offset): \(reason)")
                }
                if entry.sealed && count != entry.recordCount {
                    report.problems.append("\(path): \(count) records, manifest says \(entry.recordCount)")
                }
            }
            for x in project.indexes {
                let path = layout.indexFile(project: project.number, index: x.number)
                report.files += 1
                do throws(IndexError) {
                    let seg = try IndexFileReader(path: path, number: x.number, project: project.number)
                    if let problem = seg.verifyChecksums() { report.problems.append(problem) }
                    if seg.docCount != Int(x.docCount) {
                        report.problems.append("\(path): \(seg.docCount) docs, manifest says \(x.docCount)")
                    }
                    if x.deletionRevision > 0 {
                        _ = try IndexFileReader.readDeletions(
                            path: layout.deletionFile(project: project.number, index: x.number, revision: x.deletionRevision),
                            docCount: seg.docCount)
                    }
                } catch {
                    report.problems.append("\(StoreError(error)) (index files are derived data: the next open rebuilds them from the log)")
                }
            }
            let known = Set(project.files.map(\.number))
            for name in (try? FileSystem.list(layout.logDirectory(project.number))) ?? [] {
                if let n = StoreLayout.logFileNumber(name), !known.contains(n) {
                    report.warnings.append("\(layout.logDirectory(project.number))/\(name): not in the manifest (removed at next open)")
                }
            }
        }
    }
}
