import ContextStore
import ContextStoreTestSupport
import Foundation
import Testing

/// `ctxstore search` for assistants: `--mode any`, snippets, budgets, collapse, every
/// project, explanations, in text, `--json` and `--batch`.
@Suite struct SearchCommandTests {
    func makeStore(_ dir: String) async throws {
        let store = try ContextStore.open(directory: dir)
        defer { store.close() }
        func seg(_ id: String, _ project: String, _ text: String, _ path: String, _ at: Int64) -> ContextSegment {
            ContextSegment(segmentID: id, text: text, type: .code, projectID: project,
                           createdAt: Timestamp(utcMicroseconds: 1_700_000_000_000_000 + at * 1_000_000),
                           filePath: path, lineRange: LineRange(40, 42))
        }
        try await store.put([
            seg("a1", "p", "static int setup(void)\nfixed the crash in mmap_region\nreturn 0;", "src/mm.c", 1),
            seg("a2", "p", "mmap_region helper\nother line", "src/mm.c", 2),
            seg("b1", "q", "region code for the crash handler", "lib/r.c", 3),
            seg("c1", "q", "unrelated words entirely", "lib/u.c", 4),
        ])
    }

    func json(_ out: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
    }

    @Test func anyModeWithSnippetsBudgetAndCollapse() async throws {
        let tmp = TempDir("cli-any"); defer { tmp.cleanup() }
        try await makeStore(tmp.path)
        let question = "how did we fix the mmap crash in the region code"
        let (s0, out0, _) = try runCtxstore(["search", "--store", tmp.path, "--project", "p", "--query", question, "--json"])
        #expect(s0 == 0)
        #expect(try json(out0)["total_matches"] as? Int == 0)  // all mode: not every word is there
        let (status, out, err) = try runCtxstore(["search", "--store", tmp.path, "--all-projects", "--mode", "any",
                                                  "--query", question, "--snippets", "1", "--json"])
        #expect(status == 0, "\(err)")
        let r = try json(out)
        #expect(r["total_matches"] as? Int == 3)
        let hits = try #require(r["hits"] as? [[String: Any]])
        #expect(Set(hits.compactMap { $0["segment_id"] as? String }) == ["a1", "a2", "b1"])
        let scores = hits.compactMap { $0["score"] as? Double }
        #expect(scores == scores.sorted(by: >))
        #expect(Set(hits.compactMap { $0["project_id"] as? String }) == ["p", "q"])
        for h in hits {
            #expect((h["score"] as? Double ?? 0) > 0)
            let snippet = try #require((h["snippets"] as? [[String: Any]])?.first)
            let text = try #require(snippet["text"] as? String)
            #expect(snippet["source_line"] as? Int == 40 + (snippet["line"] as? Int ?? 0) - 1)
            for pair in snippet["highlights"] as? [[Int]] ?? [] {
                let word = String(decoding: Array(text.utf8)[pair[0]..<pair[1]], as: UTF8.self)
                #expect(["fixed", "crash", "mmap_region", "region", "code", "the", "in"].contains(word), "\(word)")
            }
        }
        // A budget and a collapse.
        let (s2, out2, _) = try runCtxstore(["search", "--store", tmp.path, "--all-projects", "--mode", "any", "--query", question,
                                             "--budget-tokens", "12", "--collapse", "file_path", "--json"])
        #expect(s2 == 0)
        let r2 = try json(out2)
        let budget = try #require(r2["budget"] as? [String: Any])
        #expect((budget["used_tokens"] as? Int ?? 99) <= 12)
        let paths = (r2["segments"] as? [[String: Any]] ?? []).compactMap { $0["file_path"] as? String }
        #expect(Set(paths).count == paths.count)
        // The human form names projects and lines.
        let (s3, text, _) = try runCtxstore(["search", "--store", tmp.path, "--mode", "any", "--query", question, "--snippets", "1"])
        #expect(s3 == 0)
        #expect(text.contains("all projects") && text.contains("line 41"), "\(text)")
    }

    @Test func explainAndUsageErrors() async throws {
        let tmp = TempDir("cli-explain"); defer { tmp.cleanup() }
        try await makeStore(tmp.path)
        let (status, out, _) = try runCtxstore(["search", "--store", tmp.path, "--project", "p", "--query", "mmap_region zebra", "--explain", "--json"])
        #expect(status == 0)
        let e = try #require(try json(out)["explanation"] as? [String: Any])
        #expect(e["emptied_by"] as? String == "word:zebra")
        #expect((e["words"] as? [[String: Any]])?.map { $0["document_frequency"] as? Int } == [2, 0])
        for bad in [["--mode", "some"], ["--collapse", "colour"], ["--snippets", "-1"], ["--all-projects", "--project", "p"]] {
            let (s, _, err) = try runCtxstore(["search", "--store", tmp.path, "--query", "x"] + bad)
            #expect(s == 64, "\(bad): \(err)")
        }
    }

    @Test func batchLinesTakeTheNewKeys() async throws {
        let tmp = TempDir("cli-batch-any"); defer { tmp.cleanup() }
        try await makeStore(tmp.path)
        let lines = [
            #"{"query": "crash region", "mode": "any"}"#,
            #"{"project": "p", "query": "crash", "mode": "any", "snippets": 1, "budget_tokens": 1000}"#,
            #"{"project": "p", "query": "mmap_region", "collapse": "file_path"}"#,
            #"{"project": "p", "query": "zebra", "explain": true}"#,
            #"{"project": "p", "query": "x", "mode": "some"}"#,
            #"{"project": "p", "query": "x", "collapse": {"field": "file_path", "per_group": 0}}"#,
        ]
        let file = tmp.sub("q.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
        let (status, out, err) = try runCtxstore(["search", "--store", tmp.path, "--batch", file])
        #expect(status == 0, "\(err)")
        let rows = out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        try #require(rows.count == lines.count + 1, "\(out)")
        #expect(rows[0]["total_matches"] as? Int == 3)
        #expect(Set((rows[0]["hits"] as? [[String: Any]] ?? []).compactMap { $0["project_id"] as? String }) == ["p", "q"])
        let hit = try #require((rows[1]["hits"] as? [[String: Any]])?.first)
        #expect((hit["snippets"] as? [Any])?.count == 1)
        #expect(rows[1]["budget"] is [String: Any])
        #expect(rows[2]["total_matches"] as? Int == 2 && (rows[2]["ids"] as? [String])?.count == 1)
        #expect((rows[3]["explanation"] as? [String: Any])?["emptied_by"] as? String == "word:zebra")
        #expect((rows[4]["error"] as? String ?? "").contains("some"))
        #expect((rows[5]["error"] as? String ?? "").contains("per_group"))
    }
}
