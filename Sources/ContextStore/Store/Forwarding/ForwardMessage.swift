/// A write a forwarding handle sends to the holder (SPEC.md, "Forwarded writes").
enum ForwardRequest: Sendable {
    case put([ContextSegment])
    case delete(project: String, ids: [String])
    case sync
    case compact
    /// An import transaction on the holder (`beginImport`), named by the token it answers.
    case importBegin
    case importAppend(token: UInt64, [ContextSegment])
    case importCommit(token: UInt64)
    case importRollback(token: UInt64)
}

/// The holder's answer to one request, sent only once the write is durable (or failed).
enum ForwardReply: Sendable {
    case done
    case deleted(DeleteReport)
    case compacted(CompactionReport)
    case importStarted(token: UInt64)
    case committed(segments: Int)
    case failed(StoreError)
}

/// A request's identity: the client's random id and its own counter. The holder answers a
/// request id it has answered before from memory instead of applying it again.
struct ForwardRequestID: Hashable, Sendable {
    var client: [UInt8]
    var number: UInt64
}

/// Why a forwarded write did not return a reply.
enum ForwardingFailure: Error, Sendable {
    /// Nobody answered the socket: the request was never sent.
    case notConnected
    /// The connection broke after the request was sent: it may or may not have been applied.
    case lost(String)
}
