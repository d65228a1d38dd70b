#!/usr/bin/env bash
# Rebuilds the tokenizer vocabulary compiled into ContextStore:
#   Sources/CContextStoreVocabulary/data/<name>.tiktoken.lz4  for cl100k_base and o200k_base
# (LZ4 frames with the content size in the header; vocabulary_data.c embeds them with
# #embed, EmbeddedVocabulary.swift decompresses them and checks the SHA-256 at load).
#
#   bash Tools/gen/gen_vocabulary.sh [DIR]     # DIR holds the published rank files
#                                              # (default: $CONTEXTSTORE_VOCAB_DIR, else ~/.cache/contextstore/vocab)
#   bash Tools/gen/gen_vocabulary.sh --check   # exit 1 unless the committed frames
#                                              # decompress to the published files
#
# A rank file is only compressed, and a frame only kept, when its SHA-256 is the published
# one (the constants in Sources/ContextStore/Tokenizer/TokenEncoding.swift). Needs the
# `lz4` command (Debian package lz4).
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=Sources/CContextStoreVocabulary/data
declare -A SHA=(
  [cl100k_base]=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
  [o200k_base]=446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
)

if ! command -v lz4 >/dev/null; then
  echo "gen_vocabulary: the lz4 command is missing (apt-get install lz4)" >&2
  exit 1
fi

# The SHA-256 of what `lz4 -d` makes of frame $1.
frame_sha() { lz4 -d -c "$1" | sha256sum | cut -d' ' -f1; }

if [ "${1:-}" = "--check" ]; then
  status=0
  for name in "${!SHA[@]}"; do
    got=$(frame_sha "$OUT/$name.tiktoken.lz4" 2>/dev/null || echo "unreadable")
    if [ "$got" = "${SHA[$name]}" ]; then
      echo "gen_vocabulary: $OUT/$name.tiktoken.lz4 ok" >&2
    else
      echo "gen_vocabulary: $OUT/$name.tiktoken.lz4 decompresses to SHA-256 $got, expected ${SHA[$name]}" >&2
      status=1
    fi
  done
  exit $status
fi

SRC="${1:-${CONTEXTSTORE_VOCAB_DIR:-${HOME}/.cache/contextstore/vocab}}"
mkdir -p "$OUT"
for name in "${!SHA[@]}"; do
  src="$SRC/$name.tiktoken"
  got=$(sha256sum "$src" | cut -d' ' -f1)
  if [ "$got" != "${SHA[$name]}" ]; then
    echo "gen_vocabulary: $src has SHA-256 $got, expected ${SHA[$name]}" >&2
    exit 1
  fi
  # -12: the smallest LZ4 output (decompression speed is the same at every level);
  # --content-size: the loader sizes its buffer from the frame header.
  lz4 -12 --content-size -f -q "$src" "$OUT/$name.tiktoken.lz4.part"
  if [ "$(frame_sha "$OUT/$name.tiktoken.lz4.part")" != "${SHA[$name]}" ]; then
    echo "gen_vocabulary: $name.tiktoken does not survive an lz4 round trip" >&2
    exit 1
  fi
  mv "$OUT/$name.tiktoken.lz4.part" "$OUT/$name.tiktoken.lz4"
  echo "gen_vocabulary: $OUT/$name.tiktoken.lz4 ($(stat -c %s "$OUT/$name.tiktoken.lz4") bytes)" >&2
done
