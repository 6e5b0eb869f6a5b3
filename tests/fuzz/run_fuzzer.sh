#!/usr/bin/env bash
# Runs one libFuzzer target on a copy of its committed corpus, then replays
# every input of the grown corpus once with LeakSanitizer on. Fails on any
# crash, timeout, out-of-memory, leak or sanitizer report.
#   run_fuzzer.sh BINARY CORPUS_DIR SECONDS [RUNS]
#
# In the test suite the run is reproducible: a fixed seed (STAGEGATE_FUZZ_SEED,
# default 1) and a fixed number of executions (RUNS), so a clean run on one
# machine is a clean run on every machine; SECONDS only caps the time on a slow
# one (libFuzzer then stops early, on a prefix of the same inputs). A test that
# passes or fails at random would teach people to ignore it. To search for new
# bugs, run a campaign with random seeds instead:
#   STAGEGATE_FUZZ_SEED=random run_fuzzer.sh BINARY CORPUS_DIR 3600
# (RUNS is ignored then) and commit what it finds to the corpus with the fix.
#
# Leaks are checked in the replay rather than while fuzzing: libFuzzer's
# in-loop leak check stops the world and scans the whole heap each time an
# input leaves memory allocated (lazily built static tables count), which on
# a 2-core machine can stall a run for minutes.
set -euo pipefail
binary=$(realpath -m "$1") corpus=$2 seconds=$3 runs=${4:-}
seed=${STAGEGATE_FUZZ_SEED:-1}
if [ ! -x "$binary" ]; then
  echo "fuzz target $binary is not built; build it with: cmake --preset fuzz && cmake --build --preset fuzz" >&2
  exit 1
fi
limits=(-max_total_time="$seconds")
if [ "$seed" = random ]; then
  seed=0  # libFuzzer picks one and prints it
elif [ -n "$runs" ]; then
  limits+=(-runs="$runs")
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
cp -r "$corpus"/. "$work/corpus/" 2>/dev/null || true
cd "$work"
status=0
ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=64 "$binary" -seed="$seed" "${limits[@]}" -timeout=10 \
  -rss_limit_mb=2048 -max_len=4096 -detect_leaks=0 -print_final_stats=1 "$work/corpus" >"$work/fuzz.log" 2>&1 ||
  status=$?
grep -m1 -E "^INFO: Seed:" "$work/fuzz.log" || true
tail -n 25 "$work/fuzz.log"
if [ "$status" -ne 0 ]; then
  echo "fuzzing failed (exit $status); the input is saved above as crash-*/oom-*/timeout-* in $work" >&2
  for found in "$work"/crash-* "$work"/oom-* "$work"/timeout-*; do
    [ -e "$found" ] || continue
    cp "$found" "$(dirname "$binary")/"
    echo "--- $(basename "$found") as base64 (decode with base64 -d to reproduce):" >&2
    base64 -w 0 "$found" >&2
    echo >&2
  done
  exit "$status"
fi
echo "replaying $(ls "$work/corpus" | wc -l) corpus inputs with leak detection"
find "$work/corpus" -type f -print0 | xargs -0 -n 500 env ASAN_OPTIONS=detect_leaks=1 "$binary" -timeout=10 \
  >"$work/replay.log" 2>&1 || { tail -n 40 "$work/replay.log"; exit 1; }
echo "replay clean"
