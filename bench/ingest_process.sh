#!/usr/bin/env bash
# Times `stagegate ingest` as a whole process, start to exit, on a simulated
# fleet (DEVICES devices x 5 sensors x DAYS days at 1 Hz, long CSV with RFC 3339
# timestamps and receive times), each run into a fresh store. Prints the
# median and quartiles of RUNS runs and the median rate in samples per second.
#   bench/ingest_process.sh BINARY [RUNS] [DEVICES] [DAYS]
set -euo pipefail
binary=$(realpath "$1") runs=${2:-5} devices=${3:-20} days=${4:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$binary" simulate --out "$work/fleet" --seed 42 --devices "$devices" --days "$days" --layout both >/dev/null
samples=$(( $(wc -l < "$work/fleet/telemetry.csv") - 1 ))
for layout in long wide; do
  input="$work/fleet/telemetry.csv"
  [ "$layout" = wide ] && input="$work/fleet/telemetry_wide.csv"
  times=()
  for i in $(seq "$runs"); do
    rm -f "$work/t.db" "$work/t.db-wal" "$work/t.db-shm"
    start=$(date +%s%N)
    "$binary" ingest --store "$work/t.db" "$input" >/dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  n=${#sorted[@]}
  median=${sorted[$((n / 2))]}
  printf 'ingest %s CSV (%d samples, %d MB), %d runs: median %.3f s, p25 %.3f s, p75 %.3f s, %.2f M samples/s\n' \
    "$layout" "$samples" "$(( $(stat -c %s "$input") / 1000000 ))" "$n" \
    "$(echo "$median / 1000000" | bc -l)" "$(echo "${sorted[$((n / 4))]} / 1000000" | bc -l)" \
    "$(echo "${sorted[$((3 * n / 4))]} / 1000000" | bc -l)" "$(echo "$samples / $median" | bc -l)"
done
