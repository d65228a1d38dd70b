#!/usr/bin/env bash
# Set-up (liblz4-dev, libzstd-dev, the lz4 command, Python tiktoken and mcp) and the whole test suite.
# This is what CI runs (.ci/run). Long soaks are opt-in:
#   CONTEXTSTORE_CRASH_CYCLES=2000 bash Tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh --test
# Layers point down only (Tools/check_layers.py has the table); the check proves on a
# planted violation that it still catches one, then checks the tree.
python3 Tools/check_layers.py --self-test
python3 Tools/check_layers.py
# Every public declaration documented (at least 95% of them; the list says which are not).
python3 Tools/check_docs.py --self-test
python3 Tools/check_docs.py
python3 Tools/check_docs.py --root Sources/ContextStoreMCP
# The concurrency test (readers, writers, compaction and export at once) under
# ThreadSanitizer, in its own build directory; then the whole suite. `swift test` stays
# last: CI reads its closing line.
swift test --sanitize=thread --scratch-path .build-tsan --filter ConcurrencyTests
# The crash tests (ContextStoreTests) run the ctxstore executable as a child process, so
# build it first; the ctxstoreTests target depends on it, so plain `swift test` builds it too.
swift build
swift test
