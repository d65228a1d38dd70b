/// Read-only maps of log files for point reads (get, search results), shared by all
/// readers. A file is mapped once for at least the configured log size: mapping past the
/// end of a file is allowed, and only acknowledged bytes (always inside the file) are
/// read, so the active file needs no remap as it grows. A record beyond the mapped length
/// (a file larger than the configuration, from an oversize record) remaps it.
///
/// At most `maxMaps` files stay mapped, least recently used unmapped first
/// (`Configuration.maxMappedLogFiles`): a store of many projects would otherwise reach the
/// process's limit on mappings. A reader in flight holds its `MappedFile`, which stays
/// mapped until it lets go.
final class LogMapCache: Sendable {
    let layout: StoreLayout
    let minimumLength: Int
    private let maps: Locked<LRUCache<Key, MappedFile>>

    struct Key: Hashable { var project: UInt64; var file: UInt32 }

    init(layout: StoreLayout, minimumLength: Int, maxMaps: Int) {
        self.layout = layout
        self.minimumLength = minimumLength
        self.maps = Locked(LRUCache(maxCount: maxMaps, maxBytes: Int.max))
    }

    func map(project: UInt64, file: UInt32, needing end: Int) throws(StoreError) -> MappedFile {
        let key = Key(project: project, file: file)
        if let m = maps.withLock({ $0.get(key) }), m.bytes.count >= end { return m }
        let path = layout.logFile(project: project, file: file)
        let m: MappedFile
        do throws(IOError) {
            let size = Int(try FileSystem.fileSize(path))
            m = try MappedFile(path: path, count: max(size, minimumLength, end))
        } catch { throw StoreError(error) }
        maps.withLock { _ = $0.insert(key, m, cost: 0) }
        return m
    }

    /// A map that covers the whole batch frame at `offset` (remapping a file that grew past
    /// the mapped length).
    private func frameMap(project: UInt64, file: UInt32, offset: Int) throws(StoreError) -> MappedFile {
        let m = try map(project: project, file: file, needing: offset + LogFormat.batchHeaderSize)
        if let h = try? BatchHeader.parse(m.bytes, at: offset), m.bytes.count < offset + h.frameLength {
            return try map(project: project, file: file, needing: offset + h.frameLength)
        }
        return m
    }

    /// Forgets the resident pages of every map (`MapResidency`); the maps stay.
    func dropResidentPages() {
        let all = maps.withLock { c in c.keysInRecencyOrder.compactMap { c.peek($0) } }
        for m in all { m.dropAllResidentPages() }
    }

    /// Drops every map (the handle is closing; readers in flight keep theirs alive).
    func removeAll() {
        maps.withLock { $0.removeAll() }
    }

    /// Drops the map of a file that is being deleted (readers holding it keep it alive).
    func forget(project: UInt64, file: UInt32) {
        _ = maps.withLock { $0.remove(Key(project: project, file: file)) }
    }

    /// Decodes the record at `location` of a project's log.
    func record(project: UInt64, projectID: String, at location: RecordLocation) throws(StoreError) -> LogRecord {
        let offset = Int(location.batchOffset)
        let m = try frameMap(project: project, file: location.fileNumber, offset: offset)
        let path = m.path
        let header: BatchHeader
        let payload: [UInt8]
        do throws(BatchHeader.Problem) {
            header = try BatchHeader.validate(m.bytes, at: offset)
            payload = try header.payload(m.bytes, frameOffset: offset)
        } catch {
            throw .corruption(file: path, offset: Int64(offset), reason: "batch at a record location: \(error)")
        }
        do throws(CodingError) {
            return try BatchDecoder.record(payload, header: header, index: location.index, projectID: projectID)
        } catch {
            throw .corruption(file: path, offset: Int64(offset), reason: "record \(location.index): \(error)")
        }
    }

    /// Decodes every record of the batch at `offset` (for sequential readers such as export).
    func batch(project: UInt64, projectID: String, file: UInt32, offset: Int64) throws(StoreError) -> [SequencedRecord] {
        let o = Int(offset)
        let m = try frameMap(project: project, file: file, offset: o)
        let reader = LogFileReader(path: m.path, map: m)
        do throws(LogError) { return try reader.records(atBatch: o, projectID: projectID) } catch { throw StoreError(error) }
    }
}
