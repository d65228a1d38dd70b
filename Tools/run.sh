#!/usr/bin/env bash
# Set-up, a release build, then the main job on a demo store of its own (never your default
# store): chunk the text files under /usr/include into segments, ingest them, read them back
# and print what was measured (`ctxstore stress`); then search what was ingested and print
# a few hits; then the next commands to try.
#   CONTEXTSTORE_DEMO=DIR    where the demo store goes (default: $TMPDIR or /tmp, contextstore-demo)
#   extra arguments          go to `ctxstore stress` (try: bash Tools/run.sh --limit 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product ctxstore
swift build -c release --product ctxstore-mcp   # the MCP server program `ctxstore mcp` starts
C="$PWD/.build/release/ctxstore"
DEMO="${CONTEXTSTORE_DEMO:-${TMPDIR:-/tmp}/contextstore-demo}"
echo "== demo store: $DEMO (re-runs supersede the same segments; remove it when done)"
"$C" stress --store "$DEMO" "$@"

# The largest project, then a few searches in it: each hit shows where it came from
# (file path and line range) and its first line.
project=$("$C" stats --store "$DEMO" --json | python3 -c '
import json, sys
projects = json.load(sys.stdin)["projects"]
print(max(projects, key=lambda p: p["segments"])["project"] if projects else "")')
if [ -n "$project" ]; then
  for q in "memory allocation" "socket" "thread"; do
    echo
    echo "\$ ctxstore search --store $DEMO --project $project --query \"$q\" --limit 3"
    "$C" search --store "$DEMO" --project "$project" --query "$q" --limit 3
  done
fi
q="how do we map a file region into memory with mmap"
echo
echo "\$ ctxstore search --store $DEMO --all-projects --mode any --snippets 1 --limit 3 --query \"$q\""
"$C" search --store "$DEMO" --all-projects --mode any --snippets 1 --limit 3 --query "$q"

cat <<NEXT

== next, try:
  $C stats --store $DEMO
  $C search --store $DEMO --project $project --query "WORDS" --json
  $C search --store $DEMO --all-projects --mode any --query "A QUESTION" --snippets 2 --budget-tokens 2000 --collapse file_path
  $C search --store $DEMO --project $project --tag h --created-after 2025-06-01 --order recent
  $C export --store $DEMO --out /tmp/contextstore-export     # the old layer's JSON files
  $C compact --store $DEMO
  $C verify --store $DEMO
  $C mcp --store $DEMO                                       # serve it to an assistant over MCP (README)
  $C --help
NEXT
