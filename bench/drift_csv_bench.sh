#!/usr/bin/env bash
# Times `stagegate drift compare` as a whole process, start to exit, on two
# generated wide numeric CSVs (ROWS rows x COLS columns, 4 decimals; in the
# current file some columns are shifted, scaled or have NaN: see
# bench/drift_csv_gen.cc). Prints the median and range of RUNS runs, with
# user and system CPU time and peak resident memory of the median run.
#   bench/drift_csv_bench.sh BINARY [RUNS] [ROWS] [COLS] [-- EXTRA ARGS...]
# DRIFT_BENCH_DIR=dir keeps (and reuses) the generated files there.
set -euo pipefail
binary=$(realpath "$1") runs=${2:-3} rows=${3:-3000000} cols=${4:-100}
shift $(( $# < 4 ? $# : 4 ))
[ "${1:-}" = "--" ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${DRIFT_BENCH_DIR:-}" ]; then work=$DRIFT_BENCH_DIR; mkdir -p "$work"; else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
ref="$work/ref_${rows}x${cols}.csv" cur="$work/cur_${rows}x${cols}.csv"
if [ ! -s "$ref" ] || [ ! -s "$cur" ]; then
  c++ -O2 -std=c++20 -o "$work/drift_csv_gen" "$root/bench/drift_csv_gen.cc"
  "$work/drift_csv_gen" reference "$rows" "$cols" >"$ref"
  "$work/drift_csv_gen" current "$rows" "$cols" >"$cur"
fi
results=()
for i in $(seq "$runs"); do
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$binary" drift compare "$ref" "$cur" "$@" >"$work/out"
  results+=("$(cat "$work/time")")
  echo "run $i: $(cat "$work/time" | awk '{printf "%.2f s wall, %.2f s user, %.2f s sys, %.0f MB peak RSS", $1, $2, $3, $4 / 1024}'); load $(cut -d' ' -f1-3 /proc/loadavg)"
done
sorted=$(printf '%s\n' "${results[@]}" | sort -n)
n=${#results[@]}
median=$(echo "$sorted" | sed -n "$(( n / 2 + 1 ))p")
printf 'drift compare %s x %s (%d + %d MB), %d runs: median %s s (min %s, max %s); median run %s s user, %s s sys, %d MB peak RSS\n' \
  "$rows" "$cols" "$(( $(stat -c %s "$ref") / 1000000 ))" "$(( $(stat -c %s "$cur") / 1000000 ))" "$n" \
  "$(echo "$median" | cut -d' ' -f1)" "$(echo "$sorted" | head -1 | cut -d' ' -f1)" \
  "$(echo "$sorted" | tail -1 | cut -d' ' -f1)" "$(echo "$median" | cut -d' ' -f2)" \
  "$(echo "$median" | cut -d' ' -f3)" "$(( $(echo "$median" | cut -d' ' -f4) / 1024 ))"
tail -1 "$work/out"
