#!/bin/bash
# Ingest A/B (issue 16): `ctxstore put` from stdin with two builds, and `ctxstore import`
# with the second, alternated for ROUNDS rounds on one corpus, each into a fresh store
# with the page cache dropped first (when allowed). Prints one line a run:
#   round variant wall_s user_s sys_s peak_rss_kb store_bytes
# Usage: Benchmarks/ingest/put_vs_import.sh BEFORE_CTXSTORE AFTER_CTXSTORE CORPUS.ndjson ROUNDS [STORE_DIR]
# (CORPUS: one segment a line, e.g. what ../shared/corpus/corpus.py builds; BEFORE and AFTER:
# release builds of two commits, `swift build -c release --product ctxstore`.)
set -euo pipefail
BEFORE=$1; AFTER=$2; CORPUS=$3; ROUNDS=$4; STORE=${5:-$(mktemp -d)/store}
for r in $(seq 1 "$ROUNDS"); do
  for v in put-before put-after import-after; do
    rm -rf "$STORE"
    case $v in
      put-before) cmd=("$BEFORE" put --store "$STORE" --batch 1000);;
      put-after) cmd=("$AFTER" put --store "$STORE" --batch 1000);;
      import-after) cmd=("$AFTER" import --store "$STORE" "$CORPUS");;
    esac
    sync; (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null || true
    if [ "$v" = import-after ]; then
      /usr/bin/time -f "%e %U %S %M" -o /tmp/put_vs_import.time "${cmd[@]}" > /dev/null 2> /tmp/put_vs_import.err
    else
      /usr/bin/time -f "%e %U %S %M" -o /tmp/put_vs_import.time "${cmd[@]}" < "$CORPUS" > /dev/null 2> /tmp/put_vs_import.err
    fi
    echo "$r $v $(cat /tmp/put_vs_import.time) $(du -sb "$STORE" | cut -f1)"
  done
done
rm -rf "$STORE"
