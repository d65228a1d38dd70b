/// What opening an index or deletion file can fail with. The Index layer reports; the
/// engine maps these to its public `StoreError` once, where it opens them
/// (`StoreError.init(_: IndexError)` in Store/StoreError.swift), so messages stay the same.
enum IndexError: Error, Sendable {
    /// Bytes of `file` at `offset` are not what the writer wrote (`reason` says how).
    case corruption(file: String, offset: Int64, reason: String)
    /// A file from a newer (or unknown) format version.
    case unsupportedVersion(file: String, found: Int, supported: Int)
    /// A system call failed (the engine tells a full disk apart from other I/O errors).
    case io(IOError)
}
