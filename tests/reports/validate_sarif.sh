#!/usr/bin/env bash
# Validates a SARIF log with the SARIF Multitool, with GitHub code scanning's
# ingestion rules ("Sarif;Gh"). Exits 0 when the Multitool reports no errors
# (warnings and notes are printed, not fatal), 1 when it reports errors, 2 when
# the tool is missing or did not run.
#   validate_sarif.sh FILE                  expect a valid log
#   validate_sarif.sh --expect-errors FILE  expect errors (checks the checker)
# The tool: $STAGEGATE_SARIF_MULTITOOL, else the copy .ci/setup installs.
set -uo pipefail

expect_errors=0
if [ "${1:-}" = "--expect-errors" ]; then
  expect_errors=1
  shift
fi
file=${1:?usage: validate_sarif.sh [--expect-errors] FILE}

tool=${STAGEGATE_SARIF_MULTITOOL:-}
if [ -z "$tool" ]; then
  prefix=${STAGEGATE_TOOLS:-/opt/stagegate/tools}/node_modules/@microsoft/sarif-multitool-linux
  for candidate in "$prefix/Sarif.Multitool" "$prefix"/*/Sarif.Multitool; do
    if [ -x "$candidate" ]; then
      tool=$candidate
      break
    fi
  done
fi
if [ -z "$tool" ] || [ ! -x "$tool" ]; then
  echo "validate_sarif: the SARIF Multitool is not installed; run: bash .ci/setup" >&2
  exit 2
fi
if [ ! -f "$file" ]; then
  echo "validate_sarif: $file: no such file" >&2
  exit 2
fi

# The Multitool is a self-contained .NET program: without ICU it needs the
# invariant globalization mode, which is enough for validation.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
# It exits 0 even when it finds errors, so its report is what counts.
output=$("$tool" validate "$file" --rule-kind "Sarif;Gh" 2>&1)
status=$?
printf '%s\n' "$output"
if [ $status -ne 0 ] || ! grep -q "Analysis completed successfully" <<<"$output" ||
   ! grep -q "1 files scanned" <<<"$output"; then
  echo "validate_sarif: the SARIF Multitool did not complete (exit $status)" >&2
  exit 2
fi

errors=$(grep -cE ': error [A-Z]+[0-9]+: ' <<<"$output")
warnings=$(grep -cE ': warning [A-Z]+[0-9]+: ' <<<"$output")
echo "validate_sarif: $file: $errors errors, $warnings warnings"
if [ $expect_errors -eq 1 ]; then
  [ "$errors" -gt 0 ] && exit 0
  echo "validate_sarif: expected the Multitool to report errors in $file, it reported none" >&2
  exit 1
fi
[ "$errors" -eq 0 ]
