/// A durable copy of the first bytes of a file into a new one: positional reads and writes
/// through `FileHandle` (so the fault seam covers them), then `fdatasync` of the copy. The
/// source is only read.
enum FileCopy {
    /// Bytes moved per read and write: large enough that the system calls cost nothing next
    /// to the copying, small enough to stay in cache.
    static let chunkSize = 1 << 20

    /// Copies the first `count` bytes of `input` to the start of `output` and syncs
    /// `output`. `progress` gets the size of each chunk written. Returns the bytes copied:
    /// fewer than `count` only when `input` is shorter (the caller decides whether that is
    /// damage). On a throw, `output` may hold part of the bytes.
    static func copy(from input: FileHandle, to output: FileHandle, count: Int64,
                     progress: (Int64) -> Void = { _ in }) throws(IOError) -> Int64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < count {
            let want = Int(min(Int64(chunkSize), count - done))
            let n = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: done)
            if n == 0 { break }
            try output.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), at: done)
            done += Int64(n)
            progress(Int64(n))
        }
        try output.sync()
        return done
    }
}
