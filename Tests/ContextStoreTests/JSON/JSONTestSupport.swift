import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Helpers shared by the JSON tests: Python as the oracle, temporary directories, readers
/// over bytes with chosen chunk sizes.
enum JSONTestSupport {
    /// `Tests/Oracles`: Python modules the scripts import (`old_layer`).
    static let oracles = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Oracles").path

    /// Runs `python3 -c script args...` (with `Tests/Oracles` on PYTHONPATH) and returns its
    /// stdout; records a test issue (and returns nil) if it fails.
    static func python(_ script: String, _ args: [String] = []) -> [UInt8]? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["PYTHONPATH=" + oracles, "python3", "-c", script] + args
        let out = Pipe()
        let errPath = NSTemporaryDirectory() + "contextstore-py-stderr-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: errPath)
        do {
            try p.run()
        } catch {
            Issue.record("cannot start python3: \(error)")
            return nil
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let err = FileManager.default.contents(atPath: errPath) ?? Data()
            Issue.record("python3 failed (\(p.terminationStatus)): \(String(decoding: err, as: UTF8.self))")
            return nil
        }
        return [UInt8](data)
    }

    /// Python helpers for lone surrogates, which Python's `json` reads and keeps: `fix(s)`
    /// replaces each surrogate code point of `s` by U+FFFD (what our readers store), and
    /// `count(v)` counts the surrogates in the strings of a decoded JSON value.
    static let surrogatesPython = #"""
def fix(s): return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in s)
def count(v):
    if isinstance(v, str): return sum(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, list): return sum(count(x) for x in v)
    if isinstance(v, dict): return sum(count(x) for x in v.values())
    return 0

"""#

    /// A fresh temporary directory (a `TempDir`'s path; `remove` deletes it).
    static func temporaryDirectory(_ label: String) -> String {
        TempDir("json-" + label).path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A reader over `bytes` that reads `chunk` bytes at a time (to cut every token).
    static func reader(_ bytes: [UInt8], chunk: Int = 1 << 20, maxString: Int = JSONLimits.maxStringBytes,
                       name: String = "test.json") throws(JSONImportError) -> SegmentFileReader {
        try SegmentFileReader(scanner: JSONScanner(bytes: bytes, readSize: chunk, maxStringBytes: maxString), name: name)
    }

    /// Reads all segments, or returns the error.
    static func readAll(_ bytes: [UInt8], chunk: Int = 1 << 20, maxString: Int = JSONLimits.maxStringBytes)
        -> Result<(SegmentFileFormat, [ContextSegment]), JSONImportError> {
        do throws(JSONImportError) {
            let r = try reader(bytes, chunk: chunk, maxString: maxString)
            return .success((r.format, try r.readAll()))
        } catch {
            return .failure(error)
        }
    }

    /// The error reading `bytes` must produce (a test issue if it reads cleanly).
    static func error(_ bytes: [UInt8], chunk: Int = 1 << 20, maxString: Int = JSONLimits.maxStringBytes,
                      sourceLocation: SourceLocation = #_sourceLocation) -> JSONImportError? {
        switch readAll(bytes, chunk: chunk, maxString: maxString) {
        case .success(let (format, segs)):
            Issue.record("expected an error, read \(segs.count) segment(s) as \(format)", sourceLocation: sourceLocation)
            return nil
        case .failure(let e):
            return e
        }
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Bytes from lowercase hex (the Python scripts print strings as hex); `jsonTestHex` back.
    static func bytes(hex: String) -> [UInt8] {
        let b = Array(hex.utf8)
        return stride(from: 0, to: b.count, by: 2).map { UInt8(String(decoding: b[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    /// A minimal valid segment object with `fields` replacing or adding keys (raw JSON values).
    static func segmentJSON(_ fields: [(String, String)] = [], removing: Set<String> = []) -> String {
        var base: [(String, String)] = [
            ("segment_id", "\"s1\""), ("text", "\"hello\""), ("type", "\"note\""), ("project_id", "\"p\""),
            ("created_at", "\"2025-01-02T03:04:05Z\""), ("last_touched_at", "\"2025-01-02T03:04:05Z\""),
        ]
        for (k, v) in fields {
            if let i = base.firstIndex(where: { $0.0 == k }) { base[i].1 = v } else { base.append((k, v)) }
        }
        base.removeAll { removing.contains($0.0) }
        return "{" + base.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}

extension Array where Element == UInt8 {
    var jsonTestHex: String { map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
}
