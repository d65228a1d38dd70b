/// The shared locks a reader process holds on the store files its view uses, by path
/// (SPEC.md, "Readers in other processes"). A file is held from before it is first mapped
/// until the view no longer names it and no reader of this process pins it.
final class ReaderFilePins: Sendable {
    private let held = Locked<[String: SharedFileLock]>([:])

    /// Holds `path` (no-op if held already); returns whether it was not held before.
    /// Throws `ENOENT` when the holder removed it meanwhile: the MANIFEST read is stale and
    /// must be read again.
    @discardableResult
    func hold(_ path: String) throws(IOError) -> Bool {
        if held.withLock({ $0[path] != nil }) { return false }
        let lock = try SharedFileLock(path: path)
        return held.withLock { h in
            guard h[path] == nil else { return false }
            h[path] = lock
            return true
        }
    }

    /// Lets go of `path` (the descriptor closes once no one uses it).
    func release(_ path: String) {
        _ = held.withLock { $0.removeValue(forKey: path) }
    }

    /// Lets go of everything (the handle became the holder, or closed).
    func releaseAll() {
        let all = held.withLock { h -> [String: SharedFileLock] in defer { h = [:] }; return h }
        _ = all
    }

    /// How many files are held (each is one open descriptor).
    var count: Int { held.withLock { $0.count } }

    /// The paths held now (for tests and statistics).
    var paths: Set<String> { held.withLock { Set($0.keys) } }
}
