#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Roles (SPEC.md, "Many processes"): a handle holds the store, or follows it (reading its
/// own view, forwarding writes unless read-only). A forwarding follower takes the store
/// over when a write finds no holder answering and the lock free.
extension ContextStore {
    /// What this handle is now: `.holder`, `.forwarder` (another process holds the store;
    /// writes go to it) or `.reader` (opened `.readOnly`). A forwarder becomes the holder
    /// when it takes over a store whose holder died. Cost: one lock acquisition.
    public var role: StoreRole {
        switch roles.withLock({ $0 }) {
        case .holder: .holder
        case .follower(_, nil): .reader
        case .follower: .forwarder
        }
    }

    /// What this handle's open (or its takeover) found and repaired (torn tails cut,
    /// orphans removed); empty for a handle that does not hold the store.
    public var recoveryReport: RecoveryReport {
        if case let .holder(h) = roles.withLock({ $0 }) { return h.recoveryReport }
        return RecoveryReport()
    }

    /// Brings this handle's view up to everything the holder has acknowledged (a forwarder
    /// or reader); nothing to do for the holder, whose view is always current. Searches and
    /// reads that started before go on with the view they had.
    ///
    /// - Throws: `.closed`, `.corruption`, `.io`.
    ///
    /// Cost: reads the MANIFEST and the log bytes appended since the last refresh; a project
    /// the holder sealed or compacted meanwhile is loaded again (its index files' headers,
    /// deletion files and unsealed tail).
    public func refresh() throws(StoreError) {
        try checkOpen()
        if case let .follower(f, _) = roles.withLock({ $0 }) { try f.refresh() }
    }

    /// The holder's parts, for the local write path.
    func localHolder() throws(StoreError) -> StoreHolder {
        switch roles.withLock({ $0 }) {
        case let .holder(h): return h
        case .follower(_, nil): throw .readOnlyHandle
        case .follower: throw .locked(path: directory, holderPID: DirectoryLock.holder(at: layout.lock).pid)
        }
    }

    func localWriter() throws(StoreError) -> WriteQueue { try localHolder().writer }

    /// Sends `request` to the holder if this handle forwards, and returns its reply once
    /// this handle's view has caught up with it (read-your-writes); nil if this handle holds
    /// the store (the caller does the work itself). A holder that does not answer is waited
    /// for, or taken over (then nil).
    ///
    /// - Throws: the holder's error for the request; `.readOnlyHandle`; `.notAcknowledged`
    ///   when the holder went away with the request in flight; `.locked` when the holder
    ///   does not take forwarded writes, or does not answer within `forwardingWaitMilliseconds`.
    func forwarded(_ request: @autoclosure () -> ForwardRequest) async throws(StoreError) -> ForwardReply? {
        var deadline: UInt64? = nil
        while true {
            let follower: Follower, client: WriteClient
            switch roles.withLock({ $0 }) {
            case .holder: return nil
            case .follower(_, nil): throw .readOnlyHandle
            case let .follower(f, c?): (follower, client) = (f, c)
            }
            var answer: ForwardReply? = nil
            do throws(ForwardingFailure) {
                answer = try await client.send(request())
            } catch {
                if case let .lost(why) = error { throw .notAcknowledged(reason: why) }
            }
            switch answer {
            case nil, .failed(.closed)?:
                // Never sent, or refused unapplied by a closing holder: find the next holder.
                let d = deadline ?? monotonicNanoseconds() + UInt64(configuration.forwardingWaitMilliseconds) * 1_000_000
                deadline = d
                try await takeOverOrWait(until: d)
            case let .failed(e)?:
                throw e
            case let reply?:
                try follower.refresh()
                return reply
            }
        }
    }

    /// Takes the store over if its lock is free; else waits a moment for the holder to
    /// answer, unless waiting cannot help (a holder that does not take forwarded writes) or
    /// the deadline passed: then `.locked`, naming the holder.
    private func takeOverOrWait(until deadline: UInt64) async throws(StoreError) {
        try checkOpen()
        if try takeOverIfFree() { return }
        let holder = DirectoryLock.holder(at: layout.lock)
        if let pid = holder.pid, !holder.serving { throw .locked(path: directory, holderPID: pid) }
        if monotonicNanoseconds() >= deadline { throw .locked(path: directory, holderPID: holder.pid) }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }

    /// Becomes the holder if no one holds the lock: recovers the store, publishes it into
    /// this handle's view, starts the writer and serving. True if this handle holds the
    /// store when it returns.
    private func takeOverIfFree() throws(StoreError) -> Bool {
        try takeoverLock.withLockTyped { () throws(StoreError) -> Bool in
            try checkOpen()
            guard case let .follower(_, client?) = roles.withLock({ $0 }) else { return true }
            let lock: DirectoryLock
            do throws(DirectoryLock.Failure) { lock = try DirectoryLock(path: layout.lock) } catch {
                switch error {
                case .held: return false
                case let .io(e): throw StoreError(e)
                }
            }
            let holder = try StoreHolder(lock: lock, layout: layout, configuration: configuration, view: view, retired: retired)
            holding.withLock { $0 = true }
            roles.withLock { $0 = .holder(holder) }
            client.close()
            // This process's readers are covered by the holder's pins from now on.
            pins.releaseAll()
            serve(holder)
            return true
        }
    }

    /// Starts answering other processes' forwarded writes through this handle.
    func serve(_ holder: StoreHolder) {
        holder.serve(at: layout.socket, accept: configuration.acceptForwardedWrites, handler: { [weak self] id, request in
            guard let self else { return .failed(.closed) }
            return await self.answer(request, from: id.client)
        }, disconnected: { [weak self] client in
            self?.clientLeft(client)
        })
    }

    /// `.failed` for a reply of the wrong kind (a protocol mismatch between builds).
    static func unexpected(_ reply: ForwardReply) -> StoreError {
        .notAcknowledged(reason: "the holder answered with an unexpected reply (\(reply))")
    }
}
