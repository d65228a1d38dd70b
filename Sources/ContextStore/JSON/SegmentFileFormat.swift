/// The forms of a segment file (Docs/FORMAT.md section 2). Monthly files have the sharded content.
public enum SegmentFileFormat: String, Sendable, CaseIterable {
    /// One compact segment object a line (the stash log).
    case ndjson
    /// `{"segments": [ ... ]}`: `stashed/<project>.json` and `stashed/<project>_<YYYY-MM>.json`.
    case sharded
    /// `storage.json`: `{"version": "1.0", "projects": {"<id>": {"segments": [...], "indexes": {...}}}}`.
    case legacy
    /// One segment object spread over several lines, as `json.dump(segment, f, indent=2)`
    /// writes it: the old layer's spill files, `evicted/<segment_id>.json`.
    case segment
}
