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
directory: --vocab-dir, else $CONTEXTSTORE_VOCAB_DIR, else ~/.cache/contextstore/vocab.
Exit status 3: tiktoken is not installed; 4: a vocabulary file is missing.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

URL_PREFIX = "https://openaipublic.blob.core.windows.net/encodings/"


def default_vocab_dir():
    env = os.environ.get("CONTEXTSTORE_VOCAB_DIR")
    if env:
        return env
    return os.path.join(os.path.expanduser("~"), ".cache", "contextstore", "vocab")


def seed_cache(src_dir, names):
    """A fresh tiktoken cache holding the rank files; must run before tiktoken loads one."""
    cache = tempfile.mkdtemp(prefix="contextstore-tiktoken-bench-")
    for name in names:
        src = os.path.join(src_dir, name + ".tiktoken")
        if not os.path.isfile(src):
            sys.stderr.write(f"tiktoken_bench: vocabulary file {src} is missing; run `bash Tools/setup.sh`\n")
            shutil.rmtree(cache, ignore_errors=True)
            sys.exit(4)
        key = hashlib.sha1((URL_PREFIX + name + ".tiktoken").encode()).hexdigest()
        shutil.copyfile(src, os.path.join(cache, key))
    os.environ["TIKTOKEN_CACHE_DIR"] = cache
    return cache


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
    parser.add_argument("--vocab-dir", default=default_vocab_dir())
    parser.add_argument("--no-counts", action="store_true", help="leave the per-text counts out of the output")
    args = parser.parse_args()
    names = [n for n in args.encodings.split(",") if n]

    with open(args.texts, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)

    cache = seed_cache(args.vocab_dir, names)
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
