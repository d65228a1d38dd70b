#!/usr/bin/env python3
# Usage: python3 Benchmarks/ingest/replicate.py CORPUS.ndjson N | ctxstore put --store DIR
# Streams the corpus replicated to N segments as `ctxstore stress --replicate-to` does:
# copy r > 0 has "~r<r>" appended to its id and project and " (replica <r>)" to its text,
# with its token count (and derived fields) dropped so that they are counted again.
import sys, json
path, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout
written = 0
r = 0
while written < n:
    with open(path, 'rb') as f:
        for line in f:
            if written >= n: break
            if r == 0:
                out.buffer.write(line)
            else:
                d = json.loads(line)
                d['segment_id'] += f'~r{r}'
                d['project_id'] += f'~r{r}'
                d['text'] += f' (replica {r})'
                for k in ('tokens', 'tokens_computed_at', 'text_hash'):
                    d[k] = None
                out.buffer.write(json.dumps(d, ensure_ascii=False, separators=(',', ':')).encode() + b'\n')
            written += 1
    r += 1
