/// Every error the public API throws. Data and environment problems are thrown, never
/// trapped; messages name files and offsets but never include segment text.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another handle, in this or another process, has the store open for writing, and
    /// this open cannot forward its writes to it (`Configuration.forwardWrites` is false, or
    /// the holder did not answer on its socket within `Configuration.forwardingWaitMilliseconds`).
    /// `holderPID` is the process that holds it, when its `LOCK` names one.
    case locked(path: String, holderPID: Int32?)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// No space left on the device; the store stays consistent.
    case diskFull(path: String)
    /// Bytes on disk are not what the engine wrote. Open refuses such a store and changes
    /// nothing on disk.
    case corruption(file: String, offset: Int64, reason: String)
    /// A file from a newer (or unknown) format version; left untouched.
    case unsupportedVersion(file: String, found: Int, supported: Int)
    /// The directory exists but is not a ContextStore store (and is not empty).
    case notAStore(path: String)
    /// There is no store at this path (no directory, or one without a MANIFEST), and the
    /// call does not create one (`Configuration.createIfMissing` false, `verify`).
    case noStore(path: String)
    /// A segment that breaks Docs/FORMAT.md's rules; nothing of its call was written.
    case invalidSegment(segmentID: String, SegmentValidationError)
    /// An earlier write or sync failed; no write is accepted until the store is reopened
    /// (a failed fsync is never retried: the kernel may have dropped the pages).
    case readOnlyAfterFailure(cause: String)
    /// The store was closed.
    case closed
    /// Token counting needs the vocabulary, which could not be loaded (the text says why
    /// and how to get it).
    case tokenizerUnavailable(String)
    /// An import transaction was used after its commit or rollback.
    case transactionFinished
    /// A `Configuration` value the engine cannot work with, refused by `open` before
    /// anything is touched: `field` names the property, `allowed` the range it must be in.
    case invalidConfiguration(field: String, value: String, allowed: String)
    /// A write on a handle opened with `OpenMode.readOnly`.
    case readOnlyHandle
    /// A write whose fate is unknown: a write forwarded to the holder process got no answer
    /// (the holder died or closed after the request was sent; the next write finds the
    /// store's new holder, or becomes it), or a local write failed and cutting it back
    /// failed too (the store is read-only; the next open keeps or drops each of its batches
    /// whole). Read the segments back, or write them again: a put of the same ids is
    /// idempotent.
    case notAcknowledged(reason: String)
    /// `backup(to:)` refused its target directory before writing anything: it exists and is
    /// not an empty directory, or it lies inside the store being copied. `reason` says which.
    case invalidBackupTarget(path: String, reason: String)

    /// A one-line message naming the files, offsets or fields involved (never segment text).
    public var description: String {
        switch self {
        case let .locked(p, holder?) where holder == getpid():
            "store at \(p) is already open for writing by another handle in this process; close it first"
        case let .locked(p, holder?):
            "store at \(p) is locked by process \(holder)\(Self.commandLine(of: holder)), which does not answer forwarded "
                + "writes; wait for that process to finish or stop it (the lock is released when it exits)"
        case let .locked(p, nil):
            "store at \(p) is locked by another process, which does not answer forwarded writes; wait for "
                + "that process to finish or stop it (the lock is released when it exits)"
        case let .io(op, p, e): "\(op) \(p): \(IOError(op: op, path: p, errno: e).errnoText)"
        case let .diskFull(p): "no space left on device writing \(p)"
        case let .corruption(f, o, r): "corruption in \(f) at offset \(o): \(r)"
        case let .unsupportedVersion(f, found, supported):
            // Every file of the store keeps its version in the u16 after its 8-byte magic.
            "\(f) has format version \(found) (the u16 at offset 8); this build reads version \(supported): "
                + "a newer build wrote it, or those bytes are damaged"
        case let .notAStore(p): "\(p) is not a ContextStore directory (no MANIFEST, and not empty)"
        case let .noStore(p): "no store at \(p)"
        case let .invalidSegment(id, e): "segment \(debugQuote(id)): \(e)"
        case let .readOnlyAfterFailure(c): "store is read-only after a failed write: \(c); reopen it"
        case .closed: "store is closed"
        case let .tokenizerUnavailable(why): "token counting is unavailable: \(why)"
        case .transactionFinished: "the import transaction was already committed or rolled back"
        case let .invalidConfiguration(field, value, allowed):
            "invalid configuration: \(field) is \(value); allowed: \(allowed)"
        case .readOnlyHandle: "the store was opened read-only; open it with mode .readWrite to write"
        case let .notAcknowledged(reason):
            "the holder of the store did not acknowledge the write (\(reason)); it may or may not have been applied"
        case let .invalidBackupTarget(p, reason):
            "cannot back up into \(p): \(reason); give a new or empty directory outside the store"
        }
    }

    /// ` (its command line)` of a running process, or "" where unknown.
    private static func commandLine(of pid: Int32) -> String {
        guard let line = ProcessTable.commandLine(of: pid) else { return "" }
        return " (" + debugQuote(line, limit: 120).dropFirst().dropLast() + ")"
    }

    init(_ e: IOError) {
        self = e.isDiskFull ? .diskFull(path: e.path) : .io(operation: e.op, path: e.path, errno: e.errno)
    }

    /// The engine boundary for the Log layer: its errors become the cases they were
    /// before Log had its own type (same fields, so the same messages).
    init(_ e: LogError) {
        switch e {
        case let .corruption(file, offset, reason): self = .corruption(file: file, offset: offset, reason: reason)
        case let .io(e): self.init(e)
        }
    }

    /// The engine boundary for the Index layer (as for `LogError`).
    init(_ e: IndexError) {
        switch e {
        case let .corruption(file, offset, reason): self = .corruption(file: file, offset: offset, reason: reason)
        case let .unsupportedVersion(file, found, supported):
            self = .unsupportedVersion(file: file, found: found, supported: supported)
        case let .io(e): self.init(e)
        }
    }
}

/// Log reads that call back into the engine (`LogFileReader.forEachBatch`) throw
/// `StoreError` directly, their own failures mapped by `init(_: LogError)`.
extension StoreError: LogErrorConvertible {}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
