#!/usr/bin/env python3
"""Offline tiktoken oracle for the ContextStore tokenizer tests.

Protocol: one JSON object per input line on stdin, one JSON line per request on stdout
(flushed after each line, so a caller can keep the process open for many requests):

    {"encoding": "cl100k_base", "text": "..."}                 -> {"tokens": [...]}
    {"encoding": "o200k_base",  "text": "...", "count": true}  -> {"count": N}
    {"op": "sha256", "hex": "00ff..."}                         -> {"sha256": "<lowercase hex>"}
    {"op": "members", "pattern": "\\p{L}"}                      -> {"members": [[lo, hi], ...]}
        (the scalars, as half-open ranges, that tiktoken's regex engine matches with that
        pattern: an Encoding whose ranks are the 256 single bytes drops unmatched text)
    {"op": "pieces", "encoding": ..., "text": ..., "pieces": [...]}
                                                          -> {"match": true} or
                                                             {"match": false, "index": i, "regex": [...], "ours": [...]}
        (checks a pre-tokenizer split against tiktoken's own regex engine, see check_pieces)
    anything that fails                                        -> {"error": "..."}

tiktoken normally downloads its rank files.  This script never touches the network: it
pre-seeds tiktoken's file cache in a private temporary directory with the vocabulary
files ContextStore already uses.  tiktoken names a cache entry by the SHA-1 of the
download URL and checks the SHA-256 of the content itself, so a wrong file is rejected.

Vocabulary directory, resolved like the Swift side: --vocab-dir DIR, else the
environment variable CONTEXTSTORE_VOCAB_DIR, else ~/.cache/contextstore/vocab
(filled by `bash Tools/setup.sh`).  Exit status 3 means tiktoken is not installed
(`bash Tools/setup.sh --test` installs it), 4 means a vocabulary file is missing.
"""

import hashlib
import json
import os
import shutil
import sys
import tempfile

URL_PREFIX = "https://openaipublic.blob.core.windows.net/encodings/"
ENCODINGS = ("cl100k_base", "o200k_base")


def vocab_dir(argv):
    if "--vocab-dir" in argv:
        return argv[argv.index("--vocab-dir") + 1]
    env = os.environ.get("CONTEXTSTORE_VOCAB_DIR")
    if env:
        return env
    return os.path.join(os.path.expanduser("~"), ".cache", "contextstore", "vocab")


def seed_cache(src_dir):
    """Copies the rank files into a fresh cache dir; must run before tiktoken loads one."""
    cache = tempfile.mkdtemp(prefix="contextstore-tiktoken-")
    for name in ENCODINGS:
        src = os.path.join(src_dir, name + ".tiktoken")
        if not os.path.isfile(src):
            sys.stderr.write(
                f"tiktoken_oracle: vocabulary file {src} is missing; run `bash Tools/setup.sh`\n")
            sys.exit(4)
        key = hashlib.sha1((URL_PREFIX + name + ".tiktoken").encode()).hexdigest()
        shutil.copyfile(src, os.path.join(cache, key))
    os.environ["TIKTOKEN_CACHE_DIR"] = cache
    return cache


def members(tiktoken, pattern):
    """Ranges of scalars matched by `pattern`, using tiktoken's own regex engine."""
    probe = tiktoken.Encoding(
        name="contextstore-class-probe", pat_str=pattern,
        mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    matched = bytes(probe.encode_ordinary(text)).decode("utf-8")
    ranges = []
    for ch in matched:
        c = ord(ch)
        if ranges and ranges[-1][1] == c:
            ranges[-1][1] = c + 1
        else:
            ranges.append([c, c + 1])
    return ranges


def check_pieces(tiktoken, encodings, name, text, pieces):
    """Do `pieces` equal the matches of `name`'s split pattern on `text`?

    tiktoken does not expose its split, so this runs it with a probe vocabulary: the 256
    single bytes, every claimed piece, and every concatenation of two adjacent claimed
    pieces. A regex match equal to a claimed piece is then one whole token; a match that
    joins claimed pieces becomes a joined token (or bytes); a match that cuts a claimed
    piece cannot be that piece. So the token list equals the claimed list exactly when
    the splits agree."""
    pattern = encodings.get(name) or encodings.setdefault(name, tiktoken.get_encoding(name))
    mine = [p.encode("utf-8") for p in pieces]
    ranks = {bytes([i]): i for i in range(256)}
    for piece in mine + [a + b for a, b in zip(mine, mine[1:])]:
        ranks.setdefault(piece, len(ranks))
    probe = tiktoken.Encoding(name="contextstore-piece-probe", pat_str=pattern._pat_str,
                              mergeable_ranks=ranks, special_tokens={})
    got = [probe.decode_single_token_bytes(t) for t in probe.encode_ordinary(text)]
    if got == mine:
        return {"match": True}
    i = next((k for k, (a, b) in enumerate(zip(got, mine)) if a != b), min(len(got), len(mine)))
    show = lambda xs: [x.decode("utf-8", "backslashreplace") for x in xs[max(0, i - 3):i + 4]]
    return {"match": False, "index": i, "regex": show(got), "ours": show(mine)}


def main():
    cache = seed_cache(vocab_dir(sys.argv))
    try:
        try:
            import tiktoken
        except ImportError:
            sys.stderr.write(
                "tiktoken_oracle: Python package tiktoken is not installed; "
                "run `bash Tools/setup.sh --test`\n")
            sys.exit(3)
        encodings = {}
        out = sys.stdout
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line)
                if req.get("op") == "sha256":
                    reply = {"sha256": hashlib.sha256(bytes.fromhex(req["hex"])).hexdigest()}
                elif req.get("op") == "pieces":
                    reply = check_pieces(tiktoken, encodings, req["encoding"], req["text"], req["pieces"])
                elif req.get("op") == "members":
                    reply = {"members": members(tiktoken, req["pattern"])}
                else:
                    name = req.get("encoding", "cl100k_base")
                    enc = encodings.get(name)
                    if enc is None:
                        enc = encodings[name] = tiktoken.get_encoding(name)
                    tokens = enc.encode_ordinary(req["text"])
                    reply = {"count": len(tokens)} if req.get("count") else {"tokens": tokens}
            except Exception as e:  # report, keep serving: one bad request must not hang the caller
                reply = {"error": f"{type(e).__name__}: {e}"}
            out.write(json.dumps(reply) + "\n")
            out.flush()
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
