#!/usr/bin/env python3
"""How fast `ctxstore mcp` answers an assistant that starts it: initialize + tools/list, then
a first tool call (which waits for the store's open), then a clean exit.

    python3 Benchmarks/mcp/startup.py --ctxstore .build/release/ctxstore --store DIR \\
        [--corpus FILE.ndjson] [--runs 20] [--cold]

`ctxstore mcp` starts the program `ctxstore-mcp` beside it (`swift build -c release
--product ctxstore-mcp`), so each run starts two programs, one in the other's place.

The store is imported from --corpus first when DIR holds none. Each run starts a new server
process and speaks the protocol itself (JSON-RPC lines on the server's stdin and stdout), so
the times are the server's, not a client library's:

    ready_ms   process start to the tools/list answer (initialize, initialized, tools/list)
    first_ms   process start to the answer of a first context_search_stashed (the open included)
    exit_ms    stdin closed to the process's exit (the store closed cleanly)

--cold drops the whole page cache before each run (`echo 3 > /proc/sys/vm/drop_caches`, as
root: the binary and its 90 MB of shared libraries too, so this measures a cold process
start as much as the store); --cold-store drops only the store's files (posix_fadvise
DONTNEED on each), the case of a large store not read for a while. The JSON line at the end
has the medians and 90th percentiles.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def drop_caches():
    subprocess.run(["sync"], check=True)
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def evict_store(store):
    """Drops the store's own pages from the page cache (the binary and libraries stay cached)."""
    for root, _, files in os.walk(store):
        for name in files:
            path = os.path.join(root, name)
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue  # the socket, or a file gone meanwhile
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def run_once(binary, store):
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "mcp", "--store", store], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, bufsize=0)

    def send(obj):
        p.stdin.write((json.dumps(obj) + "\n").encode())

    def answer(want_id):
        while True:
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("the server closed its output")
            msg = json.loads(line)
            if msg.get("id") == want_id:
                return msg

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "startup-bench", "version": "1"}}})
    answer(1)
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    tools = answer(2)["result"]["tools"]
    ready = time.monotonic()
    send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "context_search_stashed", "arguments": {"query": "mmap region", "filters": {"tier": "all"}}}})
    first = answer(3)["result"]
    t_first = time.monotonic()
    t_close = time.monotonic()
    p.stdin.close()
    p.wait()
    t_exit = time.monotonic()
    if first.get("isError"):
        raise RuntimeError(f"the first tool call failed: {first}")
    return {"ready_ms": (ready - t0) * 1000, "first_ms": (t_first - t0) * 1000, "exit_ms": (t_exit - t_close) * 1000,
            "tools": len(tools), "total_matches": first["structuredContent"]["total_matches"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctxstore", required=True)
    ap.add_argument("--store", required=True)
    ap.add_argument("--corpus")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--cold-store", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.store, "MANIFEST")):
        if not a.corpus:
            sys.exit("no store at --store; give --corpus to import one")
        subprocess.run([a.ctxstore, "import", "--store", a.store, a.corpus], check=True)
    stats = json.loads(subprocess.run([a.ctxstore, "stats", "--store", a.store, "--json"], check=True,
                                      capture_output=True, text=True).stdout)
    runs = []
    for i in range(a.runs):
        cold = drop_caches() if a.cold else evict_store(a.store) if a.cold_store else False
        r = run_once(a.ctxstore, a.store)
        r["cold"] = cold
        runs.append(r)
        print(json.dumps(r), file=sys.stderr)

    def summary(key):
        xs = sorted(r[key] for r in runs)
        return {"median": round(statistics.median(xs), 1), "p90": round(xs[min(len(xs) - 1, int(len(xs) * 0.9))], 1),
                "min": round(xs[0], 1), "max": round(xs[-1], 1)}

    segments = sum(p["segments"] for p in stats["projects"])
    print(json.dumps({"store_segments": segments, "projects": len(stats["projects"]), "runs": len(runs), "cold": "all" if a.cold and all(r["cold"] for r in runs) else "store" if a.cold_store else "none",
                      "ready_ms": summary("ready_ms"), "first_ms": summary("first_ms"), "exit_ms": summary("exit_ms")}))


if __name__ == "__main__":
    main()
