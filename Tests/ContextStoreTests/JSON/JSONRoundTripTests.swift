import Foundation
import Testing
@testable import ContextStore
import ContextStoreTestSupport

/// Python's `json` module (and pydantic, which the old layer used) as the oracle: Python
/// writes random segments in every file form, we read them and write them back, and the
/// bytes must be identical.
@Suite struct JSONRoundTripTests {
    /// Writes random segments (seeded) as pydantic's `model_dump(mode="json")` gives them,
    /// in every form, with `json.dump(obj, f, indent=2)` and compact NDJSON lines.
    static let generator = #"""
import json, random, sys, os
from old_layer import legacy_document
from datetime import datetime, timedelta, timezone
from typing import List, Literal, Optional, Tuple
from pydantic import BaseModel

class ContextSegment(BaseModel):
    segment_id: str
    text: str
    type: Literal["message", "code", "log", "note", "decision", "summary"]
    project_id: str
    task_id: Optional[str] = None
    created_at: datetime
    last_touched_at: datetime
    pinned: bool = False
    generation: Literal["young", "old"] = "young"
    gc_survival_count: int = 0
    refcount: int = 0
    file_path: Optional[str] = None
    line_range: Optional[Tuple[int, int]] = None
    tags: List[str] = []
    topic_id: Optional[str] = None
    tokens: Optional[int] = None
    tokens_computed_at: Optional[datetime] = None
    text_hash: Optional[str] = None
    tier: Literal["working", "stashed", "archive"] = "working"

out_dir, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)

PIECES = ["hello", "world", " ", "  ", "\n", "\r\n", "\t", "\"", "\\", "/", "</script>", "\x00", "\x01",
          "\x08", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x9f", "\xa0", "é", "ß", "Ω", "中文", "日本語",
          "\u2028", "\u2029", "\ufeff", "\ufffd", "\uffff", "e\u0301", "😀", "𝄞", "\U0010ffff", "İ",
          "{\"json\": [1, 2]}", "'single'", "a,b", "x: y", "\\u0041", "NaN", "null", "true", "0"]

def rand_text(max_pieces=30):
    n = rng.choice([0, 1, 2, 5, max_pieces])
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, n)))

def rand_id():
    return rng.choice(["seg-", "s", "id/", "ü-", "😀", "a\"b", ""]) + str(rng.randint(0, 10**6)) + rand_text(2)

PROJECTS = ["proj", "../x", "a/b", "", "projé", "p" * 300, "日本", "sp ace", "q\"uote"]
TZS = [None, timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)),
       timezone(timedelta(hours=-3, minutes=-30)), timezone(timedelta(hours=14)),
       timezone(timedelta(hours=-23, minutes=-59)), timezone(timedelta(minutes=1))]

def rand_dt():
    year = rng.choice([1, 2, 1969, 1970, 2000, 2024, 2025, 9999])
    base = datetime(year, 1, 1) + timedelta(days=rng.randint(0, 364), seconds=rng.randint(0, 86399))
    micro = rng.choice([0, 0, 1, 500, 123456, 999999])
    return base.replace(microsecond=micro, tzinfo=rng.choice(TZS))

BIG = [0, 1, 7, 2**31, 2**53 + 1, 2**63 - 1]
def rand_int(signed=False):
    v = rng.choice(BIG + [rng.randint(0, 10**6)])
    if signed and rng.random() < 0.3:
        v = -v if v != 2**63 - 1 else -2**63
    return v

def rand_segment(pid):
    d = dict(segment_id=rand_id() or "x", text=rand_text(), type=rng.choice(["message", "code", "log", "note", "decision", "summary"]),
             project_id=pid, created_at=rand_dt(), last_touched_at=rand_dt())
    if rng.random() < 0.5: d["task_id"] = rng.choice(["t1", "t2", "", "tâche", rand_text(3)])
    if rng.random() < 0.5: d["pinned"] = rng.random() < 0.5
    if rng.random() < 0.5: d["generation"] = rng.choice(["young", "old"])
    if rng.random() < 0.5: d["gc_survival_count"] = rand_int()
    if rng.random() < 0.5: d["refcount"] = rand_int()
    if rng.random() < 0.5: d["file_path"] = rng.choice(["src/a.py", "/abs/ü.swift", "", "C:\\win\\path", rand_text(3)])
    if rng.random() < 0.5: d["line_range"] = (rand_int(True), rand_int(True))
    if rng.random() < 0.6: d["tags"] = [rng.choice(["a", "b", "tag", "ü", "e\u0301", "\u00e9", "", "😀", rand_text(2)]) for _ in range(rng.choice([0, 1, 3, 12]))]
    if rng.random() < 0.5: d["topic_id"] = rng.choice(["topic", "", rand_text(2)])
    if rng.random() < 0.5:
        d["tokens"] = rand_int()
        d["text_hash"] = "%064x" % rng.getrandbits(256)
        d["tokens_computed_at"] = rand_dt()
    if rng.random() < 0.5: d["tier"] = rng.choice(["working", "stashed", "archive"])
    return ContextSegment(**d).model_dump(mode="json")

