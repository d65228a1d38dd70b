import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// `ContextSegment`, `Timestamp` and the small model types as values an app uses with
/// Foundation: Codable through `JSONEncoder`/`JSONDecoder` (checked against the JSON layer's
/// writer and reader), Hashable, Identifiable, Comparable, and Date conversions.
@Suite struct SegmentCodableTests {
    static func ts(_ s: String) -> Timestamp { try! Timestamp(iso8601: s) }

    /// Hand-picked segments: every optional nil, every optional set, Unicode, NFC and NFD ids,
    /// naive / Z / offset / fraction / seconds-offset timestamps, extreme integers.
    static let varied: [ContextSegment] = [
        ContextSegment(segmentID: "min", text: "", type: .message, projectID: "",
                       createdAt: ts("2025-12-07T22:49:42")),
        ContextSegment(segmentID: "caf\u{E9}", text: "naïve café 日本語 🙂👩‍👩‍👧 \u{0}\u{1F}\u{7F} \"\\/ \u{2028}",
                       type: .summary, projectID: "gamma-ünï", taskID: "", createdAt: ts("2025-01-01T00:00:00.000500-08:00"),
                       lastTouchedAt: ts("2025-12-07T22:49:42.123456Z"), pinned: true, generation: .old,
                       gcSurvivalCount: Int.max, refcount: 3, filePath: "src/ä.swift", lineRange: LineRange(Int.min, Int.max),
                       tags: ["", "ταγ", "a\u{0}b", "ταγ"], topicID: "topic", tokens: 0,
                       tokensComputedAt: ts("2025-12-07T22:49:42+05:30"), textHash: String(repeating: "ab", count: 32),
                       tier: .archive),
        ContextSegment(segmentID: "cafe\u{301}", text: "cafe\u{301}", type: .decision, projectID: "p",
                       createdAt: ts("0001-01-01T00:00:00"), lastTouchedAt: ts("9999-12-31T23:59:59.999999"),
                       lineRange: LineRange(1, 10), tags: ["x"], tokens: Int.max,
                       tokensComputedAt: ts("2025-06-01T12:00:00.000000+00:00:30"), tier: .stashed),
        ContextSegment(segmentID: "s \u{1F600}", text: "offset forms", type: .log, projectID: "p",
                       createdAt: ts("2025-06-01 12:00"), lastTouchedAt: ts("2025-06-01T12:00:00.5-0130"),
                       tokensComputedAt: ts("2025-06-01"), tier: .working),
    ]

    static func allSegments() -> [ContextSegment] {
        var rng = TestRNG(seed: testSeed)
        return varied + (0..<300).map { _ in Samples.segment(&rng) }
    }

    static func decode(_ json: String) throws -> ContextSegment {
        try JSONDecoder().decode(ContextSegment.self, from: Data(json.utf8))
    }

