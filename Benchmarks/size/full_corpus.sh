#!/bin/bash
# Store size, ingest, open and search on one corpus, for one or more builds in turn
# (issue 16). For each build: import into a fresh store (time, peak RSS, size of the log
# and the index files), open plus a first query three times with the page cache dropped
# and again warm (a whole `ctxstore search` process), the anchors' queries three times
# (`search --batch`, top 50 with text), a full compaction (size after), and a `put` of the
# same corpus from stdin into another fresh store.
#   bash Benchmarks/size/full_corpus.sh CORPUS.ndjson BATCH.jsonl PROJECT WORD CTXSTORE...
# CORPUS: one segment a line (../shared/corpus/corpus.py builds it); BATCH: the anchors'
# queries as `search --batch` lines (Benchmarks/anchors/queries_to_batch.py); PROJECT and
# WORD: the first query (the anchors use "manpages" and "nh"). Dropping the page cache
# needs root; without it the "cold" figures are warm. Stores go under $WORK (default a
# temporary directory) and are removed at the end.
set -uo pipefail
corpus=$1; batch=$2; project=$3; word=$4; shift 4
work=${WORK:-$(mktemp -d)}
drop() { sync; (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null || true; }
sizes() { echo "size $(du -sb "$1" | cut -f1) log $(find "$1" -name '*.log' -print0 | du -cb --files0-from=- | tail -1 | cut -f1) idx $(find "$1" -name '*.idx' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)"; }
for ctx in "$@"; do
  name=$(basename "$ctx"); imp="$work/imp-$name"; put="$work/put-$name"
  rm -rf "$imp" "$put"; drop
  /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$ctx" import --store "$imp" "$corpus" > /dev/null
  echo "$name import wall/user/sys/peakKB $(cat "$work/t") $(sizes "$imp")"
  for r in 1 2 3; do
    drop; s=$(date +%s%N); "$ctx" search --store "$imp" --project "$project" --query "$word" --limit 50 > /dev/null; e=$(date +%s%N)
    s2=$(date +%s%N); "$ctx" search --store "$imp" --project "$project" --query "$word" --limit 50 > /dev/null; e2=$(date +%s%N)
    echo "$name open+first-query cold_ms $(( (e - s) / 1000000 )) warm_ms $(( (e2 - s2) / 1000000 ))"
  done
  for r in 1 2 3; do echo "$name batch run $r $("$ctx" search --store "$imp" --batch "$batch" | tail -n 1)"; done
  drop
  /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$ctx" compact --store "$imp" > /dev/null
  echo "$name compact wall/user/sys/peakKB $(cat "$work/t") $(sizes "$imp")"
  drop
  /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$ctx" put --store "$put" --batch 1000 < "$corpus" > /dev/null
  echo "$name put wall/user/sys/peakKB $(cat "$work/t") $(sizes "$put")"
  rm -rf "$imp" "$put"
done
