#!/usr/bin/env bash
# `stagegate drift compare` end to end with the real binary on the small CSV
# fixtures of tests/data/drift/compare: the table, JSON, --columns (names and
# ref:cur pairs), sentinels, forced tests, and bad input with exit code 2.
#   drift_compare_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
data="$root/tests/data/drift/compare"
lines() {  # lines NAME FILE COUNT
  local n; n=$(wc -l <"$2")
  if [ "$n" = "$3" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $1: $n lines in $(basename "$2"), expected $3"; fi
}
cd "$data" || exit 1

# Every shared column, tests chosen automatically (400 reference rows: tests).
check table 0 "$binary" drift compare reference.csv current.csv --sentinel -999
contains header "$work/out" "column       test       statistic  p-value    effect            threshold  drifted  missing ref→cur"
contains temperature_ks "$work/out" "temperature  ks         0.1767     3.896e-05  0.1767 ks_d       0.05       yes      0.00%→0.00%"
contains pressure_stable "$work/out" "pressure     ks         0.07667    0.2546     0.07667 ks_d      0.05       no"
contains mode_chisquare "$work/out" "mode         chisquare  127        2.628e-28  0.4601 cramers_v  0.05       yes"
contains door_z "$work/out" "door         z          4.925      8.451e-07  0.3765 cohens_h   0.05       yes"
contains humidity_sentinels "$work/out" "4.00%→12.00% shifted"
contains summary "$work/out" "3 of 5 columns drifted (share 0.6)"
lines table_lines "$work/out" 7
# Without --sentinel, -999 is a value: no missingness shift but a big KS.
check no_sentinel 0 "$binary" drift compare reference.csv current.csv --columns humidity
contains humidity_unmasked "$work/out" "1.75%→0.67%"
contains one_column "$work/out" "of 1 columns drifted"

# JSON: every field, the column name, the summary.
check json 0 "$binary" drift compare reference.csv current.csv --sentinel -999 --json
contains json_column "$work/out" '"column": "temperature"'
contains json_total "$work/out" '"total": 5'
contains json_drifted "$work/out" '"drifted": 3'
contains json_share "$work/out" '"share": 0.6'
contains json_test "$work/out" '"test": "chisquare"'
contains json_effect "$work/out" '"effect_measure": "cohens_h"'
contains json_sentinel_count "$work/out" '"sentinel": 34'
contains json_digest "$work/out" '"reference_digest": "sha256:'
contains json_cohens_d "$work/out" '"cohens_d": '
contains json_auto "$work/out" '"chosen_automatically": true'

# A pair of differently named columns; a quoted header with a comma.
check pair 0 "$binary" drift compare reference.csv renamed.csv --columns temperature:temp_c
contains pair_row "$work/out" "temperature:temp_c  ks"
contains pair_summary "$work/out" "0 of 1 columns drifted (share 0)"
check quoted_categorical 0 "$binary" drift compare renamed.csv renamed.csv --json
contains quoted_name "$work/out" '"column": "site, name"'
contains quoted_identical "$work/out" '"drifted": 0'

# A column numeric in REF and text in CUR is compared as text: a new
# category is drift.
printf 'door\n1\n0\nopen\n0\n' >"$work/mixed.csv"
check mixed_types 0 "$binary" drift compare reference.csv "$work/mixed.csv" --columns door
contains mixed_chisquare "$work/out" "door    chisquare  inf        0        inf cramers_v"
contains mixed_drifted "$work/out" "1 of 1 columns drifted"

# A forced test and threshold: marked with '*', distances compare with >=.
check forced 0 "$binary" drift compare reference.csv current.csv --columns temperature,mode --test psi \
  --threshold 0.26 --binning sturges
contains forced_psi "$work/out" "temperature  psi*  0.2507"
contains forced_no "$work/out" "0.26       no"
contains forced_summary "$work/out" "1 of 2 columns drifted (share 0.5)"

# Bad input: one line naming the file (and line) and what to do, exit 2.
check ragged 2 "$binary" drift compare reference.csv ragged.csv
contains ragged_message "$work/err" "error: ragged.csv:3: the row has 1 field but the header has 2; fix the row, or quote fields that contain commas"
check unknown_column 2 "$binary" drift compare reference.csv current.csv --columns temperature,nope
contains unknown_message "$work/err" "error: reference.csv:1: no column named 'nope' (the header has: temperature, pressure, mode, door, humidity); check --columns"
check unknown_pair 2 "$binary" drift compare reference.csv renamed.csv --columns temperature:temp
contains unknown_pair_message "$work/err" "error: renamed.csv:1: no column named 'temp' (the header has: temp_c, site, name); check --columns"
check no_shared 2 "$binary" drift compare reference.csv renamed.csv
contains no_shared_message "$work/err" "name the pairs with --columns REF_NAME:CUR_NAME"
check missing_file 2 "$binary" drift compare reference.csv "$work/nothing.csv"
contains missing_message "$work/err" "nothing.csv: cannot open the file (No such file or directory); check the path and its permissions"
: >"$work/empty.csv"
check empty_file 2 "$binary" drift compare "$work/empty.csv" current.csv
contains empty_message "$work/err" "empty.csv:1: the file is empty; a CSV needs a header row naming its columns"
check bad_test 2 "$binary" drift compare reference.csv current.csv --test t
contains bad_test_message "$work/err" "error: --test: unknown test 't'; use auto, ks, chisquare, z, wasserstein, jensenshannon or psi"
lines one_line_error "$work/err" 1

# A header-only current file: every column is reported, not evaluable.
head -1 current.csv >"$work/header.csv"
check header_only 0 "$binary" drift compare reference.csv "$work/header.csv" --columns temperature
contains not_evaluable "$work/out" "temperature: not evaluable: the current sample has no finite values"
contains not_evaluable_row "$work/out" "n/a"
lacks no_drift_claim "$work/out" "1 of 1"

finish "drift_compare_flow"
