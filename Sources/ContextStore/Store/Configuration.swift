/// Store settings, with safe defaults. Each knob says what it costs. `ContextStore.open`
/// checks every knob against its allowed range (`Configuration+Validation.swift`) and
/// throws `StoreError.invalidConfiguration` naming the first one outside it.
public struct Configuration: Sendable {
    /// Whether `ContextStore.open` creates a store where there is none (the directory, its
    /// `MANIFEST`). False: open throws `StoreError.noStore` and creates nothing, not even a
    /// `LOCK` file, so a reader with a mistyped path learns of it instead of reading an
    /// empty new store.
    public var createIfMissing = true
    /// When writes are acknowledged (`Durability`); `periodic` takes 1 ms to one day.
    public var durability: Durability = .syncEachBatch
    /// A project's active log file is sealed and a new one started past this size. Larger
    /// files mean fewer files; the unsealed tail is what open has to scan.
    /// Allowed: 1 byte to `UInt32.max` bytes (the index keeps batch offsets in 32 bits).
    public var logFileSize: Int = 64 << 20
    /// Uncompressed size at which a batch is closed and compressed: the ratio grows with
    /// batch size, and a point read decompresses its whole batch (with zstd, 16 KiB in
    /// about 15-20 µs). Allowed: 1 to 262 140 bytes (the index keeps a record's position in
    /// its batch in 16 bits).
    public var batchTargetBytes: Int = 16 << 10
    /// How log batches are compressed (`LogCompression`): by default zstd level 3, about
    /// 30% smaller than LZ4's fast mode on the corpus for about twice its compression time
    /// (spent by the writer, import and compaction), with point reads that decompress a
    /// 16 KiB batch in about 15-20 µs instead of about 5. `.lz4` writes fastest and reads fastest. Allowed:
    /// LZ4 HC levels 1 to 12, zstd levels 1 to 22.
    public var logCompression: LogCompression = .zstd(level: 3)
    /// A project's memtable (the index of records not yet in an index file) is written out
    /// as an index file past this much text or this many records. Open replays at most this
    /// much; larger values mean fewer, larger index files. Allowed: 1 or more.
    public var indexSealBytes: Int = 32 << 20
    /// The memtable's record threshold (see `indexSealBytes`). Allowed: 1 to `Int32.max`.
    public var indexSealDocs: Int = 100_000
    /// Text the memtables of all loaded projects may hold together: past it, the writer
    /// seals the largest until they hold 3/4 of it. Bounds a writer's memory whatever the
    /// number of projects written in turn (each memtable alone is bounded by
    /// `indexSealBytes`); a memtable takes about twice its text in memory. Smaller values
    /// mean more, smaller index files (which compaction merges). Allowed: 1 or more.
    public var memtableBudgetBytes: Int = 256 << 20
    /// The index file format seals write: tests set 1 to make stores as older builds did
    /// (SPEC.md section 9.0); compaction always writes the current one.
    var indexFormatVersion: UInt16 = IndexFormat.version
    /// The log file header version the writer's new active files get: tests set 1 (with
    /// `.lz4`) to make stores as older builds did (SPEC.md section 4.2); import and
    /// compaction always write the current one.
    var logFileVersion: UInt16 = LogFormat.fileVersion
    /// Token counts at ingest: the encoding, and a directory holding its rank file
    /// (`<encoding>.tiktoken`). nil: the directory in the environment variable
    /// `CONTEXTSTORE_VOCAB_DIR`, else the copy built into the library (no set-up needed).
    /// A directory given either way must hold the published file (SHA-256 checked) or
    /// counting fails with `StoreError.tokenizerUnavailable` naming the path. The vocabulary
    /// is loaded only when a segment's count is not trusted (Docs/FORMAT.md section 1).
    public var tokenEncoding: TokenEncoding = .cl100kBase
    /// The directory holding `<encoding>.tiktoken` (see `tokenEncoding`); nil for the
    /// environment variable or the built-in copy.
    public var vocabularyDirectory: String? = nil
    /// Compaction in the background (`CompactionPolicy`): merges runs of at least
    /// `compactionMergeFactor` adjacent index files (and their logs; at most
    /// `compactionMaxInputs` at once) where no file holds half the run's bytes, and rewrites
    /// a file alone once `compactionDeadRatio` of its docs are dead. Off: only `compact()`.
    public var autoCompaction = true
    /// Adjacent index files a background merge needs at least (see `autoCompaction`).
    /// Allowed: 2 or more.
    public var compactionMergeFactor = 4
    /// Most files one merge takes (raised to `compactionMergeFactor` if below it).
    /// Allowed: 2 or more.
    public var compactionMaxInputs = 10
    /// Share of dead docs at which a file is rewritten alone. Allowed: above 0, at most 1.
    public var compactionDeadRatio = 0.3
    /// The active tier: working-tier segments kept in memory (LRU) as they are written, so
    /// reads of them need no log read, up to this many segments and this many estimated
    /// bytes (`ActiveTierCache.cost(of:)`); evicted segments are read back from the log.
    /// Allowed: 0 (no active tier) or more.
    public var activeTierMaxSegments = 10_000
    /// The active tier's byte bound (see `activeTierMaxSegments`). Allowed: 0 or more.
    public var activeTierMaxBytes = 64 << 20
    /// Input bytes per second a compaction may read (0: unthrottled). Throttling trades
    /// compaction time for search latency and write throughput on a busy machine.
    /// Allowed: 0 or more.
    public var compactionBytesPerSecond = 0
    /// What `open(mode: .readWrite)` does when another process holds the store: true (the
    /// default) returns a forwarding handle whose writes the holder applies; false throws
    /// `.locked`, as a store with one writer would.
    public var forwardWrites = true
    /// How long a forwarding handle waits for a holder that has the lock but does not answer
    /// on its socket yet (it is starting, or is busy recovering) before a write throws
    /// `.locked`. Allowed: 0 or more milliseconds.
    public var forwardingWaitMilliseconds = 10_000
    /// Whether a holder answers writes that other processes forward to it (on the socket
    /// `WRITER.sock` in the store directory). False keeps the store to this handle: other
    /// processes may still read it, and their writes fail with `.locked` at once.
    public var acceptForwardedWrites = true
    /// Descriptors of active log files the writer keeps open (least recently written
    /// closed first, after a sync if it holds unsynced writes), so that a store of any
    /// number of projects works under a small `ulimit -n`. Allowed: 2 or more.
    public var maxOpenLogFiles = 64
    /// Log files kept mapped for point reads (least recently used unmapped first; a read
    /// in flight keeps its map). Each map is one of the process's `vm.max_map_count`
    /// mappings (65,530 by default on Linux). Allowed: 1 or more.
    public var maxMappedLogFiles = 1024
    /// Pages of the store's mapped index and log files this handle may keep resident
    /// beyond what the process held when it opened or last let go of them: past it, a
    /// read or a write makes the handle forget them all (`MADV_DONTNEED`; the page cache keeps them, so
    /// the next reads map them again, a minor fault each). Without a bound, a process that
    /// searches a large store counts every index page it ever read in its resident memory
    /// (1.9 GB after 10,000 queries spread over a ten-million-segment store). Measured every
    /// 32 reads through `/proc/self/statm` (Linux; elsewhere nothing is forgotten). Smaller
    /// values mean less memory and more faults: on that store, 640 MiB kept the process
    /// under 750 MB with a median query 0.08-0.12 ms slower; 256 MiB, under 410 MB and about
    /// 0.13 ms slower (BENCHMARKS.md). `Int.max`: never. Allowed: 0 or more.
    public var mappedResidentBudgetBytes = 640 << 20
    /// Reads between two measurements of the resident pages (tests set 1).
    var mappedResidencyCheckInterval = 32
    /// Projects whose index a holder keeps in memory (mapped index files, memtable): it
    /// loads a project at its first use (the first this many at open) and evicts the least
    /// recently used beyond this, so memory grows with the projects in use, not with the
    /// store. An evicted project's memtable is rebuilt from its log when it is used again.
    /// Allowed: 1 or more.
    public var maxLoadedProjects = 1024
    /// Projects a holder recovers and loads at open (in MANIFEST order, never more than
    /// `maxLoadedProjects`); the others are recovered and loaded at their first use, as
    /// those beyond `maxLoadedProjects` always are. 0 makes open read the MANIFEST only:
    /// open time no longer grows with the store (a project's first use pays for its own
    /// load: checking its log files, mapping its index files, replaying its unindexed
    /// tail), but what loading a project finds (a torn tail, a rebuilt index) reaches
    /// `recoveryReport` only when it is used. Allowed: 0 or more.
    public var projectsLoadedAtOpen = Int.max
    /// Files a handle that does not hold the store (read-only or forwarding) keeps a shared
    /// lock on while its view uses them (SPEC.md, section 12.2): each is one open
    /// descriptor. Such a handle also loads at most `maxLoadedProjects` projects, and drops
    /// the least recently loaded (letting go of their files) to stay within both bounds.
    /// The bound used is never more than a quarter of the process's descriptor limit
    /// (`ulimit -n`), so a reader works under a small limit without being told.
    /// Allowed: 4 or more.
    public var maxReaderHeldFiles = 512

    /// The defaults. Cost: none.
    public init() {}

    /// The defaults, with the five most often changed knobs given. Nothing is checked here:
    /// `ContextStore.open` validates the whole configuration.
    public init(durability: Durability = .syncEachBatch, logFileSize: Int = 64 << 20, batchTargetBytes: Int = 16 << 10,
                indexSealBytes: Int = 32 << 20, indexSealDocs: Int = 100_000) {
        self.durability = durability
        self.logFileSize = logFileSize
        self.batchTargetBytes = batchTargetBytes
        self.indexSealBytes = indexSealBytes
        self.indexSealDocs = indexSealDocs
    }
}
