/// What `delete` did: ids in the order asked, each once (compared by UTF-8 bytes).
public struct DeleteReport: Sendable, Equatable {
    /// An empty report (for an app's own tests and stubs).
    public init() {}

    /// Ids that were live and are now deleted (durably, when `delete` returns).
    public var deleted: [String] = []
    /// Ids with no live segment in the project: nothing was written for them.
    public var notLive: [String] = []
}
