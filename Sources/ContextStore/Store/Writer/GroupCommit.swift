/// One group commit, on the writer thread: a run of appends and syncs taken from the
/// queue together becomes, per touched project, LZ4 batches (`batch`), placed in the
/// project's active file with one `pwrite` per file, rolling where a file would pass its
/// size (`place`), then one sync per touched file as the durability asks (`syncAndPublish`).
/// Only then are the records applied to the indexes and the active tier, published to
/// readers, and the requests completed (by the caller, `WriteQueue`).
///
/// An error is an I/O failure half-way: the caller latches the store read-only.
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

    /// Commits a run; returns each request's locations (none for a sync).
    func write(_ run: [WriteRequest]) throws(StoreError) -> [Result<[RecordLocation], StoreError>] {
        var manifestDirty = false
        let (touched, frames, refs, wantsSync) = try batch(run, manifestDirty: &manifestDirty)
        let placed = try place(frames, touched: touched, manifestDirty: &manifestDirty)
        try syncAndPublish(wantsSync: wantsSync, manifestDirty: manifestDirty)

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
        for p in touched where state.needsSeal(state.indexes[p]!.writerView.memtable) { try state.seal(p) }
        return zip(run, locations).map { request, locs in
            if case .sync = request { return .success([]) }
            return .success(locs)
        }
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
            case .sync, .control:  // `WriteQueue` keeps control requests out of runs
                wantsSync = true
                refs.append([])
            case let .append(ops, _):
                var mine: [Ref] = []
                mine.reserveCapacity(ops.count)
                for op in ops {
                    let p = try state.slot(for: op.projectID, created: &manifestDirty)
                    if builders[p] == nil {
                        builders[p] = BatchBuilder()
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

    /// Places frames in the active files (rolling where a file would pass its size), one
    /// `pwrite` per project and file; returns where each frame went.
    private func place(_ frames: [Int: [Frame]], touched: [Int], manifestDirty: inout Bool)
        throws(StoreError) -> [Int: [(file: UInt32, offset: Int64)]] {
        var placed: [Int: [(file: UInt32, offset: Int64)]] = [:]
        for p in touched {
            var buffer: [UInt8] = []
            var bufferStart = state.active[p]!.state.size
            func flush() throws(StoreError) {
                guard !buffer.isEmpty else { return }
                do throws(IOError) { try state.active[p]!.handle.write(buffer, at: bufferStart) } catch { throw StoreError(error) }
                state.stats.writes += 1
                state.active[p]!.dirty = true
                buffer.removeAll(keepingCapacity: true)
            }
            for frame in frames[p] ?? [] {
                let used = state.active[p]!.state.size
                if used + Int64(frame.bytes.count) > Int64(state.configuration.logFileSize)
                    && used > Int64(LogFormat.fileHeaderSize) {
                    try flush()
                    try state.roll(p)
                    manifestDirty = true
                    bufferStart = state.active[p]!.state.size
                }
                placed[p, default: []].append((state.active[p]!.state.number, state.active[p]!.state.size))
                buffer.append(contentsOf: frame.bytes)
                var st = state.active[p]!.state
                if st.recordCount == 0 { st.firstSeq = frame.firstSeq }
                st.lastSeq = frame.lastSeq
                st.recordCount += UInt64(frame.recordCount)
                st.size += Int64(frame.bytes.count)
                state.active[p]!.state = st
            }
            try flush()
        }
        return placed
    }

    /// Syncs the written files as the durability asks (always for an explicit sync), and
    /// publishes the MANIFEST if files were created.
    private func syncAndPublish(wantsSync: Bool, manifestDirty: Bool) throws(StoreError) {
        let syncNow: Bool
        switch state.configuration.durability {
        case .syncEachBatch: syncNow = true
        case let .periodic(ms): syncNow = wantsSync || monotonicNanoseconds() - state.lastSyncNanos >= UInt64(ms) * 1_000_000
        case .buffered: syncNow = wantsSync
        }
        if syncNow { try state.syncDirtyFiles() }
        if manifestDirty { try state.publishManifest() }
    }

    /// Applies a written run to the projects' memtables (both copies of each pair) and to
    /// the active tier, in log order.
    private func applyToIndexes(_ run: [WriteRequest], refs: [[Ref]], locations: [[RecordLocation]]) {
        var byProject: [Int: [(IndexOperation, RecordLocation)]] = [:]
        var order: [Int] = []
        for (r, request) in run.enumerated() {
            guard case let .append(ops, _) = request else { continue }
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
