/// When an append is acknowledged, and what survives a power loss (SPEC.md, "Durability").
public enum Durability: Sendable, Equatable {
    /// An append returns after its bytes are written and `fdatasync` has returned; appends
    /// that arrive together share one write and one sync (group commit). The default.
    case syncEachBatch
    /// Appends return once written to the page cache; a sync runs at least this often.
    /// A power loss loses at most the last interval, always as a suffix.
    case periodic(milliseconds: Int)
    /// Appends return once written to the page cache; syncs happen at file roll, manifest
    /// publish, `sync()` and `close()`.
    case buffered
}
