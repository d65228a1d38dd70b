/// One output file: written as `<directory>/.ctxstore-export-<number>.tmp`, then synced and
/// renamed to `<directory>/<name>` by `commit`. The temporary name is short (a 255-byte
/// output name plus `.tmp` would pass `NAME_MAX`) and is never an output's name (those end
/// in `.json` or `.ndjson`); `number` keeps the files open at once (monthly) apart.
/// A file that is never committed (the export failed) removes its temporary file when it
/// goes away, so a failed export leaves no `.tmp` in the output directory.
final class ExportFile {
    let path: String
    private let temporaryPath: String
    private let handle: FileHandle
    private var offset: Int64 = 0
    private var committed = false

    init(directory: String, name: String, number: Int) throws {
        path = directory + "/" + name
        temporaryPath = directory + "/.ctxstore-export-" + String(number) + ".tmp"
        handle = try FileHandle.createTruncating(temporaryPath)
    }

    var sink: JSONChunkSink {
        { [unowned self] chunk in
            try self.handle.write(chunk, at: self.offset)
            self.offset += Int64(chunk.count)
        }
    }

    /// Returns the file's size.
    func commit() throws -> Int {
        try handle.sync()
        try FileSystem.rename(temporaryPath, path)
        committed = true
        return Int(offset)
    }

    deinit {
        if !committed { try? FileSystem.unlink(temporaryPath) }
    }
}
