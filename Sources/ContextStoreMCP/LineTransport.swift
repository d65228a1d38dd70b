import Foundation
import Logging
import MCP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MCP stdio transport (one JSON-RPC message a line) over two file descriptors, read by
/// a blocking thread of its own.
///
/// Why not the SDK's `StdioTransport`: it sets `O_NONBLOCK` on the descriptors (which
/// changes the pipe for the parent too) and polls every 10 ms while idle. An assistant keeps
/// one server per window open for hours; this one sleeps in `read(2)` until a line comes,
/// and answers the first message as soon as it arrives.
///
/// Invariants: `receive()` yields each complete line without its `\n` (blank lines and a
/// trailing `\r` are dropped); end of input finishes the stream (the server then stops);
/// `send` writes the whole message and its `\n` without a suspension point, so the
/// actor runs one `send` at a time and concurrent responses never interleave.
actor LineTransport: Transport {
    /// The transport's logger (the SDK logs through it; ours writes to stderr).
    nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let stream: AsyncThrowingStream<Data, any Swift.Error>
    private let continuation: AsyncThrowingStream<Data, any Swift.Error>.Continuation
    private var started = false

    /// A transport over `input` and `output` (standard input and output by default).
    init(input: Int32 = 0, output: Int32 = 1, logger: Logger) {
        self.input = input
        self.output = output
        self.logger = logger
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Swift.Error).self)
    }

    /// Starts the reading thread (once).
    func connect() async throws {
        guard !started else { return }
        started = true
        let fd = input, continuation = self.continuation, logger = self.logger
        let thread = Thread { LineTransport.readLines(fd: fd, into: continuation, logger: logger) }
        thread.name = "mcp-stdin"
        thread.start()
    }

    /// Finishes the message stream; the reading thread ends at the next end of input.
    func disconnect() async {
        continuation.finish()
    }

    /// Writes `data` and a newline, whole (retrying short writes and EINTR).
    func send(_ data: Data) async throws {
        var line = data
        line.append(UInt8(ascii: "\n"))
        try line.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws in
            var offset = 0
            while offset < buffer.count {
                let n = write(output, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MCPError.transportError(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
                }
                offset += n
            }
        }
    }

    /// The lines read, as they come.
    func receive() -> AsyncThrowingStream<Data, any Swift.Error> { stream }

    /// Blocking reads until end of input or an error; every complete line is yielded.
    private static func readLines(fd: Int32, into continuation: AsyncThrowingStream<Data, any Swift.Error>.Continuation,
                                  logger: Logger) {
        var pending = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("reading the client's messages failed: errno \(errno)")
                break
            }
            if n == 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                if end > start { continuation.yield(Data(pending[start..<end])) }
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        continuation.finish()
    }
}
