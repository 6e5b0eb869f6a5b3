#!/usr/bin/env bash
# The shipped rule templates as a policy repository using them holds them:
# each area of rules/ copied beside the framework catalogs its controls name
# (policies/frameworks) must pass `stagegate check` without a warning and
# `stagegate test` with every rule reaching pass and fail. Without the
# catalogs, an area whose templates name controls does not load.
#   shipped_rules_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"

for area in "$root"/rules/*/; do
  name=$(basename "$area")
  repo="$work/$name"
  mkdir -p "$repo"
  cp "$area"*.yaml "$root/policies/frameworks/"*.yaml "$repo/"
  check "${name}_check" 0 "$binary" check --policies "$repo"
  lacks "${name}_check_warnings" "$work/err" "warning"
  contains "${name}_check_frameworks" "$work/out" "4 frameworks"
  check "${name}_test" 0 "$binary" test --policies "$repo" --coverage-min 100
  rules=$(grep -o 'rule coverage: [0-9]* of [0-9]* rules exercised' "$work/out" | grep -o 'of [0-9]*' | cut -c4-)
  contains "${name}_test_both" "$work/out" "${rules} reached both pass and fail"
done

# Without the catalogs, the device templates' controls do not resolve.
mkdir -p "$work/devices-alone"
cp "$root/rules/devices/"*.yaml "$work/devices-alone/"
check devices_without_frameworks 2 "$binary" check --policies "$work/devices-alone"
contains devices_without_frameworks_code "$work/err" "error SG305: control reference 'iec62443-3-3:SR-1.8' names unknown framework 'iec62443-3-3'"
finish shipped_rules
