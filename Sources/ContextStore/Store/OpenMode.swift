/// How `ContextStore.open` opens a store.
public enum OpenMode: Sendable {
    /// Reads and writes. The first such handle holds the store (its lock, recovery and
    /// writer); while one does, others forward their writes to it
    /// (`Configuration.forwardWrites`).
    case readWrite
    /// Reads only, beside a holder in any process: a consistent view of everything
    /// acknowledged when it opened, brought up to date by `refresh()`. Changes nothing on
    /// disk and takes no lock; writes throw `.readOnlyHandle`.
    case readOnly
}

/// What a handle is to its store, now.
public enum StoreRole: Sendable, Equatable {
    /// It holds the store: writes go through its own writer, and it applies the writes
    /// other processes forward to it.
    case holder
    /// Another process holds the store: writes are sent to it, reads use this handle's
    /// own view (`refresh()`). Becomes `.holder` if it takes the store over.
    case forwarder
    /// Opened `.readOnly`.
    case reader
}
