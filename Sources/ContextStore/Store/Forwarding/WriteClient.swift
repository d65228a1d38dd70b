#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forwarding handle's connection to the holder's socket (SPEC.md, "Forwarded writes").
/// Requests are pipelined: each gets the next number, replies come back by number, in any
/// order. One thread per connection reads replies.
///
/// Failure semantics: a request that could not be written whole was never applied
/// (`.notConnected`: the caller may take the store over and apply it itself). A request
/// written whose reply never came is `.lost`, unless the same holder instance answers a
/// new connection: then it is sent again with the same number, and the holder, which
/// remembers the requests it answered, answers it without applying it twice.
final class WriteClient: Sendable {
    let socketPath: String
    let clientID: [UInt8]
    private let state = Locked<State>(State())

    private struct State {
        var connection: Connection?
        var nextNumber: UInt64 = 1
    }

    init(socketPath: String) {
        self.socketPath = socketPath
        var g = SystemRandomNumberGenerator()
        clientID = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    /// Sends `request` and waits for the holder's reply.
    func send(_ request: ForwardRequest) async throws(ForwardingFailure) -> ForwardReply {
        let number = state.withLock { s -> UInt64 in defer { s.nextNumber += 1 }; return s.nextNumber }
        let body = ForwardCodec.encode(request, number: number)
        var connection = try connect()
        var resent = false
        while true {
            let result = await connection.roundTrip(body, number: number)
            switch result {
            case let .success(reply): return reply
            case .failure(.notConnected) where !resent:
                // Never written: a new connection (or the caller's takeover) may carry it.
                connection = try connect()
                resent = true
            case .failure(.notConnected):
                throw .notConnected
            case let .failure(.lost(why)):
                // Written, unanswered: only the same holder instance may see it again.
                guard !resent, let again = try? connect(), again.instance == connection.instance else { throw .lost(why) }
                connection = again
                resent = true
            }
        }
    }

    /// The live connection, or a new one. Throws `.notConnected` when nobody answers.
    private func connect() throws(ForwardingFailure) -> Connection {
        if let c = state.withLock({ $0.connection }), !c.isBroken { return c }
        guard let socket = try? UnixSocket.connect(path: socketPath),
              (try? socket.write(ForwardCodec.clientHello(client: clientID))) != nil,
              let hello = try? socket.read(count: ForwardCodec.serverHelloSize),
              let instance = try? ForwardCodec.helloID(hello) else { throw .notConnected }
        let c = Connection(socket: socket, instance: instance)
        state.withLock { $0.connection = c }
        c.startReading()
        return c
    }

    /// Closes the connection (requests in flight fail with `.lost`).
    func close() {
        state.withLock { s in let c = s.connection; s.connection = nil; return c }?.socket.shutdown()
    }

    /// One connection and its reply reader.
    final class Connection: Sendable {
        let socket: UnixSocket
        /// The serving holder's id (new at every holder open).
        let instance: [UInt8]
        private let pending = Locked<Pending>(Pending())
        private let writeLock = Locked(())

        private struct Pending {
            var waiting: [UInt64: CheckedContinuation<Result<ForwardReply, ForwardingFailure>, Never>] = [:]
            var broken = false
        }

        init(socket: UnixSocket, instance: [UInt8]) {
            self.socket = socket
            self.instance = instance
        }

        var isBroken: Bool { pending.withLock { $0.broken } }

        func roundTrip(_ body: [UInt8], number: UInt64) async -> Result<ForwardReply, ForwardingFailure> {
            await withCheckedContinuation { c in
                let registered = pending.withLock { p -> Bool in
                    if p.broken { return false }
                    p.waiting[number] = c
                    return true
                }
                guard registered else { return c.resume(returning: .failure(.notConnected)) }
                let wrote = writeLock.withLock { _ in (try? socket.write(ForwardCodec.frame(body))) != nil }
                if !wrote {
                    // A partial frame is never applied: the holder reads whole frames only.
                    if let c = pending.withLock({ $0.waiting.removeValue(forKey: number) }) {
                        c.resume(returning: .failure(.notConnected))
                    }
                    fail("the connection to the holder broke")
                }
            }
        }

        func startReading() {
            startThread { [self] in
                while true {
                    do throws(IOError) {
                        guard let header = try socket.read(count: 4),
                              let n = try? ForwardCodec.frameLength(header),
                              let body = try socket.read(count: n),
                              let (number, reply) = try? ForwardCodec.decodeReply(body) else {
                            return fail("the holder closed the connection")
                        }
                        pending.withLock { $0.waiting.removeValue(forKey: number) }?.resume(returning: .success(reply))
                    } catch {
                        return fail("reading the holder's reply: \(error.errnoText)")
                    }
                }
            }
        }

        /// Marks the connection broken and fails every request in flight with `.lost`.
        private func fail(_ why: String) {
            let waiting = pending.withLock { p -> [CheckedContinuation<Result<ForwardReply, ForwardingFailure>, Never>] in
                p.broken = true
                defer { p.waiting = [:] }
                return Array(p.waiting.values)
            }
            socket.shutdown()
            for c in waiting { c.resume(returning: .failure(.lost(why))) }
        }
    }
}
