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
ContextStore uses.  tiktoken names a cache entry by the SHA-1 of the download URL and
checks the SHA-256 of the content itself, so a wrong file is rejected.

Vocabulary, resolved like the Swift side: the directory --vocab-dir DIR, else the
directory in the environment variable CONTEXTSTORE_VOCAB_DIR, else the copies compiled
into the library, Sources/CContextStoreVocabulary/data/<name>.tiktoken.lz4 in this
repository, decompressed with the `lz4` command (Debian package lz4).  Exit status 3
means tiktoken is not installed, 4 means a vocabulary file is missing or the lz4 command
is (`bash Tools/setup.sh --test` installs both tiktoken and lz4).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

URL_PREFIX = "https://openaipublic.blob.core.windows.net/encodings/"
ENCODINGS = ("cl100k_base", "o200k_base")
# The frames the library embeds (Tools/gen/gen_vocabulary.sh).
EMBEDDED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "..", "Sources", "CContextStoreVocabulary", "data")


def vocab_dir(argv):
    """The directory holding <name>.tiktoken files, or None for the embedded copies."""
    if "--vocab-dir" in argv:
        return argv[argv.index("--vocab-dir") + 1]
    return os.environ.get("CONTEXTSTORE_VOCAB_DIR") or None


def fail(message):
    sys.stderr.write(f"tiktoken_oracle: {message}\n")
    sys.exit(4)


def seed_cache(src_dir):
    """Puts the rank files into a fresh cache dir; must run before tiktoken loads one."""
    cache = tempfile.mkdtemp(prefix="contextstore-tiktoken-")
    try:
        fill_cache(cache, src_dir)
    except SystemExit:
        shutil.rmtree(cache, ignore_errors=True)
        raise
    os.environ["TIKTOKEN_CACHE_DIR"] = cache
    return cache


def fill_cache(cache, src_dir):
    """Writes each rank file into `cache` under tiktoken's name for it."""
    for name in ENCODINGS:
        target = os.path.join(cache, hashlib.sha1((URL_PREFIX + name + ".tiktoken").encode()).hexdigest())
        if src_dir is not None:
            src = os.path.join(src_dir, name + ".tiktoken")
            if not os.path.isfile(src):
                fail(f"vocabulary file {src} is missing (unset CONTEXTSTORE_VOCAB_DIR to use "
                     "the repository's own copies)")
            shutil.copyfile(src, target)
            continue
        src = os.path.join(EMBEDDED_DIR, name + ".tiktoken.lz4")
        if not os.path.isfile(src):
            fail(f"embedded vocabulary {src} is missing; rebuild it with `bash Tools/gen/gen_vocabulary.sh`")
        try:
            with open(target, "wb") as out:
                subprocess.run(["lz4", "-d", "-c", src], stdout=out, stderr=subprocess.PIPE, check=True)
        except FileNotFoundError:
            fail("the lz4 command is missing; run `bash Tools/setup.sh --test`")
        except subprocess.CalledProcessError as e:
            fail(f"lz4 could not decompress {src}: {e.stderr.decode(errors='replace').strip()}")


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
