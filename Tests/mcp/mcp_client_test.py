#!/usr/bin/env python3
"""Drives the real `ctxstore mcp` server binary over stdio with the official MCP Python SDK
(`pip install mcp`; `bash Tools/setup.sh --test` installs it) and checks every tool.

    python3 Tests/mcp/mcp_client_test.py PATH/TO/ctxstore [--keep DIR]

Run by the Swift test `MCPServerTests` (Tests/ctxstoreTests), so `swift test` and the
README's test command run it. Exit status 0 when every check passed; 1 with the failed
checks listed on stderr; 3 when the `mcp` package is missing.

What it covers: tools/list (names, schemas, descriptions); context_put (ids generated, exact
token counts against tiktoken, run through Tests/Oracles/tiktoken_oracle.py); the working
set and its order; context_analyze_usage; context_stash; context_search_stashed in one
project and across projects (any mode, snippets, highlights, filters, collapse, budget);
context_retrieve_stashed by ids (with move_to_active) and by query; pin and unpin;
context_delete (refused without confirm); context_list_projects totals; bad arguments
(wrong types, unknown enum values, missing fields, unknown keys, unknown tools) answered as
tool errors naming the field, with the server still answering after each; the result token
cap (a server started with --max-result-tokens, checked with tiktoken); and two server
processes on one store seeing each other's writes, the second taking the store over when
the first exits.
"""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
except ImportError:
    print("the Python MCP SDK is missing: pip install mcp (bash Tools/setup.sh --test)", file=sys.stderr)
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, "..", "Oracles", "tiktoken_oracle.py")
FAILURES = []
CHECKS = [0]


def check(condition, what):
    CHECKS[0] += 1
    if not condition:
        FAILURES.append(what)
        print("FAIL:", what, file=sys.stderr)


