import ContextStore
import ContextStoreTestSupport
import Foundation
import MCP
import Testing

@testable import ContextStoreMCP

/// `ctxstore mcp` driven by a real MCP client: the official Python SDK runs
/// Tests/mcp/mcp_client_test.py against the real server binary (every tool, cross-project
/// search, the result cap, bad arguments, two servers on one store). Its checks print on
/// stderr; this test fails when any of them failed.
@Suite struct MCPServerTests {
    @Test func thePythonSDKClientDrivesTheServerBinary() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../mcp/mcp_client_test.py").standardized.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, try ctxstoreBinary()]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.standardError
        try p.run()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        FileHandle.standardError.write(Data(log.utf8))
        if p.terminationStatus == 3 { Issue.record("the Python MCP SDK is missing: bash Tools/setup.sh --test installs it") }
        #expect(p.terminationStatus == 0, "failed checks:\n\(log.split(separator: "\n").filter { $0.hasPrefix("FAIL") }.joined(separator: "\n"))")
        #expect(log.contains(" checks, 0 failed"))
    }
}

/// The result cap, on the real tokenizer: whatever the list, the text fits, the kept items
/// are a prefix in rank order, and `omitted` names the rest.
@Suite struct MCPResultCapTests {
    let tokenizer = try! Tokenizer.load()

    func cap(_ limit: Int) -> ResultCap {
        let t = tokenizer
        return ResultCap(maxTokens: limit, count: { t.count($0) })
    }

    func items(_ n: Int, words: Int, seed: UInt64) -> [Value] {
        var rng = TestRNG(seed: seed)
        return (0..<n).map { i in
            let text = (0..<(1 + Int(rng.next() % UInt64(words)))).map { _ in "w\(rng.next() % 1000)" }.joined(separator: " ")
            return .object(["segment_id": .string("s\(i)"), "text": .string(text)])
        }
    }

    @Test func aResultWithinTheLimitIsUnchanged() {
        let object: [String: Value] = ["segments": .array(items(3, words: 5, seed: 1)), "segment_count": 3]
        let (text, value) = cap(1000).apply(object, list: "segments")
        #expect(value == .object(object))
        #expect(text == JSONText.encode(.object(object)))
    }

    @Test(arguments: [200, 500, 2000])
    func aLongListKeepsTheLongestPrefixThatFits(limit: Int) throws {
        for seed in 1...20 as ClosedRange<UInt64> {
            let list = items(Int(seed) * 7, words: 80, seed: seed)
            let (text, value) = cap(limit).apply(["segments": .array(list), "total": .int(list.count)], list: "segments")
            #expect(tokenizer.count(text) <= limit)
            let o = try #require(value.objectValue)
            let kept = o["segments"]?.arrayValue ?? []
            #expect(Array(list.prefix(kept.count)) == kept || kept.count == 1, "a prefix, in order")
            #expect(o["error"] == nil)
            guard let omitted = o["omitted"]?.objectValue else {
                #expect(kept.count == list.count)
                continue
            }
            let count = try #require(omitted["count"]?.intValue)
            #expect(count == list.count - kept.count)
            let ids = omitted["ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            // The next ids in order: 50 of them, or none when the limit cannot hold them.
            #expect(ids == (kept.count..<min(list.count, kept.count + 50)).map { "s\($0)" } || (ids.isEmpty && limit < 500))
            // One more item would not have fitted (the prefix is the longest).
            if kept.count < list.count, kept.count > 0 {
                var more = o
                more["segments"] = .array(Array(list.prefix(kept.count + 1)))
                #expect(tokenizer.count(JSONText.encode(.object(more))) > limit)
            }
        }
    }

    @Test func aFirstItemLargerThanTheLimitIsCutAndMarked() throws {
        let text = (0..<5000).map { "word\($0)" }.joined(separator: " ")
        let object: [String: Value] = ["retrieved_segments": .array([.object(["segment_id": "big", "text": .string(text)])])]
        let (out, value) = cap(300).apply(object, list: "retrieved_segments")
        #expect(tokenizer.count(out) <= 300)
        let seg = try #require(value.objectValue?["retrieved_segments"]?.arrayValue?.first?.objectValue)
        #expect(seg["text_truncated"] == .bool(true))
        let kept = try #require(seg["text"]?.stringValue)
        #expect(text.hasPrefix(kept) && kept.count > 100)
    }

    @Test func aResultWithNoListToCutBecomesAnError() throws {
        let object: [String: Value] = ["blob": .string(String(repeating: "x y ", count: 5000))]
        let (out, value) = cap(200).apply(object, list: nil)
        #expect(tokenizer.count(out) <= 200)
        #expect(value.objectValue?["error"]?.objectValue?["code"] == .string("result_too_large"))
    }
}

/// Argument reading: each failure names the field and what is allowed.
@Suite struct MCPToolArgumentsTests {
    func failure(_ body: () throws -> Void) -> ToolFailure? {
        do { try body(); return nil } catch { return error as? ToolFailure }
    }

