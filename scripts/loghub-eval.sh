#!/usr/bin/env bash
# Scores the digest miner on the loghub-2k samples: runs examples/digest_per_line on each raw
# log (headers included, no per-dataset settings) and prints Grouping Accuracy per dataset and
# the mean. Usage: scripts/loghub-eval.sh [LOGHUB_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
loghub="${1:-$here/../shared/loghub}"
[ -d "$loghub" ] || loghub=/work/shared/loghub
cd "$here"
cargo build --release --example digest_per_line --quiet
bin="${CARGO_TARGET_DIR:-$here/target}/release/examples/digest_per_line"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sum=0
for d in HDFS Hadoop Spark Zookeeper Linux Apache OpenSSH Mac; do
  "$bin" "$loghub/$d/${d}_2k.log" >"$tmp/$d.jsonl"
  ga=$(python3 "$loghub/evaluate.py" --truth "$loghub/$d/${d}_2k.log_structured.csv" \
        --pred "$tmp/$d.jsonl" --json | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["GA"])')
  printf '%-10s GA %s\n' "$d" "$ga"
  sum=$(python3 -c "print($sum + $ga)")
done
python3 -c "print('mean       GA %.4f' % ($sum / 8))"
