#!/usr/bin/env python3
"""Python tiktoken's single-threaded encode_ordinary speed, for TokenBench.

TokenBench (Benchmarks/TokenBench/main.swift) runs this script on the same texts it
measures the Swift tokenizer on, in the same run, and parses the one JSON object this
script prints on stdout:

    python3 Benchmarks/tiktoken_bench.py --texts FILE [--encodings cl100k_base,o200k_base]
                                         [--runs 5] [--vocab-dir DIR]

FILE holds one JSON string per line (the texts, in order). For each encoding: one
untimed warm-up pass that also records every text's count, then --runs timed passes of

    for text in texts: n += len(enc.encode_ordinary(text))

(time.perf_counter around the whole loop). The output, per encoding: the seconds of each
run, their median, total tokens and UTF-8 bytes, MB/s and tokens/s at the median, and the
per-text counts so the caller can check that both sides agree exactly.

Works offline like Tests/Oracles/tiktoken_oracle.py: it seeds a private tiktoken cache
directory with the vocabulary files ContextStore uses (tiktoken names a cache entry by
the SHA-1 of the download URL and checks the content's SHA-256 itself). Vocabulary
directory: --vocab-dir, else $CONTEXTSTORE_VOCAB_DIR, else the library's embedded copies.
Exit status 3: tiktoken is not installed; 4: a vocabulary file is missing.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import time

# The rank files come the way the test oracle gets them (one copy of that code): a
# directory given with --vocab-dir or $CONTEXTSTORE_VOCAB_DIR, else the repository's own
# embedded copies, decompressed with the lz4 command.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Oracles"))
from tiktoken_oracle import seed_cache  # noqa: E402


def count_all(enc, texts):
    encode = enc.encode_ordinary
    n = 0
    for text in texts:
        n += len(encode(text))
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", required=True, help="one JSON string per line")
    parser.add_argument("--encodings", default="cl100k_base,o200k_base")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--vocab-dir", default=os.environ.get("CONTEXTSTORE_VOCAB_DIR") or None)
    parser.add_argument("--no-counts", action="store_true", help="leave the per-text counts out of the output")
    args = parser.parse_args()
    names = [n for n in args.encodings.split(",") if n]

    with open(args.texts, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)

    cache = seed_cache(args.vocab_dir)
    try:
        try:
            import tiktoken
        except ImportError:
            sys.stderr.write("tiktoken_bench: Python package tiktoken is not installed; "
                             "run `bash Tools/setup.sh --test`\n")
            sys.exit(3)
        results = {}
        for name in names:
            enc = tiktoken.get_encoding(name)
            counts = [len(enc.encode_ordinary(t)) for t in texts]  # warm-up, and the counts
            tokens = sum(counts)
            seconds = []
            for _ in range(max(1, args.runs)):
                start = time.perf_counter()
                n = count_all(enc, texts)
                seconds.append(time.perf_counter() - start)
                if n != tokens:
                    raise SystemExit(f"tiktoken_bench: {name} gave {n} tokens, then {tokens}")
            median = statistics.median(seconds)
            entry = {
                "runs_seconds": seconds,
                "median_seconds": median,
                "tokens": tokens,
                "bytes": total_bytes,
                "mb_per_s": total_bytes / 1e6 / median,
                "tokens_per_s": tokens / median,
            }
            if not args.no_counts:
                entry["counts"] = counts
            results[name] = entry
        json.dump({"tiktoken_version": tiktoken.__version__, "python": sys.version.split()[0],
                   "texts": len(texts), "results": results}, sys.stdout)
        sys.stdout.write("\n")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
