#!/usr/bin/env bash
# Golden tests of `stagegate diff`, which needs a git repository: builds one
# with make_diff_repo.sh in a temporary folder, then runs each case of
# golden_diff/ like run_golden.sh does, with @REPO@ in args standing for the
# repository (and its path in the outputs replaced by @REPO@).
#   run_diff_golden.sh BINARY [--rewrite] [CASE...]
set -uo pipefail
binary=$(realpath "$1"); shift
rewrite=0
if [ "${1:-}" = "--rewrite" ]; then rewrite=1; shift; fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/policy-repo"
"$here/make_diff_repo.sh" "$repo" || { echo "FAIL: cannot create the test repository"; exit 1; }
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  mapfile -t cases < <(cd "$here/golden_diff" && ls -d */ | sed 's#/$##')
fi

passed=0 failed=0
for name in "${cases[@]}"; do
  dir="$here/golden_diff/$name"
  mapfile -t args < <(sed "s#@REPO@#$repo#g" "$dir/args")
  out="$work/out" err="$work/err"
  (cd "$root" && "$binary" "${args[@]}" </dev/null >"$out.raw" 2>"$err.raw")
  code=$?
  sed "s#$repo#@REPO@#g" "$out.raw" > "$out"
  sed "s#$repo#@REPO@#g" "$err.raw" > "$err"
  if [ $rewrite -eq 1 ]; then
    cp "$out" "$dir/expected_stdout"; cp "$err" "$dir/expected_stderr"; echo "$code" > "$dir/expected_exit"
  fi
  ok=1
  if [ "$code" != "$(cat "$dir/expected_exit")" ]; then
    echo "FAIL $name: exit code $code, expected $(cat "$dir/expected_exit")"; ok=0
  fi
  if ! diff -u "$dir/expected_stdout" "$out" >/dev/null; then
    echo "FAIL $name: stdout differs:"; diff -u "$dir/expected_stdout" "$out" | head -20; ok=0
  fi
  if ! diff -u "$dir/expected_stderr" "$err" >/dev/null; then
    echo "FAIL $name: stderr differs:"; diff -u "$dir/expected_stderr" "$err" | head -20; ok=0
  fi
  if [ $ok -eq 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
