#!/usr/bin/env bash
# Scores the digest miner on the loghub-2k samples: runs examples/digest_per_line on each raw
# log (headers included, no per-dataset settings) and prints Grouping Accuracy and FGA per dataset
# (PA and FTA against the corrected truth) and the mean GA. Usage: scripts/loghub-eval.sh [LOGHUB_DIR]
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
  score() { python3 "$loghub/evaluate.py" --truth "$1" --pred "$tmp/$d.jsonl" --json; }
  ga=$(score "$loghub/$d/${d}_2k.log_structured.csv" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.4f %.4f" % (r["GA"], r["FGA"]))')
  pa=$(score "$loghub/$d/${d}_2k.log_structured_corrected.csv" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.3f %.3f" % (r["PA"], r["FTA"]))')
  set -- $ga $pa
  printf '%-10s GA %s FGA %s PA %s FTA %s (PA, FTA: corrected truth)\n' "$d" "$1" "$2" "$3" "$4"
  sum=$(python3 -c "print($sum + $1)")
done
python3 -c "print('mean       GA %.4f' % ($sum / 8))"