segs = [rand_segment(rng.choice(PROJECTS)) for _ in range(count)]
segs[0]["text"] = ""

def dump(path, obj):
    with open(os.path.join(out_dir, path), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)

dump("sharded.json", {"segments": segs})
dump("empty.json", {"segments": []})
by_month = {}
for s in segs:
    by_month.setdefault(s["created_at"][:7], []).append(s)
for month, ms in list(by_month.items())[:3]:
    dump("monthly_%s.json" % month, {"segments": ms})

projects = {}
for s in segs:
    projects.setdefault(s["project_id"], []).append(s)
legacy = legacy_document(projects)
dump("storage.json", legacy)
with open(os.path.join(out_dir, "log.ndjson"), "w", encoding="utf-8") as f:
    for s in segs:
        f.write(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n")
print(len(segs))
"""#

    /// Runs the generator into a new directory; nil (with an issue) if Python fails.
    static func generate(seed: Int, count: Int) -> String? {
        let dir = JSONTestSupport.temporaryDirectory("rt\(seed)")
        guard JSONTestSupport.python(generator, [dir, String(seed), String(count)]) != nil else { return nil }
        return dir
    }

    static func files(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
    }

    @Test func everyFormRoundTripsByteForByte() throws {
        guard let dir = Self.generate(seed: 20251207, count: 300) else { return }
        defer { JSONTestSupport.remove(dir) }
        var checked = 0
        for path in Self.files(dir) {
            let original = SegmentFiles.read(path)
            let reader = try SegmentFileReader(path: path)
            let expected: SegmentFileFormat = path.hasSuffix(".ndjson") ? .ndjson
                : path.hasSuffix("storage.json") ? .legacy : .sharded
            #expect(reader.format == expected, "\(path)")
            let segments = try reader.readAll()
            #expect(reader.segmentsRead == segments.count)
            let written = try SegmentFiles.bytes(segments, as: reader.format)
            let same = written == original
            #expect(same, "\(path): written back differs")
            if !same, let i = (0..<Swift.min(written.count, original.count)).first(where: { written[$0] != original[$0] }) ?? Swift.min(written.count, original.count) as Int? {
                let lo = Swift.max(0, i - 80)
                Issue.record("first difference at byte \(i): ours …\(String(decoding: written[lo..<Swift.min(written.count, i + 80)], as: UTF8.self))… python …\(String(decoding: original[lo..<Swift.min(original.count, i + 80)], as: UTF8.self))…")
            }
            checked += 1
        }
        #expect(checked >= 6)
    }

    /// The same files read through windows of a few bytes (every token cut at every place)
    /// and written through small chunks give the same segments and bytes.
    @Test(arguments: [1, 2, 3, 5, 7, 13, 64])
    func smallChunksGiveTheSameResult(chunk: Int) throws {
        guard let dir = Self.generate(seed: 99 + chunk, count: 40) else { return }
        defer { JSONTestSupport.remove(dir) }
        for path in Self.files(dir) {
            let original = SegmentFiles.read(path)
            let reference = try SegmentFileReader(bytes: original, name: path).readAll()
            let r = try JSONTestSupport.reader(original, chunk: chunk)
            let segments = try r.readAll()
            let sameSegments = segments == reference
            #expect(sameSegments, "\(path) with \(chunk)-byte reads")
            let written = try SegmentFiles.bytes(segments, as: r.format, chunk: 64 + chunk)
            let sameBytes = written == original
            #expect(sameBytes, "\(path) written in \(64 + chunk)-byte chunks")
        }
    }

    /// The fields Python wrote are the fields we read (not just bytes that round-trip).
    @Test func decodedFieldsMatchPython() throws {
        guard let dir = Self.generate(seed: 5, count: 60) else { return }
        defer { JSONTestSupport.remove(dir) }
        let segments = try SegmentFileReader(path: dir + "/log.ndjson").readAll()
        // Python prints, for each segment: id, text, tags as hex UTF-8; the datetime strings.
        let script = #"""
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    s = json.loads(line)
    print(s["segment_id"].encode().hex(), s["text"].encode().hex(), ",".join(t.encode().hex() for t in s["tags"]),
          s["created_at"], s["tokens_computed_at"], s["line_range"], s["tokens"], s["gc_survival_count"])
"""#
        guard let out = JSONTestSupport.python(script, [dir + "/log.ndjson"]) else { return }
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == segments.count)
        for (s, line) in zip(segments, lines) {
            let lr = s.lineRange.map { "[\($0.start), \($0.end)]" } ?? "None"
            let mine = [Array(s.segmentID.utf8).jsonTestHex, Array(s.text.utf8).jsonTestHex,
                        s.tags.map { Array($0.utf8).jsonTestHex }.joined(separator: ","),
                        s.createdAt.iso8601, s.tokensComputedAt?.iso8601 ?? "None", lr,
                        s.tokens.map(String.init) ?? "None", String(s.gcSurvivalCount)].joined(separator: " ")
            #expect(mine == String(line))
        }
    }

    /// Generic documents: Python writes random JSON in several styles; our tree parser must
    /// decode the same strings, numbers and structure.
    @Test func genericDocumentsDecodeAsPythonDoes() throws {
        let script = #"""
import json, random, sys, os
rng = random.Random(int(sys.argv[2]))
CH = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "中", "😀", "\u2028", "\ufeff", "\U0010ffff"]
def s(): return "".join(rng.choice(CH) for _ in range(rng.randint(0, 8)))
def v(d):
    r = rng.random()
    if d > 5 or r < 0.3: return rng.choice([s(), rng.randint(-2**63, 2**63 - 1), None, True, False, 0, -1])
    if r < 0.65: return [v(d + 1) for _ in range(rng.randint(0, 4))]
    return {s(): v(d + 1) for _ in range(rng.randint(0, 4))}
