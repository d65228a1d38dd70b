/// Where an import stands, for progress bars: bytes of input read out of the total.
public struct ImportProgress: Sendable {
    /// A progress value (for an app's own tests and stubs).
    public init(bytesRead: Int, totalBytes: Int, segments: Int, path: String) {
        self.bytesRead = bytesRead
        self.totalBytes = totalBytes
        self.segments = segments
        self.path = path
    }

    /// Bytes read from the inputs so far (whole files before the current one, plus what the
    /// reader consumed of the current one).
    public var bytesRead: Int
    /// Sum of the inputs' sizes when the import started.
    public var totalBytes: Int
    /// Segments read so far.
    public var segments: Int
    /// The file being read.
    public var path: String
}

/// What an import did. Every segment it counts is in the store: the report exists only
/// after the commit.
public struct ImportReport: Sendable {
    /// One input file, in the order read.
    public struct File: Sendable {
        /// The file's path, as found (an argument, or a directory's entry).
        public var path: String
        /// The form detected from the content.
        public var format: SegmentFileFormat
        /// Segments read from it.
        public var segments: Int
        /// Bytes of it read.
        public var bytes: Int
        /// A spill file of the old layer: read from an old-layer directory's `evicted/`.
        public var isSpill: Bool
        /// Lone surrogate escapes in the file's segments, stored as U+FFFD.
        public var replacedSurrogates: Int
    }

    /// The files read, in the order read.
    public var files: [File] = []
    /// Entries of old-layer directories that were not read (see `importFiles`).
    public var ignored: [String] = []
    /// Segments imported (a segment superseded within the import counts each time it appears).
    public var segments = 0
    /// Spill files read (`evicted/*.json` of old-layer directories).
    public var spillFiles: Int { files.reduce(0) { $0 + ($1.isSpill ? 1 : 0) } }
    /// Segments read from spill files.
    public var spillSegments: Int { files.reduce(0) { $0 + ($1.isSpill ? $1.segments : 0) } }
    /// Lone surrogate escapes (`"\ud800"`, which Python writes and reads) stored as U+FFFD,
    /// over all files. Python keeps such a string; a Swift string cannot hold it.
    public var replacedSurrogates: Int { files.reduce(0) { $0 + $1.replacedSurrogates } }
    /// Bytes of input read.
    public var bytes = 0
    /// Wall-clock seconds, from resolving the paths to the end of the commit.
    public var seconds = 0.0

    /// Input throughput: bytes read / wall seconds, in MB (10^6 bytes) per second.
    public var megabytesPerSecond: Double { Double(bytes) / 1e6 / max(seconds, 1e-9) }

    /// An empty report (for an app's own tests and stubs).
    public init() {}
}
