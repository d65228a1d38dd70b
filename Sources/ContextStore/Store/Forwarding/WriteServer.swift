#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The holder's side of forwarded writes (SPEC.md, "Forwarded writes"): a Unix socket in
/// the store directory (0600; a peer of another user is refused by `SO_PEERCRED`), one
/// thread accepting, one thread per connection reading requests. Each request runs on a
/// task through `handler` (the store's own write calls, so it joins the group commit) and
/// is answered when the handler returns: after the write is durable.
///
/// Idempotence: answers are remembered by request id (client id and number, the last
/// `rememberedAnswers` of them); a request id seen again is answered from memory, or, if it
/// is still running, when it finishes: it is never applied twice.
final class WriteServer: Sendable {
    /// Runs one request (its id names the client) and returns the reply to send.
    typealias Handler = @Sendable (ForwardRequestID, ForwardRequest) async -> ForwardReply
    /// Called when a client's connection ends (its open import transactions roll back).
    typealias Disconnected = @Sendable ([UInt8]) -> Void

    let listener: UnixSocket
    /// This serving instance's id, sent in the hello (a client resends an unanswered
    /// request only to the same instance).
    let instance: [UInt8]
    private let handler: Handler
    private let disconnected: Disconnected
    private let state = Locked<State>(State())
    static let rememberedAnswers = 65_536

    private struct State {
        var stopped = false
        var connections: [ObjectIdentifier: UnixSocket] = [:]
        var answered: [ForwardRequestID: ForwardReply] = [:]
        var answeredOrder: [ForwardRequestID] = []
        var running: [ForwardRequestID: [@Sendable (ForwardReply) -> Void]] = [:]
    }

    /// Binds the socket at `path` and starts accepting.
    init(path: String, handler: @escaping Handler, disconnected: @escaping Disconnected) throws(IOError) {
        listener = try UnixSocket.listen(path: path)
        self.handler = handler
        self.disconnected = disconnected
        var g = SystemRandomNumberGenerator()
        instance = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        startThread { [self] in acceptLoop() }
    }

    /// Stops taking requests, lets the running ones finish and be answered (for up to
    /// `drainMilliseconds`), then closes every connection and removes the socket file.
    /// A request that arrives meanwhile is answered `.closed` without being run, so its
    /// client knows it was not applied and looks for the next holder.
    func stop(drainMilliseconds: Int = 30_000) {
        state.withLock { $0.stopped = true }
        listener.shutdown()
        _ = unlink(listener.path)
        let deadline = monotonicNanoseconds() + UInt64(drainMilliseconds) * 1_000_000
        while state.withLock({ !$0.running.isEmpty }) && monotonicNanoseconds() < deadline {
            sleepNanoseconds(2_000_000)
        }
        let conns = state.withLock { s -> [UnixSocket] in
            defer { s.connections = [:] }
            return Array(s.connections.values)
        }
        for c in conns { c.shutdown() }
    }

    private func acceptLoop() {
        while true {
            guard let c = try? listener.accept() else { return }
            guard c.peerUID == getuid() else { c.shutdown(); continue }
            let admitted = state.withLock { s -> Bool in
                if s.stopped { return false }
                s.connections[ObjectIdentifier(c)] = c
                return true
            }
            if !admitted { c.shutdown(); return }
            startThread { [self] in serve(c) }
        }
    }

    private func serve(_ c: UnixSocket) {
        defer {
            c.shutdown()
            _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(c)) }
        }
        let writeLock = Locked(())
        guard let hello = try? c.read(count: ForwardCodec.clientHelloSize),
              let client = try? ForwardCodec.helloID(hello),
              (try? c.write(ForwardCodec.serverHello(instance: instance, pid: getpid()))) != nil else { return }
        defer { disconnected(client) }
        while true {
            guard let header = try? c.read(count: 4),
                  let n = try? ForwardCodec.frameLength(header),
                  let body = try? c.read(count: n),
                  let (number, request) = try? ForwardCodec.decodeRequest(body) else { return }
            let id = ForwardRequestID(client: client, number: number)
            let answer: @Sendable (ForwardReply) -> Void = { reply in
                let frame = ForwardCodec.frame(ForwardCodec.encode(reply, number: number))
                writeLock.withLock { _ in _ = try? c.write(frame) }
            }
            switch begin(id, answer) {
            case let .answered(reply):
                answer(reply)
            case .running:
                break
            case .start:
                let handler = self.handler
                Task.detached { [self] in
                    let reply = await handler(id, request)
                    finish(id, reply)
                }
            }
        }
    }

    private enum Begin { case start, running, answered(ForwardReply) }

    /// Registers `answer` for request `id`: `.answered` if it was answered before (the
    /// caller sends that again), `.running` if it is running (`answer` waits for it), else
    /// `.start` (the caller runs it).
    private func begin(_ id: ForwardRequestID, _ answer: @escaping @Sendable (ForwardReply) -> Void) -> Begin {
        state.withLock { s -> Begin in
            if let r = s.answered[id] { return .answered(r) }
            if s.stopped { return .answered(.failed(.closed)) }
            if s.running[id] != nil {
                s.running[id]!.append(answer)
                return .running
            }
            s.running[id] = [answer]
            return .start
        }
    }

    private func finish(_ id: ForwardRequestID, _ reply: ForwardReply) {
        let waiters = state.withLock { s -> [@Sendable (ForwardReply) -> Void] in
            let w = s.running.removeValue(forKey: id) ?? []
            s.answered[id] = reply
            s.answeredOrder.append(id)
            if s.answeredOrder.count > Self.rememberedAnswers {
                let drop = s.answeredOrder.count - Self.rememberedAnswers / 2
                for old in s.answeredOrder.prefix(drop) { s.answered[old] = nil }
                s.answeredOrder.removeFirst(drop)
            }
            return w
        }
        for w in waiters { w(reply) }
    }
}
