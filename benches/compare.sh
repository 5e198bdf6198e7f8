#!/usr/bin/env bash
# Times `casebook analyze` (the whole command, full knowledge base; also with --no-digest)
# against `rg -c -f` on the knowledge base's own patterns and against `cat`/`zcat`, on the same
# generated bundle, in the same run, and reports medians, ratios and peak RSS. Not a CI job: minutes, and gigabytes.
#
#   benches/compare.sh [--runs N] [--kb DIR] [SCALE...]      (default: --runs 5, scale 10)
#
# Scale 1 is about 100 MB of logs (scale 10 about 1 GB). Bundles are generated once into
# $CARGO_TARGET_DIR/bench (default target/bench) and reused. Installs ripgrep and GNU time
# if missing (apt-get, else cargo install for ripgrep).
#
# Fairness: all three read the same decompressed bytes. rg gets -z so it decompresses the
# .gz files (it runs gzip, as the cat baseline runs zcat); rg and casebook use every core, cat
# one. The page cache is warmed first and the tools take turns within each run, so a noisy
# neighbour slows all three alike. rg does less than casebook: it counts lines matching any
# pattern, with no captures, per-signature counts, kinds, rules or document.
set -euo pipefail

runs=5
kb_args=()
kb_name=embedded
scales=()
while (($#)); do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --kb) kb_args=(--kb "$2"); kb_name="$(basename "$2")"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) scales+=("$1"); shift ;;
    esac
done
((${#scales[@]})) || scales=(10)

root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$target/bench"
mkdir -p "$work"

need() {
    command -v "$1" >/dev/null 2>&1 && return
    echo "installing $2" >&2
    if command -v apt-get >/dev/null 2>&1; then
        apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null; }
    fi
    command -v "$1" >/dev/null 2>&1 && return
    if [[ "$2" == ripgrep ]]; then cargo install ripgrep; else echo "cannot install $2" >&2; exit 1; fi
}
need rg ripgrep
[[ -x /usr/bin/time ]] || need /usr/bin/time time

(cd "$root" && cargo build --release --quiet --bin casebook)
casebook="$target/release/casebook"
patterns="$work/patterns-$kb_name.txt"
"$casebook" kb export-patterns "${kb_args[@]}" >"$patterns"

# One timed command: prints "seconds max_rss_kb".
timed() {
    local out
    out="$(mktemp)"
    /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>&1 || true
    # rg -c exits 1 when nothing matches; anything worse is a failed run, not a time.
    if grep -qE "exited with non-zero status ([2-9]|[0-9]{2,})|terminated by signal" "$out"; then
        echo "failed: $* ($(head -n1 "$out"))" >&2
        exit 1
    fi
    tail -n 1 "$out"
    rm -f "$out"
}

cat_all() {
    find "$1" -type f -print0 | sort -z | while IFS= read -r -d '' f; do
        case "$f" in *.gz) zcat -- "$f" ;; *) cat -- "$f" ;; esac
    done
}
export -f cat_all

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "machine: $(nproc) cores, $(uname -sr); rg $(rg --version | awk 'NR == 1 {print $2}'); $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "knowledge base: $kb_name, $(wc -l <"$patterns") patterns ($patterns)"
for scale in "${scales[@]}"; do
    dir="$work/scale-$scale"
    if [[ ! -s "$dir.manifest.json" ]]; then
        rm -rf "$dir"
        "$casebook" synth bench --scale "$scale" -o "$dir" >"$dir.manifest.json"
    fi
    bytes=$(grep -m1 '^  "bytes":' "$dir.manifest.json" | grep -o '[0-9]*')
    cat_all "$dir" >/dev/null # warm the page cache
    times="$work/times-$kb_name-$scale.txt"
    : >"$times"
    for ((i = 1; i <= runs; i++)); do
        echo "casebook $(timed "$casebook" analyze "$dir" -q -o /dev/null "${kb_args[@]}")" >>"$times"
        echo "no-digest $(timed "$casebook" analyze "$dir" -q --no-digest -o /dev/null "${kb_args[@]}")" >>"$times"
        echo "rg $(timed rg -c -z -f "$patterns" "$dir")" >>"$times"
        echo "cat $(timed bash -c 'cat_all "$1" >/dev/null' _ "$dir")" >>"$times"
    done
    med() { awk -v t="$1" -v c="$2" '$1 == t {print $c}' "$times" | median; }
    cb=$(med casebook 2) rg=$(med rg 2) ct=$(med cat 2)
    cb_rss=$(awk '$1 == "casebook" {print $3}' "$times" | sort -g | tail -n1)
    rg_rss=$(awk '$1 == "rg" {print $3}' "$times" | sort -g | tail -n1)
    echo
    echo "scale $scale: $(awk -v b="$bytes" 'BEGIN {printf "%.2f GB", b / 1e9}') of logs, $runs runs"
    echo "| tool | median wall (s) | all runs (s) | peak RSS (MB) |"
    echo "|---|---|---|---|"
    for t in casebook no-digest rg cat; do
        all=$(awk -v t="$t" '$1 == t {printf "%s ", $2}' "$times")
        rss=$(awk -v t="$t" '$1 == t {print $3}' "$times" | sort -g | tail -n1)
        echo "| $t | $(med "$t" 2) | ${all% } | $(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}') |"
    done
    nd=$(med no-digest 2)
    awk -v cb="$cb" -v nd="$nd" -v rg="$rg" -v ct="$ct" -v rss="$cb_rss" -v rgrss="$rg_rss" 'BEGIN {
        printf "casebook/rg = %.2f (target <= 0.5), casebook/cat = %.2f (target <= 5), casebook peak RSS %.1f MB (target <= 256)\n", cb / rg, cb / ct, rss / 1024
        printf "without the digest (--no-digest): casebook/rg = %.2f, casebook/cat = %.2f\n", nd / rg, nd / ct
    }'
done
