/// The forms `export` writes (Docs/FORMAT.md section 2).
public enum ExportFormat: String, Sendable, CaseIterable {
    /// `stashed/<project>.json`: `{"segments": [...]}` as `json.dump(..., indent=2)`.
    case sharded
    /// `stashed/<project>_<YYYY-MM>.json` by month of `created_at`, same content.
    case monthly
    /// `storage.json`: every project with its derived `indexes`.
    case legacy
    /// `segments.ndjson`: one compact segment a line, every project.
    case ndjson
}

/// What an export wrote.
public struct ExportReport: Sendable {
    /// Paths of the files written, in the order they were finished.
    public var files: [String] = []
    /// Segments written (each live segment of each project exported, once).
    public var segments = 0
    /// Bytes written, over all files.
    public var bytes = 0

    /// An empty report (for an app's own tests and stubs).
    public init() {}
}
