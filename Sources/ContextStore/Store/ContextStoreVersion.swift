/// Which release this is, and which on-disk format it writes (SPEC.md, "Status").
public enum ContextStoreVersion {
    /// The library's release, as `ctxstore --version` prints it.
    public static let release = "0.11.0"
    /// The store format this build writes: the MANIFEST version, which SPEC.md bumps with
    /// every change that an older reader would misread.
    public static let storeFormat = Int(ManifestCodec.version)
}
