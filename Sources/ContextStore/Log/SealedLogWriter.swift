/// Writes records into a run of new log files that no MANIFEST names yet: compaction
/// output and import staging. Batches are placed one after another; a new file (numbered
/// by `nextNumber`) starts when the next batch would pass `logFileSize`; bytes go out in
/// large writes, and a file is synced when the next one starts or `finishFile` is called
/// (with `deferSync`, only its writeback is started then, and `syncDeferred` syncs them
/// all: an import's staged files need to be durable only by its commit, and the writer
/// should not wait on each one meanwhile). The files are complete and sealed once
/// finished; publishing them is the caller's job (it turns `entries` into MANIFEST entries).
struct SealedLogWriter {
    let directory: LogDirectory
    let projectNumber: UInt64
    let storeUUID: [UInt8]
    let logFileSize: Int
    let deferSync: Bool
    /// How every batch is compressed (the files are of the current version: any codec).
    let compression: LogCompression
    private let nextNumber: () throws(LogError) -> UInt32
    private var builder: BatchBuilder
    private var handle: FileHandle? = nil
    private var size: Int64 = 0
    private var buffer: [UInt8] = []
    private var bufferStart: Int64 = 0
    /// Every file started, in order (the last one may still be open).
    private(set) var entries: [SealedLogFile] = []
    /// Finished files not yet synced (`deferSync` only).
    private var unsynced: [String] = []

    init(directory: LogDirectory, projectNumber: UInt64, storeUUID: [UInt8], logFileSize: Int, deferSync: Bool = false,
         compression: LogCompression, nextNumber: @escaping () throws(LogError) -> UInt32) {
        self.compression = compression
        builder = BatchBuilder(compression: compression)
        self.directory = directory
        self.projectNumber = projectNumber
        self.storeUUID = storeUUID
        self.logFileSize = logFileSize
        self.deferSync = deferSync
        self.nextNumber = nextNumber
    }

    var recordsInBatch: Int { builder.recordCount }
    var batchBytes: Int { builder.uncompressedSize }
    /// Paths of the files started (to delete them if the work is abandoned).
    var paths: [String] { entries.map { directory.file($0.number) } }

    mutating func append(seq: UInt64, record: EncodedRecord) {
        builder.append(seq: seq, record: record)
    }

    /// Closes the current batch into the current file; returns where it was placed.
    mutating func closeBatch() throws(LogError) -> (file: UInt32, offset: Int64)? {
        guard !builder.isEmpty else { return nil }
        var frame: [UInt8] = []
        let (count, first, last) = (builder.recordCount, builder.firstSeq, builder.lastSeq)
        builder.finish(appendingTo: &frame)
        builder = BatchBuilder(compression: compression)
        if handle == nil || (size + Int64(frame.count) > Int64(logFileSize) && size > Int64(LogFormat.fileHeaderSize)) {
            try startFile()
        }
        let offset = size
        buffer.append(contentsOf: frame)
        size += Int64(frame.count)
        var e = entries[entries.count - 1]
        if e.recordCount == 0 { e.firstSeq = first }
        e.lastSeq = last
        e.recordCount += UInt64(count)
        e.size = size
        entries[entries.count - 1] = e
        if buffer.count >= 4 << 20 { try flush() }
        return (e.number, offset)
    }

    private mutating func flush() throws(LogError) {
        guard let h = handle, !buffer.isEmpty else { return }
        do throws(IOError) { try h.write(buffer, at: bufferStart) } catch { throw .io(error) }
        bufferStart += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func startFile() throws(LogError) {
        try finishFile()
        let number = try nextNumber()
        let path = directory.file(number)
        let header = LogFileHeader(fileNumber: number, projectNumber: projectNumber, storeUUID: storeUUID)
        do throws(IOError) {
            let h = try FileHandle.createTruncating(path)
            entries.append(SealedLogFile(number: number, size: Int64(LogFormat.fileHeaderSize),
                                         recordCount: 0, firstSeq: 0, lastSeq: 0))
            try h.write(header.encode(), at: 0)
            handle = h
        } catch { throw .io(error) }
        size = Int64(LogFormat.fileHeaderSize)
        bufferStart = size
    }

    /// Writes out and syncs the open file (or, with `deferSync`, starts its writeback);
    /// the next batch starts a new one.
    mutating func finishFile() throws(LogError) {
        guard let h = handle else { return }
        try flush()
        if deferSync {
            h.startWriteback()
            unsynced.append(h.path)
        } else {
            do throws(IOError) { try h.sync() } catch { throw .io(error) }
        }
        handle = nil
    }

    /// Syncs every file finished since the last call (`deferSync`).
    mutating func syncDeferred() throws(LogError) {
        for path in unsynced {
            do throws(IOError) { try FileSystem.syncFile(path) } catch { throw .io(error) }
        }
        unsynced.removeAll()
    }

    /// Finishes the open file and syncs the directory; returns the files written.
    mutating func finish() throws(LogError) -> [SealedLogFile] {
        try finishFile()
        try syncDeferred()
        if !entries.isEmpty {
            do throws(IOError) { try FileSystem.syncDirectory(directory.path) } catch { throw .io(error) }
        }
        return entries
    }
}