def flat(x, out):
    if isinstance(x, bool): out.append("t" if x else "f")
    elif x is None: out.append("z")
    elif isinstance(x, int): out.append("n" + str(x))
    elif isinstance(x, str): out.append("s" + x.encode().hex())
    elif isinstance(x, list):
        out.append("a%d" % len(x))
        for e in x: flat(e, out)
    else:
        out.append("o%d" % len(x))
        for k, e in x.items():
            out.append("k" + k.encode().hex()); flat(e, out)
styles = [dict(indent=2), dict(), dict(ensure_ascii=False), dict(separators=(",", ":"), ensure_ascii=False), dict(indent="\t")]
for i in range(int(sys.argv[3])):
    doc = v(0)
    with open(os.path.join(sys.argv[1], "doc%03d.json" % i), "w", encoding="utf-8") as f:
        json.dump(doc, f, **styles[i % len(styles)])
    out = []; flat(doc, out); print(" ".join(out))
"""#
        let dir = JSONTestSupport.temporaryDirectory("docs")
        defer { JSONTestSupport.remove(dir) }
        guard let out = JSONTestSupport.python(script, [dir, "42", "200"]) else { return }
        let expected = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(expected.count == 200)
        func flat(_ v: JSONValue, _ out: inout [String]) {
            switch v {
            case .null: out.append("z")
            case .bool(let b): out.append(b ? "t" : "f")
            case .number(let n): out.append("n" + n)
            case .string(let s): out.append("s" + Array(s.utf8).jsonTestHex)
            case .array(let a):
                out.append("a\(a.count)")
                for e in a { flat(e, &out) }
            case .object(let m):
                out.append("o\(m.count)")
                for e in m {
                    out.append("k" + Array(e.key.utf8).jsonTestHex)
                    flat(e.value, &out)
                }
            }
        }
        for (i, line) in expected.enumerated() {
            let path = dir + "/doc" + String(repeating: "0", count: 3 - String(i).count) + String(i) + ".json"
            let v = try JSONValue.parse(SegmentFiles.read(path), name: path)
            var mine: [String] = []
            flat(v, &mine)
            #expect(mine.joined(separator: " ") == line, "\(path)")
        }
    }
}
