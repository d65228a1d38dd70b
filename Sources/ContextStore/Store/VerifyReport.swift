/// `ctxstore verify`: reads a store without changing it and checks every checksum and
/// cross-reference: the manifest's CRC, each log file's header (store, project, number),
/// sealed sizes and record counts, every batch CRC, that every batch decompresses and
/// decodes, and that sequence numbers increase. A torn tail on an active file (what a crash
/// leaves, and what the next open cuts) is a warning, not damage.
public struct VerifyReport: Sendable {
    /// Projects the manifest lists.
    public var projects = 0
    /// Log files checked.
    public var files = 0
    /// Batches read (each CRC checked, decompressed and decoded).
    public var batches = 0
    /// Records decoded.
    public var records = 0
    /// Bytes of log files read.
    public var bytes: Int64 = 0
    /// Damage: the store is not sound.
    public var problems: [String] = []
    /// Sound, but worth knowing (torn tails, orphan files).
    public var warnings: [String] = []

    /// Whether no damage was found (warnings allowed).
    public var isSound: Bool { problems.isEmpty }
}
