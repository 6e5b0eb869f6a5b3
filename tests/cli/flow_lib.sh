# Shared by the command-line flow tests (tests/cli/*_flow.sh): sourced as
#   source "$(dirname "$0")/flow_lib.sh" BINARY
# it sets `binary` (absolute), `root` (the repository), `work` (a temporary
# folder removed on exit) and the counters, and defines the checks. Each check
# counts a pass or prints why it failed; `finish` prints the tally and gives
# the script's exit status.
binary=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

check() {  # check NAME EXPECTED_EXIT COMMAND... ; output in $work/out, $work/err
  local name=$1 expected=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"
  local code=$?
  if [ "$code" = "$expected" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $name: exit $code, expected $expected"; head -5 "$work/out" "$work/err"
  fi
}

contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $1: '$3' not in $(basename "$2"):"; head -5 "$2"
  fi
}

lacks() {  # lacks NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then failed=$((failed + 1)); echo "FAIL $1: '$3' in $(basename "$2")"; else
    passed=$((passed + 1)); fi
}

finish() {  # finish [LABEL]
  echo "${1:+$1: }$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
