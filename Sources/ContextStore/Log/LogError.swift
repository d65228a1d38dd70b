/// What reading or writing log files can fail with. The Log layer reports; it does not know
/// the engine's public `StoreError`, which maps these once, where the store calls into the
/// log (`StoreError.init(_: LogError)` in Store/StoreError.swift), so a user sees the
/// same message as before the layers were split.
enum LogError: Error, Sendable {
    /// Bytes of `file` at `offset` are not what a writer wrote (`reason` says how).
    case corruption(file: String, offset: Int64, reason: String)
    /// A system call failed (the engine tells a full disk apart from other I/O errors).
    case io(IOError)
}

/// An error type that a log read reporting to a caller's own error type can produce: lets
/// `LogFileReader.forEachBatch` throw the caller's error (its body's) and map the reader's
/// own failures into it, without the Log layer naming the caller's type.
protocol LogErrorConvertible: Error {
    init(_ e: LogError)
}
