#!/usr/bin/env bash
# Creates a golden case: new_case.sh NAME ARG... (then run run_golden.sh BINARY --rewrite NAME and review).
set -euo pipefail
dir="$(dirname "$0")/golden/$1"; shift
mkdir -p "$dir"
printf '%s\n' "$@" > "$dir/args"
touch "$dir/expected_stdout" "$dir/expected_stderr"; echo 0 > "$dir/expected_exit"
