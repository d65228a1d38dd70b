import Foundation
import ContextStore

/// Client for `Tests/Oracles/tiktoken_oracle.py`: one long-lived `python3` process per
/// test, one JSON request line in, one JSON reply line out.
package final class TiktokenOracle {
    /// Why the oracle could not answer (it did not start, exited, or replied an error).
    package struct Failure: Error, CustomStringConvertible {
        /// The reason, with the set-up hint where it helps.
        package let description: String

        /// A failure saying `description`.
        package init(description: String) { self.description = description }
    }

    /// How to install what the oracle needs.
    package static let setupHint = "run `bash Tools/setup.sh --test` (installs Python tiktoken, the test oracle, "
        + "and the lz4 command it decompresses the repository's vocabulary with); CI runs it before the tests"

    /// Repository root, found from this file's path: <root>/Tests/ContextStoreTestSupport/<file>.
    package static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private struct Request: Encodable {
        var encoding: String?
        var text: String?
        var op: String?
        var hex: String?
        var pattern: String?
        var pieces: [String]?
    }

    private struct Reply: Decodable {
        var tokens: [Int]?
        var sha256: String?
        var members: [[Int]]?
        var error: String?
        var match: Bool?
        var index: Int?
        var regex: [String]?
        var ours: [String]?
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private var pending = Data()
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    /// Starts the oracle and asks it one question, so a missing python3 or tiktoken fails
    /// here, with the fix in the message.
    package init() throws {
        // A write to an oracle that already exited must fail with EPIPE, not kill the tests.
        signal(SIGPIPE, SIG_IGN)
        let script = Self.repositoryRoot.appendingPathComponent("Tests/Oracles/tiktoken_oracle.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start python3 \(script): \(error); \(Self.setupHint)")
        }
        // Fail early, with the oracle's own message, if python3 or tiktoken is missing.
        _ = try tokens("ok", .cl100kBase)
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// tiktoken's token ids for `text` in `encoding`.
    package func tokens(_ text: String, _ encoding: TokenEncoding) throws -> [Int] {
        let reply = try send(Request(encoding: encoding.rawValue, text: text))
        guard let tokens = reply.tokens else { throw Failure(description: "oracle reply without tokens") }
        return tokens
    }

    /// Python hashlib's SHA-256 of `bytes`, lowercase hex.
    package func sha256(_ bytes: [UInt8]) throws -> String {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        guard let digest = try send(Request(op: "sha256", hex: hex)).sha256 else {
            throw Failure(description: "oracle reply without sha256")
        }
        return digest
    }

    /// nil if `pieces` is exactly how tiktoken's regex splits `text`, else a description
    /// of the first difference.
    package func pieceMismatch(_ text: String, _ pieces: [String], _ encoding: TokenEncoding) throws -> String? {
        let reply = try send(Request(encoding: encoding.rawValue, text: text, op: "pieces", pieces: pieces))
        guard let match = reply.match else { throw Failure(description: "oracle reply without match") }
        if match { return nil }
        return "first different piece #\(reply.index ?? -1): regex \(reply.regex ?? []), ours \(reply.ours ?? [])"
    }

    /// Half-open scalar ranges matched by `pattern` in tiktoken's regex engine.
    package func members(_ pattern: String) throws -> [Range<UInt32>] {
        guard let ranges = try send(Request(op: "members", pattern: pattern)).members else {
            throw Failure(description: "oracle reply without members")
        }
        return ranges.map { UInt32($0[0])..<UInt32($0[1]) }
    }

    private func send(_ request: Request) throws -> Reply {
        var line = try encoder.encode(request)
        line.append(0x0A)
        do {
            try input.fileHandleForWriting.write(contentsOf: line)
        } catch {
            throw exitedFailure()
        }
        let replyLine = try readLine()
        let reply = try decoder.decode(Reply.self, from: replyLine)
        if let error = reply.error { throw Failure(description: "oracle error: \(error)") }
        return reply
    }

    private func readLine() throws -> Data {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[(newline + 1)...])
                return Data(line)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw exitedFailure() }
            pending.append(chunk)
        }
    }

    private func exitedFailure() -> Failure {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The oracle's own messages already name the fix; add it for anything else
        // (python3 missing, a crash).
        let hint = stderr.contains("Tools/setup.sh") ? "" : "; \(Self.setupHint)"
        return Failure(description: "tiktoken oracle exited with status \(process.terminationStatus): \(stderr)\(hint)")
    }
}
