/// One group commit, on the writer thread: a run of appends and syncs taken from the
/// queue together becomes, per touched project, LZ4 batches (`batch`); files are rolled
/// and projects created first, and the MANIFEST naming them published, before any frame
/// is written (`prepareFiles`); then the frames go to each project's active file with one
/// `pwrite` per file (`place`) and one sync per touched file as the durability asks
/// (`sync`). Only then are the records applied to the indexes and the active tier,
/// published to readers, and the requests completed (by the caller, `WriteQueue`).
///
/// **All or nothing.** A group is one unit: if a `pwrite` or a sync of its frames fails,
/// every file it wrote is cut back to its size before the group (`undo`) and synced, so
/// none of its records survives, not even after a crash, and every request of the group
/// fails with the error (SPEC.md section 5.1). Because every file the frames go to is
/// already named by the durable MANIFEST, that cut is the whole undo. A failed `pwrite`
/// (a full disk) leaves the store writable once undone; a failed sync latches it read-only
/// (a failed fsync is never retried); an undo that itself fails leaves the group's fate to
/// the next open (`notAcknowledged`), whole batches or nothing of each file. A failure
/// before any frame is written (creating a project, rolling a file, publishing the
/// MANIFEST) restores the writer's state (`StoreState.restore`) and leaves it writable too.
struct GroupCommit {
    let state: StoreState

    /// One LZ4 batch, encoded, not yet placed.
    private struct Frame {
        var bytes: [UInt8] = []
        var recordCount = 0
        var firstSeq: UInt64 = 0
        var lastSeq: UInt64 = 0
    }

    /// Where each operation of a request went: its project slot, the frame of that
    /// project, and its index in the frame.
    private typealias Ref = (slot: Int, frame: Int, index: Int)

    /// Why a group failed, and whether the store must go read-only for it.
    struct Failure: Error {
        let error: StoreError
        /// False when the store is as before the group, on disk and in memory: a failed
        /// `pwrite` of frames that was cut back, or a failure before any frame was written.
        let latch: Bool
    }

    /// What a committed run gives each request (its locations; none for a sync), and an
    /// error of the seal that followed, if one failed: the records are stored all the same,
    /// but the store goes read-only.
    struct Outcome {
        var results: [Result<[RecordLocation], StoreError>]
        var sealFailure: StoreError?
    }

    /// Commits a run.
    func write(_ run: [WriteRequest]) throws(Failure) -> Outcome {
        var manifestDirty = false
        let (touched, frames, refs, wantsSync): ([Int], [Int: [Frame]], [[Ref]], Bool)
        // The run's existing projects are loaded first, outside the checkpoint: a load may
        // publish a MANIFEST (a rebuilt index), which no undo may take back.
        do throws(StoreError) {
            var seen = Set<Int>()
            for case let .append(ops, _, _) in run {
                for op in ops {
                    if let p = state.slot(of: op.projectID), seen.insert(p).inserted { try state.ensureLoaded(p) }
                }
            }
        } catch {
            throw Failure(error: error, latch: state.installFailed)
        }
        let checkpoint = state.checkpoint()
        do throws(StoreError) {
            (touched, frames, refs, wantsSync) = try batch(run, manifestDirty: &manifestDirty)
            try prepareFiles(frames, touched: touched, manifestDirty: &manifestDirty)
        } catch {
            // No frame is written yet, and the durable MANIFEST is the one before the run
            // (unless its publish is in doubt): forget the projects and rolls made for it.
            // A roll that failed half-way (its old file synced, sealed in memory only) is
            // undone the same way.
            if state.manifestInDoubt { throw Failure(error: error, latch: true) }
            state.restore(checkpoint)
            throw Failure(error: error, latch: state.dataSyncFailed)
        }
        let before = touched.map { (slot: $0, state: state.active[$0]!.state) }
        let placed: [Int: [(file: UInt32, offset: Int64)]]
        do throws(StoreError) {
            placed = try place(frames, touched: touched)
            try sync(wantsSync: wantsSync)
        } catch {
            throw undo(error, before)
        }

        state.stats.groups += 1
        state.stats.records += refs.reduce(0) { $0 + $1.count }
        let locations: [[RecordLocation]] = refs.map { mine in
            mine.map { ref in
                let loc = placed[ref.slot]![ref.frame]
                return RecordLocation(fileNumber: loc.file, batchOffset: loc.offset, index: ref.index)
            }
        }
        applyToIndexes(run, refs: refs, locations: locations)
        for p in touched { state.republish(p) }
        var outcome = Outcome(results: zip(run, locations).map { request, locs in
            if case .sync = request { return .success([]) }
            return .success(locs)
        })
        do throws(StoreError) {
            for p in touched where state.needsSeal(state.indexes[p]!.writerView.memtable) { try state.seal(p) }
            try state.sealOverBudget()
        } catch {
            outcome.sealFailure = error
        }
        return outcome
    }

