#!/usr/bin/env bash
# One-time machine set-up for ContextStore; safe to run again (it skips what is present).
#   - liblz4-dev and libzstd-dev (the system LZ4 and zstd the log and the built-in
#     vocabulary link against), with apt-get
#   - with --test: the lz4 command and Python tiktoken, for the token-count oracle, and the
#     official MCP Python SDK (`mcp`), the real client Tests/mcp/mcp_client_test.py drives
#     `ctxstore mcp` with
#     (Tests/Oracles/tiktoken_oracle.py decompresses the repository's own copies of the
#     rank files, Sources/CContextStoreVocabulary/data/*.lz4, with lz4)
# The tokenizer vocabulary itself needs no set-up: it is compiled into the library.
set -euo pipefail

want_test=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    *) echo "usage: Tools/setup.sh [--test]" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages to install: each listed only if what it provides is missing.
packages=()
[ -f /usr/include/lz4.h ] && [ -f /usr/include/lz4frame.h ] || packages+=(liblz4-dev)
[ -f /usr/include/zstd.h ] || packages+=(libzstd-dev)
if [ "$want_test" = 1 ]; then
  command -v lz4 >/dev/null || packages+=(lz4)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  echo "setup: installing ${packages[*]}" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if [ "$want_test" = 1 ]; then
  if ! python3 -c 'import tiktoken' 2>/dev/null; then
    echo "setup: installing Python tiktoken (test oracle)" >&2
    python3 -m pip install -q tiktoken
  fi
  if ! python3 -c 'import mcp.client.stdio' 2>/dev/null; then
    echo "setup: installing the Python MCP SDK (test client)" >&2
    python3 -m pip install -q 'mcp>=2.3,<3'
  fi
fi
echo "setup: ok" >&2
