#!/usr/bin/env bash
# Search benchmark: a generated KB of 500 rules and 10,000 past cases (benches/gen_search_kb.py),
# then: index build (first search, empty cache), keyword search with the index cached (hot),
# `--no-cache` (index built in memory each time), and `kb check` of that KB.
# usage: benches/search.sh [casebook binary]   (default: target/release/casebook)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/casebook}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 benches/gen_search_kb.py "$WORK/kb" --rules 500 --cases 10000
export CASEBOOK_CACHE_DIR="$WORK/cache"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

echo "index build (first search): $(ms "$BIN" search controller lock --kb "$WORK/kb") ms"
total=0; n=20
for q in "controller lock" "queue_flush_timeout" "AcquireLock" "raft leader election" "restarted the agent"; do
  for _ in 1 2 3 4; do t=$(ms "$BIN" search "$q" --kb "$WORK/kb"); total=$((total + t)); done
done
echo "search, index cached: $((total / n)) ms mean over $n queries (end to end, process start included)"
echo "search --no-cache: $(ms "$BIN" search controller lock --kb "$WORK/kb" --no-cache) ms"
echo "kb check: $(ms "$BIN" kb check --kb "$WORK/kb") ms"
echo "search --line: $(ms "$BIN" search --line '2025-01-01T00:00:00Z [ERROR] x: agent lock failed id=1' --kb "$WORK/kb") ms"