    /// Cuts every file the group wrote back to its size before the group, syncs it, and
    /// restores the writer's record of it. Returns how the group failed: `error` if the
    /// cut held (latching only for a failed sync), else `notAcknowledged` (latched).
    private func undo(_ error: StoreError, _ before: [(slot: Int, state: ActiveFileState)]) -> Failure {
        do throws(StoreError) {
            for (p, st) in before {
                guard let file = state.active[p], file.state.size != st.size || file.dirty else { continue }
                let h = try state.handle(p)
                do throws(IOError) {
                    try h.truncate(to: st.size)
                    try h.sync()
                } catch { throw StoreError(error) }
                state.active[p]!.state = st
                state.active[p]!.dirty = false
            }
        } catch let undoError {
            return Failure(error: .notAcknowledged(reason:
                "\(error); cutting the failed write back failed too (\(undoError.description)): the next open keeps "
                + "or drops each of its batches whole"), latch: true)
        }
        return Failure(error: error, latch: state.dataSyncFailed)
    }

    /// Encodes the run's records into batches per project (sequence numbers taken in queue
    /// order), creating projects that are new.
    private func batch(_ run: [WriteRequest], manifestDirty: inout Bool)
        throws(StoreError) -> (touched: [Int], frames: [Int: [Frame]], refs: [[Ref]], wantsSync: Bool) {
        var touched: [Int] = []
        var builders: [Int: BatchBuilder] = [:]
        var frames: [Int: [Frame]] = [:]
        var refs: [[Ref]] = []
        var wantsSync = false

        func close(_ p: Int) {
            guard var b = builders[p], !b.isEmpty else { return }
            var f = Frame(recordCount: b.recordCount, firstSeq: b.firstSeq, lastSeq: b.lastSeq)
            b.finish(appendingTo: &f.bytes)
            frames[p, default: []].append(f)
            builders[p] = b
        }

        for request in run {
            switch request {
            case .sync, .control, .load:  // `WriteQueue` keeps control and load requests out of runs
                wantsSync = true
                refs.append([])
            case let .append(ops, _, _):
                var mine: [Ref] = []
                mine.reserveCapacity(ops.count)
                for op in ops {
                    let p = try state.slot(for: op.projectID, created: &manifestDirty)
                    if builders[p] == nil {
                        // The frames go to a file of the configured version (`prepareFiles`
                        // rolls an older active file first).
                        let version = state.configuration.logFileVersion
                        builders[p] = BatchBuilder(compression: state.configuration.logCompression.usable(inFileVersion: version))
                        touched.append(p)
                    }
                    builders[p]!.append(seq: state.nextSeq, record: op.record)
                    state.nextSeq += 1
                    mine.append((p, frames[p]?.count ?? 0, builders[p]!.recordCount - 1))
                    if builders[p]!.uncompressedSize >= state.configuration.batchTargetBytes { close(p) }
                }
                refs.append(mine)
            }
        }
        for p in touched { close(p) }
        return (touched, frames, refs, wantsSync)
    }

