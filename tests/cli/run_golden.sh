#!/usr/bin/env bash
# Golden tests of the command line. Each folder under golden/ is one case:
#   args             the arguments, one per line (the binary is prepended)
#   stdin            optional, fed to standard input
#   expected_stdout  what the command must print on stdout
#   expected_stderr  what it must print on stderr
#   expected_exit    its exit code
#   normalize        optional sed -E script applied to stdout and stderr before
#                    comparing (for commit ids and other values of the checkout);
#                    the repository root is always replaced by <root>
# Each case records its runs in its own evidence store ($STAGEGATE_EVIDENCE in
# a fresh folder, shown as <evidence>); run ids and key ids, random by
# nature, are shown as <uuid> and <key-id>.
# Commands run from the repository root, so paths in args are relative to it.
#   run_golden.sh BINARY [--rewrite] [CASE...]
# --rewrite records the current behaviour as expected (review the diff!).
set -uo pipefail
binary=$(realpath "$1"); shift
rewrite=0
if [ "${1:-}" = "--rewrite" ]; then rewrite=1; shift; fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  mapfile -t cases < <(cd "$here/golden" && ls -d */ | sed 's#/$##')
fi

passed=0 failed=0
for name in "${cases[@]}"; do
  dir="$here/golden/$name"
  mapfile -t args < "$dir/args"
  stdin_file=/dev/null
  [ -f "$dir/stdin" ] && stdin_file="$dir/stdin"
  out=$(mktemp) err=$(mktemp) evidence=$(mktemp -d)
  (cd "$root" && STAGEGATE_EVIDENCE="$evidence/evidence.db" "$binary" "${args[@]}" <"$stdin_file" >"$out" 2>"$err")
  code=$?
  for stream in "$out" "$err"; do
    sed -i "s#$evidence#<evidence>#g; s#$root#<root>#g" "$stream"
    sed -E -i 's/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/<uuid>/g; s/key (id )?[0-9a-f]{16}([0-9a-f]{48})?/key \1<key-id>/g' "$stream"
    if [ -f "$dir/normalize" ]; then sed -E -i -f "$dir/normalize" "$stream"; fi
  done
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
  rm -rf "$out" "$err" "$evidence"
  if [ $ok -eq 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