class Tiktoken:
    """Token counts from Python tiktoken (the oracle process, offline)."""

    def __init__(self):
        self.p = subprocess.Popen([sys.executable, ORACLE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def count(self, text):
        self.p.stdin.write(json.dumps({"encoding": "cl100k_base", "text": text, "count": True}) + "\n")
        self.p.stdin.flush()
        answer = json.loads(self.p.stdout.readline())
        if "count" not in answer:
            raise RuntimeError(f"tiktoken oracle: {answer}")
        return answer["count"]

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def attr(obj, *names):
    """A field of an SDK object under its v2 (snake_case) or v1 (camelCase) name."""
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    raise AttributeError(names)


class Server:
    """One `ctxstore mcp` process and a client session on it."""

    def __init__(self, binary, store, env, *extra):
        self.params = StdioServerParameters(command=binary, args=["mcp", "--store", store, *extra], env=env)

    async def __aenter__(self):
        self._stdio = stdio_client(self.params)
        read, write = await self._stdio.__aenter__()
        self._session = ClientSession(read, write)
        self.session = await self._session.__aenter__()
        t0 = time.monotonic()
        await self.session.initialize()
        self.tools = (await self.session.list_tools()).tools
        self.startup_ms = (time.monotonic() - t0) * 1000
        return self

    async def __aexit__(self, *exc):
        await self._session.__aexit__(*exc)
        await self._stdio.__aexit__(*exc)

    async def call(self, name, arguments):
        """(is_error, the JSON result); checks that the text and the structured content agree."""
        r = await self.session.call_tool(name, arguments)
        is_error = bool(attr(r, "is_error", "isError"))
        content = attr(r, "content")
        text = content[0].text
        value = json.loads(text)
        structured = attr(r, "structured_content", "structuredContent")
        check(structured == value, f"{name}: structured content equals the text content")
        return is_error, value, text

    async def ok(self, name, arguments):
        is_error, value, _ = await self.call(name, arguments)
        check(not is_error, f"{name}({json.dumps(arguments)[:200]}) succeeds: {json.dumps(value)[:300]}")
        return value

    async def fails(self, name, arguments, field):
        is_error, value, _ = await self.call(name, arguments)
        check(is_error, f"{name}({json.dumps(arguments)[:200]}) is a tool error")
        err = value.get("error", {})
        check(err.get("code") in ("invalid_argument", "unknown_tool"), f"{name}: error has a code: {value}")
        if field is not None:
            check(err.get("field") == field, f"{name}({json.dumps(arguments)[:120]}): error names field {field!r}: {value}")
        check(len(err.get("message", "")) > 10, f"{name}: error has a message: {value}")
        # The server still answers after the error.
        check(len((await self.session.list_tools()).tools) == 10, f"server answers after a bad {name} call")
        return err


EXPECTED_TOOLS = {
    "context_put": ["project_id", "segments"],
    "context_stash": ["project_id", "segment_ids"],
    "context_search_stashed": [],
    "context_retrieve_stashed": ["project_id"],
    "context_get_working_set": ["project_id"],
    "context_list_projects": [],
    "context_analyze_usage": ["project_id"],
    "context_gc_pin": ["project_id", "segment_ids"],
    "context_gc_unpin": ["project_id", "segment_ids"],
    "context_delete": ["project_id", "segment_ids", "confirm"],
}

MMAP_TEXT = "static void *mmap_region(size_t len) {\n    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);\n    return p;\n}\n"
PARSE_TEXT = "func parseHTTPHeader(_ line: String) -> Header {\n    // split at the first colon\n    return Header(line)\n}\n"
NOTE_TEXT = "Decided: the index keeps block maxima so top-k skips blocks. Ünïcödé and emoji 🚀 stay exact."


async def tools_and_put(a, tk):
    names = {t.name: t for t in a.tools}
    check(set(names) == set(EXPECTED_TOOLS), f"tools/list names: {sorted(names)}")
    for name, required in EXPECTED_TOOLS.items():
        t = names.get(name)
        if t is None:
            continue
        schema = attr(t, "input_schema", "inputSchema")
        check(schema.get("type") == "object", f"{name}: schema is an object")
        check(sorted(schema.get("required", [])) == sorted(required), f"{name}: required {schema.get('required')} == {required}")
        check(len(t.description or "") > 60, f"{name}: has a description an LLM can act on")
    search_props = attr(names["context_search_stashed"], "input_schema", "inputSchema")["properties"]
    for p in ("project_id", "query", "filters", "limit", "mode", "budget_tokens", "snippets", "collapse"):
        check(p in search_props, f"context_search_stashed takes {p}")
    check("any" in names["context_search_stashed"].description, "search description says any mode is the default")

    put = await a.ok("context_put", {"project_id": "alpha", "segments": [
        {"segment_id": "mmap", "text": MMAP_TEXT, "type": "code", "file_path": "src/mmap.c", "line_range": [10, 13],
         "task_id": "t1", "last_touched_at": "2026-11-30T10:00:00Z"},
        {"segment_id": "parse", "text": PARSE_TEXT, "type": "code", "file_path": "Sources/HTTP.swift",
         "task_id": "t1", "last_touched_at": "2026-11-30T12:00:00Z"},
        {"text": NOTE_TEXT, "type": "decision", "tags": ["index", "perf"], "last_touched_at": "2026-11-30T11:00:00Z"},
    ]})
    stored = put["stored"]
    check([s["segment_id"] for s in stored][:2] == ["mmap", "parse"], f"put keeps given ids: {stored}")
    generated = stored[2]["segment_id"]
    check(generated.startswith("seg-") and len(generated) > 10, f"put generates an id: {generated}")
    for s, text in zip(stored, [MMAP_TEXT, PARSE_TEXT, NOTE_TEXT]):
        check(s["tokens"] == tk.count(text), f"put: exact token count for {s['segment_id']}: {s['tokens']} vs tiktoken {tk.count(text)}")
    check(put["total_tokens"] == sum(s["tokens"] for s in stored), "put: total_tokens is the sum")
    await a.ok("context_put", {"project_id": "beta", "segments": [
        {"segment_id": "b1", "text": "beta notes about mmap and page faults", "type": "note", "tier": "stashed"},
        {"segment_id": "b2", "text": "unrelated beta text", "type": "note", "tier": "stashed"},
    ]})
    return generated


async def working_set_usage_stash(a, generated):
    ws = await a.ok("context_get_working_set", {"project_id": "alpha"})
    check([s["segment_id"] for s in ws["segments"]] == ["parse", generated, "mmap"],
          f"working set, most recently touched first: {[s['segment_id'] for s in ws['segments']]}")
    check(ws["segment_count"] == 3 and ws["total_tokens"] == sum(s["tokens"] for s in ws["segments"]), "working set totals")
    check(ws["segments"][2]["text"] == MMAP_TEXT, "working set returns whole texts")
    ws_t1 = await a.ok("context_get_working_set", {"project_id": "alpha", "task_id": "t1"})
    check(sorted(s["segment_id"] for s in ws_t1["segments"]) == ["mmap", "parse"], "working set of one task")

    usage = await a.ok("context_analyze_usage", {"project_id": "alpha", "token_limit": 40})
    check(usage["working"]["tokens"] == ws["total_tokens"] and usage["over_limit"] is True, f"usage over a small limit: {usage}")
    largest = [s["tokens"] for s in usage["largest_working_segments"]]
    check(largest == sorted(largest, reverse=True) and len(largest) == 3, f"largest segments, largest first: {largest}")
    check(any("context_stash" in r for r in usage["recommendations"]), "usage recommends stashing when over the limit")
    usage = await a.ok("context_analyze_usage", {"project_id": "alpha"})
    check(usage["token_limit"] == 32000 and usage["over_limit"] is False, "usage: default limit 32000")

    st = await a.ok("context_stash", {"project_id": "alpha", "segment_ids": ["mmap", "parse", "nope"]})
    check(st["stashed_segments"] == ["mmap", "parse"], f"stash moves working segments: {st}")
    check(st["tokens_stashed"] == sum(s["tokens"] for s in ws["segments"] if s["segment_id"] in ("mmap", "parse")), "stash: tokens")
    check([e["segment_id"] for e in st["errors"]] == ["nope"], f"stash reports unknown ids: {st['errors']}")
    st = await a.ok("context_stash", {"project_id": "alpha", "segment_ids": ["mmap"]})
    check(st["stashed_segments"] == [] and st["errors"][0]["segment_id"] == "mmap", "stash of a stashed segment is reported")


async def search(a):
    r = await a.ok("context_search_stashed", {"project_id": "alpha", "query": "mmap region"})
    check(r["mode"] == "any" and r["filters_applied"]["tier"] == "stashed", f"search defaults: any mode, stashed tier: {r}")
    ids = [h["segment_id"] for h in r["hits"]]
    check(ids[:1] == ["mmap"], f"search finds the identifier's parts: {ids}")
    hit = r["hits"][0]
    check(hit["file_path"] == "src/mmap.c" and hit["project_id"] == "alpha" and hit["score"] > 0, f"hit fields: {hit}")
    check(len(hit["snippets"]) >= 1 and "text" not in hit, "hits carry snippets, not whole texts")
    sn = hit["snippets"][0]
    line = sn["text"].encode("utf-8")
    check(all(line[s:e].decode("utf-8").lower() in ("mmap", "mmap_region", "region") for s, e in sn["highlights"]),
          f"highlights are UTF-8 byte ranges of the matches: {sn}")
    check(sn["source_line"] == 9 + sn["line"], f"snippet source line follows line_range: {sn}")

    r = await a.ok("context_search_stashed", {"project_id": "alpha", "query": "parse header", "include_text": True, "snippets": 0})
    check(r["hits"] and r["hits"][0]["segment_id"] == "parse" and r["hits"][0]["text"] == PARSE_TEXT, "include_text returns the text")

    r = await a.ok("context_search_stashed", {"project_id": "alpha", "query": "mmap region", "mode": "all"})
    check(r["total_matches"] == 0 and "explanation" in r, f"all mode needs every word; empty results are explained: {r}")

    r = await a.ok("context_search_stashed", {"query": "mmap"})
    projects = sorted({h["project_id"] for h in r["hits"]})
    check(projects == ["alpha", "beta"] and r["project_id"] is None, f"search without project_id covers every project: {projects}")
    r = await a.ok("context_search_stashed", {"query": "mmap", "filters": {"type": "note"}})
    check([h["segment_id"] for h in r["hits"]] == ["b1"], "filters.type across projects")
    r = await a.ok("context_search_stashed", {"project_id": "alpha", "query": "", "filters": {"tier": "all", "task_id": "t1"}})
    check(sorted(h["segment_id"] for h in r["hits"]) == ["mmap", "parse"] and r["total_matches"] == 2, "empty query with filters")
    r = await a.ok("context_search_stashed", {"project_id": "alpha", "query": "", "filters": {"tier": "all", "created_after": "2000-01-01T00:00:00Z"}})
    check(r["total_matches"] == 3, "created_after filter")
    r = await a.ok("context_search_stashed", {"query": "mmap parse", "collapse": {"field": "task_id", "per_group": 1}, "filters": {"tier": "all"}})
    tasks = [h.get("task_id") for h in r["hits"]]
    check(tasks.count("t1") == 1, f"collapse keeps one hit per task: {tasks}")
    r = await a.ok("context_search_stashed", {"query": "mmap", "budget_tokens": 20, "snippets": 1, "filters": {"tier": "all"}})
    check("budget" in r and r["budget"]["used_tokens"] <= 20, f"budget_tokens packs hits: {r.get('budget')}")


async def retrieve_pin_delete(a, generated):
    r = await a.ok("context_retrieve_stashed", {"project_id": "alpha", "segment_ids": ["mmap", "missing"], "move_to_active": True})
    seg = r["retrieved_segments"][0]
    check(seg["segment_id"] == "mmap" and seg["text"] == MMAP_TEXT and seg["line_range"] == [10, 13], f"retrieve returns the segment: {seg}")
    check(r["moved_to_active"] == ["mmap"] and r["not_found"] == ["missing"] and r["segments_found"] == 1, f"retrieve report: {r}")
    check(seg["tier"] == "working", "a moved segment is returned as working")
    ws = await a.ok("context_get_working_set", {"project_id": "alpha"})
    check("mmap" in [s["segment_id"] for s in ws["segments"]], "move_to_active puts it back in the working set")
    r = await a.ok("context_retrieve_stashed", {"project_id": "alpha", "query": "colon"})
    check([s["segment_id"] for s in r["retrieved_segments"]] == ["parse"] and r["moved_to_active"] == [], "retrieve by query (stashed)")

    r = await a.ok("context_gc_pin", {"project_id": "alpha", "segment_ids": ["mmap", "ghost"]})
    check(r["pinned"] == ["mmap"] and r["not_found"] == ["ghost"], f"pin: {r}")
    seg = (await a.ok("context_retrieve_stashed", {"project_id": "alpha", "segment_ids": ["mmap"]}))["retrieved_segments"][0]
    check(seg["pinned"] is True and seg["text"] == MMAP_TEXT, "pinned is stored, text kept")
    r = await a.ok("context_gc_unpin", {"project_id": "alpha", "segment_ids": ["mmap"]})
    seg = (await a.ok("context_retrieve_stashed", {"project_id": "alpha", "segment_ids": ["mmap"]}))["retrieved_segments"][0]
    check(r["unpinned"] == ["mmap"] and seg["pinned"] is False, "unpin")

    err = await a.fails("context_delete", {"project_id": "alpha", "segment_ids": [generated]}, "confirm")
    check("context_stash" in err["message"], "delete without confirm says what to do instead")
    await a.fails("context_delete", {"project_id": "alpha", "segment_ids": [generated], "confirm": "yes"}, "confirm")
    still = await a.ok("context_retrieve_stashed", {"project_id": "alpha", "segment_ids": [generated]})
    check(still["segments_found"] == 1, "a refused delete deletes nothing")
    r = await a.ok("context_delete", {"project_id": "alpha", "segment_ids": [generated, "ghost"], "confirm": True})
    check(r["deleted"] == [generated] and r["not_found"] == ["ghost"], f"delete: {r}")
    gone = await a.ok("context_retrieve_stashed", {"project_id": "alpha", "segment_ids": [generated]})
    check(gone["not_found"] == [generated], "a deleted segment is gone")

    lp = await a.ok("context_list_projects", {})
    by = {p["project_id"]: p for p in lp["projects"]}
    check(sorted(by) == ["alpha", "beta"] and lp["project_count"] == 2, f"list projects: {sorted(by)}")
    check(by["alpha"]["segments"] == 2 and by["alpha"]["tiers"]["working"]["segments"] == 1
          and by["alpha"]["tiers"]["stashed"]["segments"] == 1, f"alpha totals per tier: {by.get('alpha')}")
    check(by["beta"]["tiers"]["stashed"]["segments"] == 2 and by["beta"]["tokens"] > 0, f"beta totals: {by.get('beta')}")


async def bad_arguments(a):
    await a.fails("context_search_stashed", {"query": "x", "limit": "ten"}, "limit")
    await a.fails("context_search_stashed", {"query": "x", "limit": 0}, "limit")
    await a.fails("context_search_stashed", {"query": "x", "limit": 2.5}, "limit")
    await a.fails("context_search_stashed", {"query": 5}, "query")
    await a.fails("context_search_stashed", {"query": "x", "mode": "some"}, "mode")
    await a.fails("context_search_stashed", {"query": "x", "filters": {"type": "poem"}}, "filters.type")
    await a.fails("context_search_stashed", {"query": "x", "filters": {"tier": "hot"}}, "filters.tier")
    await a.fails("context_search_stashed", {"query": "x", "filters": {"colour": "red"}}, "filters.colour")
    await a.fails("context_search_stashed", {"query": "x", "filters": "src/a.c"}, "filters")
    await a.fails("context_search_stashed", {"query": "x", "filters": {"created_after": "yesterday"}}, "filters.created_after")
    await a.fails("context_search_stashed", {"query": "x", "collapse": "folder"}, "collapse")
    await a.fails("context_search_stashed", {"query": "x", "snippets": True}, "snippets")
    await a.fails("context_stash", {"segment_ids": ["a"]}, "project_id")
    await a.fails("context_stash", {"project_id": "alpha"}, "segment_ids")
    await a.fails("context_stash", {"project_id": "alpha", "segment_ids": "mmap"}, "segment_ids")
    await a.fails("context_stash", {"project_id": "alpha", "segment_ids": [1, 2]}, "segment_ids[0]")
    await a.fails("context_stash", {"project_id": 7, "segment_ids": ["a"]}, "project_id")
    await a.fails("context_stash", {"project_id": "alpha", "segment_id": ["a"]}, "segment_id")
    await a.fails("context_put", {"project_id": "alpha"}, "segments")
    await a.fails("context_put", {"project_id": "alpha", "segments": [{"type": "note"}]}, "segments[0].text")
    await a.fails("context_put", {"project_id": "alpha", "segments": [{"text": "x"}]}, "segments[0].type")
    await a.fails("context_put", {"project_id": "alpha", "segments": [{"text": "x", "type": "poem"}]}, "segments[0]")
    await a.fails("context_put", {"project_id": "alpha", "segments": [{"text": "x", "type": "note", "colour": 1}]}, "segments[0].colour")
    await a.fails("context_put", {"project_id": "alpha", "segments": [{"text": "x", "type": "note", "tags": "a"}]}, "segments[0]")
    await a.fails("context_put", {"project_id": "alpha", "segments": ["just text"]}, "segments[0]")
    await a.fails("context_put", {"project_id": "alpha", "segments": [{"text": "x", "type": "note", "project_id": "beta"}]},
                  "segments[0].project_id")
    await a.fails("context_retrieve_stashed", {"project_id": "alpha", "move_to_active": "yes", "segment_ids": ["a"]}, "move_to_active")
    await a.fails("context_retrieve_stashed", {"project_id": "alpha"}, "segment_ids")
    await a.fails("context_analyze_usage", {"project_id": "alpha", "token_limit": -5}, "token_limit")
    await a.fails("context_get_working_set", {}, "project_id")
    await a.fails("context_list_projects", {"project_id": "alpha"}, "project_id")
    await a.fails("context_forget", {"project_id": "alpha"}, None)
    # Nothing was written by any refused call: alpha has what retrieve_pin_delete left.
    lp = await a.ok("context_list_projects", {})
    check({p["project_id"]: p["segments"] for p in lp["projects"]} == {"alpha": 2, "beta": 2}, "refused calls wrote nothing")


async def result_cap(binary, store, env, tk):
    limit = 1000
    async with Server(binary, store, env, "--max-result-tokens", str(limit)) as c:
        texts = [f"segment {i}: " + " ".join(f"word{i}x{j}" for j in range(60)) for i in range(30)]
        await c.ok("context_put", {"project_id": "gamma", "segments": [
            {"segment_id": f"g{i:02d}", "text": t, "type": "note", "last_touched_at": f"2026-11-30T10:{i:02d}:00Z"}
            for i, t in enumerate(texts)]})
        is_error, ws, text = await c.call("context_get_working_set", {"project_id": "gamma"})
        check(not is_error, "capped working set is not an error")
        check(tk.count(text) <= limit, f"capped result is within {limit} tokens (tiktoken: {tk.count(text)})")
        kept = [s["segment_id"] for s in ws["segments"]]
        om = ws.get("omitted", {})
        check(0 < len(kept) < 30 and om.get("count") == 30 - len(kept), f"cap keeps a prefix and counts the rest: {len(kept)}, {om}")
        expected = [f"g{i:02d}" for i in reversed(range(30))]
        check(kept + om.get("ids", []) == expected, "the kept segments come first, the omitted ids name the rest")
        check(ws["segment_count"] == 30, "the count still says how many there are")
        big = "start " + " ".join(f"token{i}" for i in range(3000)) + " end"
        await c.ok("context_put", {"project_id": "gamma", "segments": [{"segment_id": "huge", "text": big, "type": "log"}]})
        is_error, r, text = await c.call("context_retrieve_stashed", {"project_id": "gamma", "segment_ids": ["huge"]})
        seg = r["retrieved_segments"][0] if r.get("retrieved_segments") else {}
        check(not is_error and seg.get("text_truncated") is True and big.startswith(seg.get("text", "x")) and len(seg["text"]) > 100,
              "a segment larger than the cap is returned cut, and says so")
        check(tk.count(text) <= limit, f"the cut segment is within {limit} tokens (tiktoken: {tk.count(text)})")
        r = await c.ok("context_search_stashed", {"project_id": "gamma", "query": "word3x1", "filters": {"tier": "all"}})
        check([h["segment_id"] for h in r["hits"]] == ["g03"], "a search under the cap is whole")


async def two_servers(binary, store, env):
    async with Server(binary, store, env) as a, Server(binary, store, env) as b:
        await b.ok("context_put", {"project_id": "shared", "segments": [{"segment_id": "from-b", "text": "written by server b about tokio", "type": "note", "tier": "stashed"}]})
        r = await a.ok("context_search_stashed", {"query": "tokio"})
        check([h["segment_id"] for h in r["hits"]] == ["from-b"], f"server a sees server b's write: {r['hits']}")
        await a.ok("context_put", {"project_id": "shared", "segments": [{"segment_id": "from-a", "text": "written by server a about rayon", "type": "note", "tier": "stashed"}]})
        r = await b.ok("context_search_stashed", {"project_id": "shared", "query": "rayon"})
        check([h["segment_id"] for h in r["hits"]] == ["from-a"], f"server b sees server a's write: {r['hits']}")
        st = await b.ok("context_stash", {"project_id": "shared", "segment_ids": ["from-a"]})
        check(st["errors"][0]["segment_id"] == "from-a", "b's stash sees a's segment (already stashed)")
        r = await a.ok("context_retrieve_stashed", {"project_id": "shared", "segment_ids": ["from-b"], "move_to_active": True})
        ws = await b.ok("context_get_working_set", {"project_id": "shared"})
        check([s["segment_id"] for s in ws["segments"]] == ["from-b"], "b sees a's move to active")
    # Both closed; a new pair: the first to start holds the store, then exits; the other takes
    # over. The first runs in a task of its own (anyio's scopes must close where they opened).
    ready, leave = asyncio.get_running_loop().create_future(), asyncio.Event()

    async def first():
        async with Server(binary, store, env) as s:
            # A tool call waits for the open: this server holds the store before b starts.
            await s.ok("context_list_projects", {})
            ready.set_result(s)
            await leave.wait()

    def lock_pid():
        with open(os.path.join(store, "LOCK")) as f:
            return int(f.read().split()[0])

    holder = asyncio.create_task(first())
    await ready
    first_pid = lock_pid()
    async with Server(binary, store, env) as b:
        await b.ok("context_list_projects", {})
        leave.set()
        await holder
        r = await b.ok("context_put", {"project_id": "shared", "segments": [{"segment_id": "after", "text": "after the holder left", "type": "note"}]})
        check(r["stored"][0]["segment_id"] == "after", "a write through the second server after the first exits")
        taker = lock_pid()
        os.kill(taker, 0)  # raises if no such process
        check(taker != first_pid, f"the second server took the store over (LOCK names {taker}, was {first_pid})")
        r = await b.ok("context_retrieve_stashed", {"project_id": "shared", "segment_ids": ["after", "from-a"]})
        check(r["segments_found"] == 2, "everything written through both servers is there")


async def unusable_store(binary, root, env):
    """A store path that cannot be a store: the server starts, and each tool call says why."""
    path = os.path.join(root, "a-file")
    with open(path, "w") as f:
        f.write("not a store")
    async with Server(binary, path, env) as s:
        check(len(s.tools) == 10, "a server on an unusable store still lists its tools")
        is_error, value, _ = await s.call("context_list_projects", {})
        check(is_error and value["error"]["code"] == "store_error" and path in value["error"]["message"],
              f"a tool call on an unusable store is a tool error naming it: {value}")


async def main():
    binary = sys.argv[1]
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    root = keep or tempfile.mkdtemp(prefix="ctxstore-mcp-")
    store = os.path.join(root, "store")
    env = dict(os.environ)
    env["HOME"] = root
    env.pop("CONTEXTSTORE_PATH", None)
    tk = Tiktoken()
    try:
        async with Server(binary, store, env) as a:
            print(f"initialize + tools/list: {a.startup_ms:.1f} ms", file=sys.stderr)
            print("phase: tools_and_put", file=sys.stderr)
            generated = await tools_and_put(a, tk)
            print("phase: working_set_usage_stash", file=sys.stderr)
            await working_set_usage_stash(a, generated)
            print("phase: search", file=sys.stderr)
            await search(a)
            print("phase: retrieve_pin_delete", file=sys.stderr)
            await retrieve_pin_delete(a, generated)
            print("phase: bad_arguments", file=sys.stderr)
            await bad_arguments(a)
        print("phase: result_cap", file=sys.stderr)
        await result_cap(binary, store, env, tk)
        print("phase: two_servers", file=sys.stderr)
        await two_servers(binary, store, env)
        print("phase: unusable_store", file=sys.stderr)
        await unusable_store(binary, root, env)
        verify = subprocess.run([binary, "verify", "--store", store], capture_output=True, text=True, env=env)
        check(verify.returncode == 0, f"the store verifies after the session: {verify.stdout} {verify.stderr}")
    finally:
        tk.close()
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{CHECKS[0]} checks, {len(FAILURES)} failed", file=sys.stderr)


async def bounded():
    # A hung server fails the test instead of hanging it.
    try:
        await asyncio.wait_for(main(), timeout=float(os.environ.get("CTXSTORE_MCP_TEST_TIMEOUT", "300")))
    except asyncio.TimeoutError:
        print(f"FAIL: timed out; {CHECKS[0]} checks ran, {len(FAILURES)} failed before", file=sys.stderr)
        return 1
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(bounded()))