    /// The object `json` with its members in reverse order (values re-encoded by Python).
    static func reversedObject(_ json: String) throws -> String {
        let script = "import json, sys; d = json.loads(sys.argv[1]); print(json.dumps(dict(reversed(list(d.items())))))"
        return String(decoding: try #require(JSONTestSupport.python(script, [json])), as: UTF8.self)
    }

    @Test func jsonEncoderRoundTripsGiveEqualSegments() throws {
        let segments = Self.allSegments()
        for s in segments {
            let back = try JSONDecoder().decode(ContextSegment.self, from: JSONEncoder().encode(s))
            #expect(back == s, "\(s.segmentID)")
            #expect(back.createdAt.iso8601 == s.createdAt.iso8601)
        }
        // As an array, pretty-printed and with sorted keys too.
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        #expect(try JSONDecoder().decode([ContextSegment].self, from: e.encode(segments)) == segments)
    }

    @Test func jsonEncoderOutputEqualsTheJSONLayersFieldForField() throws {
        // Each pair on two lines: JSONSegmentEncoder's object, then JSONEncoder's. Python's
        // json reads both; json.dumps(sort_keys=True) tells true from 1 and 1 from 1.0.
        let segments = Self.allSegments()
        var lines: [UInt8] = []
        for s in segments {
            lines += JSONSegmentEncoder.encode(s) + [0x0A]
            lines += Array(try JSONEncoder().encode(s)) + [0x0A]
        }
        let dir = JSONTestSupport.temporaryDirectory("codable")
        defer { JSONTestSupport.remove(dir) }
        let path = dir + "/pairs.ndjson"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(lines)))
        let script = #"""
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
keys = ["segment_id", "text", "type", "project_id", "task_id", "created_at", "last_touched_at", "pinned",
        "generation", "gc_survival_count", "refcount", "file_path", "line_range", "tags", "topic_id", "tokens",
        "tokens_computed_at", "text_hash", "tier"]
bad = 0
for i in range(0, len(lines), 2):
    ours, theirs = json.loads(lines[i]), json.loads(lines[i + 1])
    if list(ours) != keys or sorted(theirs) != sorted(keys):
        bad += 1; print("keys", i // 2, list(theirs)); continue
    for k in keys:
        if json.dumps(ours[k], sort_keys=True) != json.dumps(theirs[k], sort_keys=True):
            bad += 1; print("field", i // 2, k, repr(ours[k]), repr(theirs[k]))
print("pairs", len(lines) // 2, "bad", bad)
"""#
        let out = JSONTestSupport.python(script, [path]).map { String(decoding: $0, as: UTF8.self) }
        #expect(out == "pairs \(segments.count) bad 0\n")

        // The same through JSONSerialization, for the datetime strings and nulls.
        for s in Self.varied {
            let ours = try JSONSerialization.jsonObject(with: Data(JSONSegmentEncoder.encode(s))) as! [String: Any]
            let theirs = try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as! [String: Any]
            #expect(Set(ours.keys) == Set(theirs.keys) && ours.count == 19)
            for k in ["created_at", "last_touched_at", "tokens_computed_at"] {
                #expect(ours[k] as? String == theirs[k] as? String, "\(k)")
                #expect((ours[k] is NSNull) == (theirs[k] is NSNull), "\(k)")
            }
            #expect((ours["line_range"] as? [Int]) == (theirs["line_range"] as? [Int]))
        }
        #expect(try Self.varied[0].jsonObjectKeysNull() == ["task_id", "file_path", "line_range", "topic_id", "tokens",
                                                             "tokens_computed_at", "text_hash"])
    }

    /// Objects the JSON layer accepts with optional keys left out, keys out of order and
    /// datetimes in each accepted form decode to the segment `SegmentFileReader` reads.
    @Test func decodingMissingOptionalKeysMatchesTheJSONReader() throws {
        let variants: [[(String, String)]] = [
            [],
            [("pinned", "true"), ("tags", "[\"b\", \"a\", \"b\"]"), ("tier", "\"stashed\"")],
            [("created_at", "\"2025-01-02\""), ("last_touched_at", "\"2025-01-02 03:04\"")],
            [("created_at", "\"2025-01-02t03:04:05,1234567z\""), ("last_touched_at", "\"2025-01-02_03:04:05.5+0530\"")],
            [("created_at", "\"2025-01-02T03:04:05-08:00:30\""), ("tokens_computed_at", "null"), ("tokens", "12")],
            [("line_range", "[3, 4]"), ("file_path", "\"f.swift\""), ("generation", "\"old\""), ("refcount", "2"),
             ("gc_survival_count", "1"), ("topic_id", "\"t\""), ("task_id", "null"), ("text_hash", "null")],
            [("segment_id", "\"caf\\u00e9\""), ("text", "\"\\ud83d\\ude00 x\"")],
        ]
        for fields in variants {
            let json = JSONTestSupport.segmentJSON(fields)
            // Reversed key order as well: keys come in any order.
            let reversed = try Self.reversedObject(json)
            guard case let .success((_, expected)) = JSONTestSupport.readAll(JSONTestSupport.bytes(json)) else {
                Issue.record("the JSON layer refused \(json)")
                continue
            }
            #expect(expected.count == 1)
            #expect(try Self.decode(json) == expected[0], "\(json)")
            #expect(try Self.decode(reversed) == expected[0], "\(reversed)")
        }
        let minimal = try Self.decode(JSONTestSupport.segmentJSON())
        #expect(minimal == ContextSegment(segmentID: "s1", text: "hello", type: .note, projectID: "p",
                                          createdAt: Self.ts("2025-01-02T03:04:05Z")))
    }

    /// Input the JSON layer refuses throws a DecodingError (and the JSON layer refuses it too).
    @Test func invalidInputThrowsDecodingError() throws {
        var bad: [(String, [(String, String)], Set<String>)] = [
            ("bad type", [("type", "\"memo\"")], []),
            ("bad tier", [("tier", "\"cold\"")], []),
            ("bad generation", [("generation", "\"middle\"")], []),
            ("type case", [("type", "\"Note\"")], []),
            ("bad datetime", [("created_at", "\"2025-13-01T00:00:00\"")], []),
            ("datetime text", [("last_touched_at", "\"yesterday\"")], []),
            ("unix time", [("created_at", "\"1700000000\"")], []),
            ("bad tokens_computed_at", [("tokens_computed_at", "\"2025-01-01T25:00\"")], []),
            ("datetime number", [("created_at", "1700000000")], []),
            ("null pinned", [("pinned", "null")], []),
            ("null tags", [("tags", "null")], []),
            ("null required", [("text", "null")], []),
            ("tag not string", [("tags", "[1]")], []),
            ("line_range triple", [("line_range", "[1, 2, 3]")], []),
            ("line_range single", [("line_range", "[1]")], []),
            ("line_range strings", [("line_range", "[\"1\", \"2\"]")], []),
            ("negative refcount", [("refcount", "-1")], []),
            ("negative tokens", [("tokens", "-5")], []),
            ("empty id", [("segment_id", "\"\"")], []),
            ("unknown key", [("colour", "\"red\"")], []),
            ("pinned string", [("pinned", "\"true\"")], []),
        ]
        for key in ["segment_id", "text", "type", "project_id", "created_at", "last_touched_at"] {
            let none: [(String, String)] = []
            bad.append(("missing \(key)", none, [key]))
        }
        for (label, fields, removing) in bad {
            let json = JSONTestSupport.segmentJSON(fields, removing: removing)
            #expect(JSONTestSupport.error(JSONTestSupport.bytes(json)) != nil, "\(label): the JSON layer accepts it")
            #expect(throws: DecodingError.self, "\(label)") { try Self.decode(json) }
        }
        // The errors say what the JSON layer says.
        do {
            _ = try Self.decode(JSONTestSupport.segmentJSON(removing: ["created_at"]))
            Issue.record("decoded without created_at")
        } catch let DecodingError.keyNotFound(key, _) {
            #expect(key.stringValue == "created_at")
        }
        do {
            _ = try Self.decode(JSONTestSupport.segmentJSON([("tier", "\"cold\"")]))
            Issue.record("decoded tier cold")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue) == ["tier"])
            #expect(context.underlyingError as? SegmentValidationError
                == .unknownValue(field: "tier", value: "cold", allowed: ["working", "stashed", "archive"]))
        }
        do {
            _ = try Self.decode(JSONTestSupport.segmentJSON([("refcount", "-1")]))
            Issue.record("decoded a negative refcount")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue) == ["refcount"])
            #expect(context.underlyingError as? SegmentValidationError == .negative(field: "refcount", value: -1))
        }
        do {
            _ = try Self.decode(JSONTestSupport.segmentJSON([("created_at", "\"2025-01-01T00:0x\"")]))
            Issue.record("decoded a malformed datetime")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue) == ["created_at"])
            #expect(context.underlyingError as? Timestamp.ParseError == .malformed("2025-01-01T00:0x", position: 16))
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Timestamp.self, from: Data("\"2025-02-30\"".utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SegmentTier.self, from: Data("\"Working\"".utf8)) }
        #expect(try JSONDecoder().decode([SegmentType].self, from: Data(#"["code","log"]"#.utf8)) == [.code, .log])
        #expect(try JSONDecoder().decode(LineRange.self, from: Data("[5,-2]".utf8)) == LineRange(5, -2))
        #expect(throws: DecodingError.self) { try Self.decode(JSONTestSupport.segmentJSON([("refcount", "1.5")])) }
        #expect(String(decoding: try JSONEncoder().encode(LineRange(1, 2)), as: UTF8.self) == "[1,2]")
    }

    @Test func hashableKeepsNFCAndNFDIdsApartAndAgreesWithEquality() {
        let nfc = ContextSegment(segmentID: "caf\u{E9}", text: "t", type: .note, projectID: "p",
                                 createdAt: Self.ts("2025-01-01T00:00:00Z"))
        var nfd = nfc
        nfd.segmentID = "cafe\u{301}"
        #expect(nfc.segmentID == nfd.segmentID)  // String's == is canonical equivalence ...
        #expect(nfc != nfd)  // ... a segment's is not,
        let set: Set<ContextSegment> = [nfc, nfd, nfc]
        #expect(set.count == 2)  // so a Set keeps both,
        #expect(set.contains(nfc) && set.contains(nfd))
        var textNFD = nfc
        textNFD.text = "cafe\u{301}"
        var textNFC = nfc
        textNFC.text = "caf\u{E9}"
        #expect(Set([textNFC, textNFD]).count == 2)  // and texts alike.
        // Equal segments hash equal; a copy of every sample is found.
        let all = Self.allSegments()
        let copy = Set(all.map { s -> ContextSegment in var c = s; c.tags = Array(s.tags); return c })
        for s in all {
            #expect(copy.contains(s))
            #expect(s.hashValue == ContextSegment(segmentID: s.segmentID, text: s.text, type: s.type, projectID: s.projectID,
                                                  taskID: s.taskID, createdAt: s.createdAt, lastTouchedAt: s.lastTouchedAt,
                                                  pinned: s.pinned, generation: s.generation,
                                                  gcSurvivalCount: s.gcSurvivalCount, refcount: s.refcount,
                                                  filePath: s.filePath, lineRange: s.lineRange, tags: s.tags,
                                                  topicID: s.topicID, tokens: s.tokens,
                                                  tokensComputedAt: s.tokensComputedAt, textHash: s.textHash,
                                                  tier: s.tier).hashValue)
        }
        // Optional strings: nil and "" hash (and compare) apart, and adjacent fields do not run together.
        var a = nfc, b = nfc
        a.taskID = nil
        b.taskID = ""
        #expect(Set([a, b]).count == 2)
        a.tags = ["ab", "c"]
        b.tags = ["a", "bc"]
        #expect(Set([a, b]).count == 2)
        // Identifiable: id is segmentID.
        #expect(all.map(\.id) == all.map(\.segmentID))
        #expect(nfd.id.utf8.elementsEqual("cafe\u{301}".utf8))
    }

    @Test func sortingByCreatedAtOrdersByInstant() {
        // 08:00 naive (= 08:00 UTC), 07:30Z, 00:00-08:00 (= 08:00 UTC), 09:00+02:00 (= 07:00 UTC),
        // 08:00:00.000001Z, 08:00Z, 08:00:00.000000Z.
        let forms = ["2025-01-01T08:00:00", "2025-01-01T07:30:00Z", "2025-01-01T00:00:00-08:00",
                     "2025-01-01T09:00:00+02:00", "2025-01-01T08:00:00.000001Z", "2025-01-01T08:00:00Z",
                     "2025-01-01T08:00:00.000000Z", "2025-01-01T09:00:00+01:00"]
        let segments = forms.enumerated().map { i, f in
            ContextSegment(segmentID: "s\(i)", text: "", type: .note, projectID: "p", createdAt: Self.ts(f))
        }
        let sorted = segments.sorted { $0.createdAt < $1.createdAt }
        #expect(sorted.map(\.createdAt.iso8601) == [
            "2025-01-01T09:00:00+02:00", "2025-01-01T07:30:00Z",
            // 08:00 UTC written four ways: naive, then offsets west to east, no fraction first.
            "2025-01-01T08:00:00", "2025-01-01T00:00:00-08:00", "2025-01-01T08:00:00Z",
            "2025-01-01T08:00:00.000000Z", "2025-01-01T09:00:00+01:00",
            "2025-01-01T08:00:00.000001Z",
        ])
        // Deterministic whatever the input order.
        var rng = TestRNG(seed: testSeed)
        #expect(segments.shuffled(using: &rng).sorted { $0.createdAt < $1.createdAt } == sorted)
        // A total order consistent with ==: exactly one of <, ==, > for every pair.
        var stamps = segments.map(\.createdAt)
        for _ in 0..<300 { stamps.append(Samples.segment(&rng).createdAt) }
        for x in stamps {
            for y in stamps {
                let relations = [x < y, x == y, y < x].filter { $0 }.count
                #expect(relations == 1, "\(x) \(y)")
                if x < y { #expect(x.instantMicroseconds <= y.instantMicroseconds) }
            }
        }
        let byInstant = stamps.sorted()
        #expect(zip(byInstant, byInstant.dropFirst()).allSatisfy { $0.instantMicroseconds <= $1.instantMicroseconds })
    }

    @Test func dateConversionsKeepTheInstantToTheMicrosecond() {
        var rng = TestRNG(seed: testSeed)
        // Whole microseconds within 68 years of 2001: exact both ways.
        let span: Int64 = (1 << 31) * 1_000_000
        for _ in 0..<10_000 {
            let micros = Int64(bitPattern: rng.next()) % span
            let date = Date(timeIntervalSinceReferenceDate: Double(micros) / 1_000_000)
            let t = Timestamp(date)
            #expect(t.date == date)
            #expect(t.utcOffsetSeconds == 0 && t.hasFraction == (micros % 1_000_000 != 0))
            #expect(t.instantMicroseconds == micros + 978_307_200_000_000)
        }
        // Any date: within half a microsecond.
        let now = Date()
        #expect(abs(Timestamp(now).date.timeIntervalSince(now)) <= 0.000_000_5 + 1e-9)
        #expect(Timestamp(Date(timeIntervalSince1970: 0)).iso8601 == "1970-01-01T00:00:00Z")
        #expect(Timestamp(Date(timeIntervalSince1970: 1_764_604_800.5)).iso8601 == "2025-12-01T16:00:00.500000Z")
        // Timestamp -> Date -> Timestamp keeps the instant, in UTC, for every written form.
        for s in Self.varied.flatMap({ [$0.createdAt, $0.lastTouchedAt] + ($0.tokensComputedAt.map { [$0] } ?? []) })
            + (0..<1000).map({ _ in Samples.segment(&rng).createdAt }) {
            let back = Timestamp(s.date)
            let far = abs(s.instantMicroseconds - 978_307_200_000_000) >= span
            if !far { #expect(back.instantMicroseconds == s.instantMicroseconds, "\(s)") }
            #expect(abs(back.instantMicroseconds - s.instantMicroseconds) <= 64, "\(s)")
            #expect(back.utcOffsetSeconds == 0)
        }
        #expect(Timestamp(Self.ts("2025-01-01T00:00:00.000500-08:00").date).iso8601 == "2025-01-01T08:00:00.000500Z")
        // Out of range dates clamp to the valid range.
        #expect(Timestamp(Date(timeIntervalSinceReferenceDate: -1e300)).iso8601 == "0001-01-01T00:00:00Z")
        #expect(Timestamp(Date(timeIntervalSinceReferenceDate: .infinity)).iso8601 == "9999-12-31T23:59:59.999999Z")
        #expect(Timestamp(Date.distantFuture).isValid && Timestamp(Date.distantPast).isValid)
    }

    @Test func timestampCodableIsItsISO8601String() throws {
        for f in ["2025-12-07T22:49:42.123456", "2025-12-07T22:49:42Z", "2025-01-01T00:00:00.000500-08:00"] {
            let t = Self.ts(f)
            #expect(String(decoding: try JSONEncoder().encode([t]), as: UTF8.self) == "[\"\(f)\"]")
            #expect(try JSONDecoder().decode([Timestamp].self, from: Data("[\"\(f)\"]".utf8)) == [t])
        }
        // Accepted forms decode to what the parser gives, written form kept.
        let t = try JSONDecoder().decode(Timestamp.self, from: Data("\"2025-01-02T03:04:05,5+0530\"".utf8))
        #expect(t == Self.ts("2025-01-02T03:04:05.500000+05:30"))
    }

    /// `CONTEXTSTORE_DOWNSTREAM_CHECK=1`: builds and runs a package outside the repository that
    /// depends on this one in Swift 6 mode (`Tools/check_downstream.sh`; a full build).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CONTEXTSTORE_DOWNSTREAM_CHECK"] == "1"),
          .timeLimit(.minutes(60)))
    func downstreamPackageBuildsAndRuns() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["bash", repo.appendingPathComponent("Tools/check_downstream.sh").path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(String(decoding: data, as: UTF8.self))")
    }
}

extension ContextSegment {
    /// The keys whose values are null in the JSON layer's encoding of the segment, in order.
    fileprivate func jsonObjectKeysNull() throws -> [String] {
        guard case let .object(members) = try JSONValue.parse(JSONSegmentEncoder.encode(self)) else { return [] }
        return members.filter { $0.value == .null }.map(\.key)
    }
}