    /// Rolls each touched project whose frames would carry its active file past
    /// `logFileSize` (a group's frames of one project share one file, so that an undo is
    /// one cut per file) or whose active file is of an older version than the frames (an
    /// older build's file keeps only what that build can read), then publishes the MANIFEST
    /// if projects were created or files rolled: from then on every file the frames go to is
    /// named by the durable MANIFEST.
    private func prepareFiles(_ frames: [Int: [Frame]], touched: [Int], manifestDirty: inout Bool) throws(StoreError) {
        for p in touched {
            let bytes = (frames[p] ?? []).reduce(Int64(0)) { $0 + Int64($1.bytes.count) }
            let file = state.active[p]!.state
            let used = file.size
            if (used + bytes > Int64(state.configuration.logFileSize) && used > Int64(LogFormat.fileHeaderSize))
                || file.version < state.configuration.logFileVersion {
                try state.roll(p)
                manifestDirty = true
            }
            // Record locations hold a batch offset in 32 bits (SPEC.md section 9).
            guard Int64(LogFormat.fileHeaderSize) + bytes <= Int64(UInt32.max) else {
                throw .io(operation: "write", path: state.layout.logDirectory(state.manifest.projects[p].number), errno: EFBIG)
            }
        }
        if manifestDirty { try state.publishManifest() }
    }

    /// Places frames in the active files, one `pwrite` per project (its frames share one
    /// file: `prepareFiles` rolled first); returns where each frame went.
    private func place(_ frames: [Int: [Frame]], touched: [Int]) throws(StoreError) -> [Int: [(file: UInt32, offset: Int64)]] {
        var placed: [Int: [(file: UInt32, offset: Int64)]] = [:]
        for p in touched {
            var buffer: [UInt8] = []
            let bufferStart = state.active[p]!.state.size
            for frame in frames[p] ?? [] {
                placed[p, default: []].append((state.active[p]!.state.number, state.active[p]!.state.size))
                buffer.append(contentsOf: frame.bytes)
                var st = state.active[p]!.state
                if st.recordCount == 0 { st.firstSeq = frame.firstSeq }
                st.lastSeq = frame.lastSeq
                st.recordCount += UInt64(frame.recordCount)
                st.size += Int64(frame.bytes.count)
                state.active[p]!.state = st
            }
            guard !buffer.isEmpty else { continue }
            // Marked dirty first: a short or failed write leaves bytes to cut (`undo`).
            state.active[p]!.dirty = true
            let h = try state.handle(p)
            do throws(IOError) { try h.write(buffer, at: bufferStart) } catch { throw StoreError(error) }
            state.stats.writes += 1
        }
        return placed
    }

    /// Syncs the written files as the durability asks (always for an explicit sync).
    private func sync(wantsSync: Bool) throws(StoreError) {
        let syncNow: Bool
        switch state.configuration.durability {
        case .syncEachBatch: syncNow = true
        case let .periodic(ms): syncNow = wantsSync || monotonicNanoseconds() - state.lastSyncNanos >= UInt64(ms) * 1_000_000
        case .buffered: syncNow = wantsSync
        }
        if syncNow { try state.syncDirtyFiles() }
    }

    /// Applies a written run to the projects' memtables (both copies of each pair) and to
    /// the active tier, in log order.
    private func applyToIndexes(_ run: [WriteRequest], refs: [[Ref]], locations: [[RecordLocation]]) {
        var byProject: [Int: [(IndexOperation, RecordLocation)]] = [:]
        var order: [Int] = []
        for (r, request) in run.enumerated() {
            guard case let .append(ops, _, _) = request else { continue }
            for (i, op) in ops.enumerated() {
                let p = refs[r][i].slot
                if byProject[p] == nil { order.append(p) }
                byProject[p, default: []].append((op.index, locations[r][i]))
            }
        }
        let activeTier = state.view.activeTier
        for p in order {
            let ops = byProject[p]!
            state.indexes[p]!.write { pi in
                for (op, loc) in ops {
                    switch op {
                    case let .put(s, analyzed): pi.applyPut(s, analyzed: analyzed, location: loc)
                    case let .delete(id): pi.applyDelete(id)
                    }
                }
            }
            let projectID = state.manifest.projects[p].projectID
            for (op, _) in ops {
                switch op {
                case let .put(s, _) where s.tier == .working: activeTier.put(s)
                case let .put(s, _): activeTier.remove(project: projectID, id: s.segmentID)
                case let .delete(id): activeTier.remove(project: projectID, id: id)
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
