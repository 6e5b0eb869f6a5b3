#!/usr/bin/env bash
# Times `stagegate gate` as a whole process, start to exit: a 50-rule bundle
# read from a git revision (committed to a fresh repository) and a 10-subject
# input. Prints the median and the quartiles of RUNS runs after WARMUP runs.
#   bench/gate_process.sh BINARY [RUNS] [WARMUP] [FORMATS]
# FORMATS is gate's --format (default json); "json,sarif,junit,markdown"
# writes all four outputs.
#
# Each run writes into an --out directory of its own that does not exist yet,
# as in a CI job. Rewriting the files of the run just before would time the
# file system instead: closing a file that was truncated and rewritten makes
# ext4 start writing it back at once, and truncating it again in the next run
# waits for that write (some 2 ms on a virtual disk).
set -euo pipefail
binary=$(realpath "$1") runs=${2:-41} warmup=${3:-5} formats=${4:-json}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo"
cp "$here/data/gate50/policies.yaml" "$work/repo/"
git -C "$work/repo" init -q
git -C "$work/repo" -c user.name=bench -c user.email=bench@example.org add .
git -C "$work/repo" -c user.name=bench -c user.email=bench@example.org commit -qm "50-rule bundle"
args=(gate --policies "$work/repo" --rev HEAD --input "$here/data/gate50/inputs.json" --format "$formats")
# Recording the run in the evidence log is measured by bench/evidence_store_bench.cc.
help=$("$binary" gate --help 2>/dev/null || true)
if [[ $help == *--no-evidence* ]]; then args+=(--no-evidence); fi
"$binary" "${args[@]}" --out "$work/check" >/dev/null 2>&1 || status=$?
if [ "${status:-0}" -gt 1 ]; then
  echo "gate failed with exit ${status}:" >&2; "$binary" "${args[@]}" --out "$work/check" >/dev/null; exit 1
fi
for i in $(seq "$warmup"); do "$binary" "${args[@]}" --out "$work/warmup-$i" >/dev/null 2>&1 || true; done
times=()
for i in $(seq "$runs"); do
  rm -rf "$work/out"
  start=$(date +%s%N)
  "$binary" "${args[@]}" --out "$work/out" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
n=${#sorted[@]}
printf 'gate whole process, %d runs: median %.2f ms, p25 %.2f ms, p75 %.2f ms\n' "$n" \
  "$(echo "${sorted[$((n / 2))]} / 1000" | bc -l)" "$(echo "${sorted[$((n / 4))]} / 1000" | bc -l)" \
  "$(echo "${sorted[$((3 * n / 4))]} / 1000" | bc -l)"
