#!/usr/bin/env bash
# The issue-3 benchmark on the real corpus, our engine beside SQLite FTS5 and Tantivy in
# the same session (the machine is shared and noisy: compare within one run).
#
#   bash Benchmarks/anchors/run.sh SHARED_DIR [WORK_DIR]
#
# SHARED_DIR holds corpus/corpus.py and anchors/ (the corpus builder and anchor scripts,
# not part of this project); WORK_DIR (default /tmp/ctxbench) receives the corpus, the
# stores and the results. Needs python3 (and `pip install tantivy` for the Tantivy anchor).
set -euo pipefail
shared=${1:?usage: run.sh SHARED_DIR [WORK_DIR]}
work=${2:-/tmp/ctxbench}
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
cd "$work"
[ -f corpus-full.ndjson ] || python3 "$shared/corpus/corpus.py" --out corpus-full.ndjson --stats corpus-stats.json
[ -f corpus-100k.ndjson ] || head -n 100000 corpus-full.ndjson > corpus-100k.ndjson
[ -f queries.json ] || python3 "$shared/anchors/queries.py" --corpus corpus-100k.ndjson --out queries.json
python3 "$here/Benchmarks/anchors/queries_to_batch.py" queries.json --limit 50 > batch.jsonl

(cd "$here" && swift build -c release --product ctxstore)
ctx="$here/.build/release/ctxstore"
rm -rf store
# Ingest (exact token counts, sync-each-batch), open, and the stress search phase.
"$ctx" stress --store store --ndjson corpus-full.ndjson --queries 1000 --top 50 | tee ours-stress.txt
# The anchors' own queries: total_matches + top 50 with text, three passes.
for r in 1 2 3; do "$ctx" search --store store --batch batch.jsonl > "ours-run$r.jsonl"; tail -n 1 "ours-run$r.jsonl"; done

export ANCHORS_RESULTS="$work/anchors-results.json"
python3 "$shared/anchors/bench_sqlite.py" --corpus corpus-full.ndjson --db fts.db --queries queries.json --label full \
  --tokenize "unicode61 remove_diacritics 0 tokenchars '_'" > sqlite.out
python3 "$shared/anchors/bench_tantivy.py" --corpus corpus-full.ndjson --index tantivy-index --queries queries.json \
  --label full --threads 2 > tantivy.out
echo "results: $work/ours-stress.txt $work/ours-run*.jsonl $work/sqlite.out $work/tantivy.out"
