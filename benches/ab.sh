#!/usr/bin/env bash
# Compares commands run in turns (A, B, ... A, B, ...), for telling two builds apart on a noisy
# machine: a neighbour slows every command of a round alike, so medians of the same rounds, and
# their ratio to the last command, are what to compare. Prints per command the median and the
# fastest wall time, the median CPU time (user + system) and every run. Not a CI job.
#
#   benches/ab.sh [--runs N] LABEL 'COMMAND' [LABEL 'COMMAND' ...]     (default: --runs 5)
#
#   cp target/release/casebook /tmp/casebook-before     # then rebuild with the change
#   benches/ab.sh --runs 7 before '/tmp/casebook-before analyze target/bench/scale-10 -q -o /dev/null' \
#                          after 'target/release/casebook analyze target/bench/scale-10 -q -o /dev/null' \
#                          rg 'rg -c -z -f target/bench/patterns-embedded.txt target/bench/scale-10'
#
# A change worth keeping shows in the median and in the fastest run; CPU time is less noisy than
# wall time when the machine is busy. `benches/compare.sh` generates the bench bundles.
set -euo pipefail

runs=5
if [[ "${1:-}" == --runs ]]; then
    runs="$2"
    shift 2
fi
if (($# < 2 || $# % 2)); then
    sed -n '2,15p' "$0"
    exit 2
fi
[[ -x /usr/bin/time ]] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 1; }

labels=()
commands=()
while (($#)); do
    labels+=("$1")
    commands+=("$2")
    shift 2
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for ((run = 1; run <= runs; run++)); do
    for i in "${!labels[@]}"; do
        # Wall seconds and CPU seconds of one run, appended to the command's file.
        /usr/bin/time -f "%e %U %S" -o "$work/last" bash -c "${commands[$i]}" >/dev/null 2>&1 || {
            echo "failed: ${commands[$i]}" >&2
            exit 1
        }
        awk '{printf "%s %.2f\n", $1, $2 + $3}' "$work/last" >>"$work/$i"
    done
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
last=$((${#labels[@]} - 1))
base="$(cut -d' ' -f1 "$work/$last" | median)"
printf '%-12s %12s %10s %12s  %s\n' command "median wall" fastest "median CPU" "all runs (wall s)"
for i in "${!labels[@]}"; do
    wall="$(cut -d' ' -f1 "$work/$i" | median)"
    fastest="$(cut -d' ' -f1 "$work/$i" | sort -g | head -n1)"
    cpu="$(cut -d' ' -f2 "$work/$i" | median)"
    printf '%-12s %12s %10s %12s  %s\n' "${labels[$i]}" "$wall" "$fastest" "$cpu" "$(cut -d' ' -f1 "$work/$i" | tr '\n' ' ')"
done
for i in "${!labels[@]}"; do
    ((i == last)) && continue
    wall="$(cut -d' ' -f1 "$work/$i" | median)"
    awk -v a="$wall" -v b="$base" -v la="${labels[$i]}" -v lb="${labels[$last]}" \
        'BEGIN {printf "%s / %s = %.3f\n", la, lb, a / b}'
done