    @Test func typesRangesAndUnknownKeysAreRefusedByName() throws {
        let a = try ToolArguments(["limit": 5.0, "n": "x", "flag": 1, "ids": ["a", 2]], known: ["limit", "n", "flag", "ids"])
        #expect(try a.integer("limit", in: 1...10) == 5)
        #expect(failure { _ = try a.integer("limit", in: 6...10) }?.field == "limit")
        #expect(failure { _ = try a.integer("n", in: 1...10) }?.field == "n")
        #expect(failure { _ = try a.bool("flag", default: false) }?.field == "flag")
        #expect(failure { _ = try a.stringList("ids") }?.field == "ids[1]")
        #expect(failure { _ = try a.requiredString("missing") }?.message.contains("required") == true)
        let unknown = failure { _ = try ToolArguments(["segment_id": "a"], known: ["project_id", "segment_ids"]) }
        #expect(unknown?.field == "segment_id")
        #expect(unknown?.message.contains("segment_ids") == true)
        let mode = failure { _ = try ToolArguments(["mode": "some"], known: ["mode"]).choice("mode", SearchMode.self) }
        #expect(mode?.message.contains("all") == true && mode?.message.contains("any") == true)
    }

    @Test func aPutSegmentGetsItsDefaultsAndIsValidatedAsInput() throws {
        let now = Timestamp(utcMicroseconds: 1_764_000_000_000_000)
        let s = try SegmentValues.segment(from: ["text": "hello", "type": "note"], project: "p", field: "segments[0]", now: now)
        #expect(s.projectID == "p" && s.tier == .working && s.createdAt == now && s.lastTouchedAt == now)
        #expect(s.segmentID.hasPrefix("seg-") && s.segmentID.count == 36)
        let given = try SegmentValues.segment(from: ["text": "x", "type": "code", "segment_id": "mine", "line_range": [3, 9], "tier": "stashed"],
                                              project: "p", field: "segments[0]", now: now)
        #expect(given.segmentID == "mine" && given.lineRange == LineRange(3, 9) && given.tier == .stashed)
        func refused(_ v: Value) -> ToolFailure? {
            do throws(ToolFailure) { _ = try SegmentValues.segment(from: v, project: "p", field: "segments[1]", now: now); return nil } catch { return error }
        }
        #expect(refused(["type": "note"])?.field == "segments[1].text")
        #expect(refused(["text": "x", "type": "poem"])?.message.contains("poem") == true)
        #expect(refused(["text": "x", "type": "note", "project_id": "q"])?.field == "segments[1].project_id")
        #expect(refused(["text": "x", "type": "note", "pinned": "yes"])?.message.contains("pinned") == true)
        #expect(refused("text")?.field == "segments[1]")
    }
}
