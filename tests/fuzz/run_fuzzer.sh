#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time on a copy of its committed corpus.
# Fails on any crash, leak or sanitizer report (libFuzzer exits non-zero).
#   run_fuzzer.sh BINARY CORPUS_DIR SECONDS
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
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  -print_final_stats=1 "$work/corpus" 2>&1 | tail -n 25
exit "${PIPESTATUS[0]}"
