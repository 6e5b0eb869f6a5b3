#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time on a copy of its committed corpus,
# then replays every input of the grown corpus once with LeakSanitizer on.
# Fails on any crash, timeout, out-of-memory, leak or sanitizer report.
#   run_fuzzer.sh BINARY CORPUS_DIR SECONDS
#
# Leaks are checked in the replay rather than while fuzzing: libFuzzer's
# in-loop leak check stops the world and scans the whole heap each time an
# input leaves memory allocated (lazily built static tables count), which on
# a 2-core machine can stall a run for minutes.
set -euo pipefail
binary=$(realpath -m "$1") corpus=$2 seconds=$3
if [ ! -x "$binary" ]; then
  echo "fuzz target $binary is not built; build it with: cmake --preset fuzz && cmake --build --preset fuzz" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
cp -r "$corpus"/. "$work/corpus/" 2>/dev/null || true
cd "$work"
status=0
ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=64 "$binary" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -max_len=4096 -detect_leaks=0 -print_final_stats=1 "$work/corpus" >"$work/fuzz.log" 2>&1 ||
  status=$?
tail -n 25 "$work/fuzz.log"
if [ "$status" -ne 0 ]; then
  echo "fuzzing failed (exit $status); the input is saved above as crash-*/oom-*/timeout-* in $work" >&2
  cp "$work"/crash-* "$work"/oom-* "$work"/timeout-* "$(dirname "$binary")/" 2>/dev/null || true
  exit "$status"
fi
echo "replaying $(ls "$work/corpus" | wc -l) corpus inputs with leak detection"
find "$work/corpus" -type f -print0 | xargs -0 -n 500 env ASAN_OPTIONS=detect_leaks=1 "$binary" -timeout=10 \
  >"$work/replay.log" 2>&1 || { tail -n 40 "$work/replay.log"; exit 1; }
echo "replay clean"
