#!/usr/bin/env bash
# Set-up, a release build, then the main job: `ctxstore stress` on the default store
# ($CONTEXTSTORE_PATH, else ~/.contextstore): chunk the text files under /usr/include into
# segments, ingest them, read them back, print what was measured.
# Extra arguments go to `ctxstore stress` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product ctxstore
.build/release/ctxstore stress "$@"
