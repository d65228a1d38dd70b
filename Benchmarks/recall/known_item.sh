#!/usr/bin/env bash
# Known-item retrieval: can an assistant find the segment it stashed from a question worded
# the way a person words it? Runs one question set through `ctxstore search --batch` in
# `any` mode (and `all` mode, the old semantics, for contrast) and through SQLite FTS5 and
# Tantivy on the same segments, in the same run, and prints success@10, MRR@10 and latency
# p50/p99 for each (one JSON line per system, then a summary).
#
#   bash Benchmarks/recall/known_item.sh CORPUS.ndjson [SEGMENTS|all] [WORK_DIR]
#
# CORPUS.ndjson: segments one a line with project_id, segment_id and text (the corpus
#   builder's output; any NDJSON of segments works).
# SEGMENTS: the first N segments (default 100000), or "all".
# WORK_DIR: scratch (default ${TMPDIR:-/tmp}/ctxstore-recall-N); the store is rebuilt.
# KNOWN_ITEM: the question generator and scorer (default ../shared/recall/known_item.py
#   beside the repository): `make`, `batch`, `score`, `anchors` (pip install tantivy for
#   the Tantivy anchor). SEED: the question set's seed (default: the script's own).
# QUESTIONS: how many (default 500). ROUNDS: timed ctxstore rounds after one warm-up
#   round (default 3); the figures are their medians. The anchors build their indexes and
#   time their queries once, warm (just built).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
corpus="${1:?usage: known_item.sh CORPUS.ndjson [SEGMENTS|all] [WORK_DIR]}"
n="${2:-100000}"
work="${3:-${TMPDIR:-/tmp}/ctxstore-recall-$n}"
ki="${KNOWN_ITEM:-$repo/../shared/recall/known_item.py}"
rounds="${ROUNDS:-3}"
[ -f "$ki" ] || { echo "known_item.sh: no question generator at $ki (set KNOWN_ITEM)" >&2; exit 1; }
mkdir -p "$work"
rm -rf "$work/store"
if [ "$n" = all ]; then ln -sf "$(cd "$(dirname "$corpus")" && pwd)/$(basename "$corpus")" "$work/corpus.ndjson"
else head -n "$n" "$corpus" > "$work/corpus.ndjson"; fi
echo "== $(wc -l < "$work/corpus.ndjson") segments; building ctxstore (release)" >&2
(cd "$repo" && swift build -c release --product ctxstore >&2)
C="$repo/.build/release/ctxstore"
echo "== ingest" >&2
"$C" stress --store "$work/store" --ndjson "$work/corpus.ndjson" --queries 0 --json > "$work/ingest.json"
"$C" compact --store "$work/store" --json > "$work/compact.json"
echo "== questions" >&2
seed_args=()
[ -n "${SEED:-}" ] && seed_args=(--seed "$SEED")
python3 "$ki" make --corpus "$work/corpus.ndjson" --out "$work/ki.json" --n "${QUESTIONS:-500}" "${seed_args[@]}" >&2
python3 "$ki" batch "$work/ki.json" --mode any > "$work/any.jsonl"
python3 "$ki" batch "$work/ki.json" --mode all > "$work/all.jsonl"
echo "== ctxstore: one warm-up round, then $rounds timed rounds" >&2
"$C" search --store "$work/store" --batch "$work/any.jsonl" > /dev/null
: > "$work/ctxstore-rounds.jsonl"
for r in $(seq "$rounds"); do
  "$C" search --store "$work/store" --batch "$work/any.jsonl" > "$work/out-any-$r.jsonl"
  python3 "$ki" score "$work/ki.json" "$work/out-any-$r.jsonl" --name "ctxstore any" >> "$work/ctxstore-rounds.jsonl"
done
"$C" search --store "$work/store" --batch "$work/all.jsonl" > "$work/out-all.jsonl"
python3 "$ki" score "$work/ki.json" "$work/out-all.jsonl" --name "ctxstore all" > "$work/ctxstore-all.jsonl"
echo "== anchors (SQLite FTS5, Tantivy)" >&2
python3 "$ki" anchors "$work/ki.json" --corpus "$work/corpus.ndjson" --work "$work" > "$work/anchors.jsonl"
python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
rounds = [json.loads(l) for l in open(f"{work}/ctxstore-rounds.jsonl")]
med = dict(rounds[0])
for k in ("p50_micros", "p99_micros"):
    med[k] = round(statistics.median(r[k] for r in rounds), 1)
med["system"] = f"ctxstore any (median of {len(rounds)} rounds)"
rows = [med] + [json.loads(l) for l in open(f"{work}/ctxstore-all.jsonl")] + [json.loads(l) for l in open(f"{work}/anchors.jsonl")]
for r in rows:
    print(json.dumps(r))
tv = next((r for r in rows if r["system"].startswith("tantivy") and "success_at_10" in r), None)
if tv:
    print(json.dumps({"summary": "ctxstore any vs tantivy",
                      "success_at_10_delta": round(med["success_at_10"] - tv["success_at_10"], 3),
                      "subword_success_at_10_delta": round(med["success_at_10_subword_queries"] - tv["success_at_10_subword_queries"], 3),
                      "p50_speedup": round(tv["p50_micros"] / med["p50_micros"], 2),
                      "p99_speedup": round(tv["p99_micros"] / med["p99_micros"], 2)}))
PY
