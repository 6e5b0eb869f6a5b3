#!/usr/bin/env bash
# Baselines end to end with the real binary: a small simulated fleet is
# ingested, then baselines are created (with cohorts, a stream selection and
# from a CSV training set), listed, shown, replaced, and bad inputs give
# exit 2 with one line naming the flag or file.
#   baseline_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
fleet="$root/tests/data/fleet"
store="$work/fleet.db"

check ingest 0 "$binary" ingest --store "$store" "$fleet/telemetry.csv.gz" --time-format epoch-s

# Per stream and per (site, sensor) cohort; d-3's temperature sentinel counted as missing.
create=(baseline create --store "$store" --window 30m --at 2025-06-01T00:00:00Z
        --inventory "$fleet/devices.yaml" --cohort-by site --sentinel -999 --out june)
check create 0 "$binary" "${create[@]}"
contains create_summary "$work/out" "baseline june: 9 streams, 6 cohorts (site x sensor), 15,600 values"
contains create_window "$work/out" "window 2025-05-31T23:30:00Z/2025-06-01T00:00:00Z"
grep -o 'sha256:[0-9a-f]*' "$work/out" >"$work/digest1"

check list 0 "$binary" baseline list --store "$store"
contains list_row "$work/out" "june"
check list_json 0 "$binary" baseline list --store "$store" --json
contains list_json_name "$work/out" '"name": "june"'
contains list_json_cohort "$work/out" '"cohort_field": "site"'

check show 0 "$binary" baseline show june --store "$store"
contains show_sentinel "$work/out" "stream/d-3/temperature"
contains show_missing "$work/out" "2.50%"
contains show_cohort "$work/out" "cohort/site=plant-a/temperature"
check show_json 0 "$binary" baseline show june --store "$store" --json
contains show_json_sentinel "$work/out" '"sentinel": 45'
contains show_json_quantiles "$work/out" '"p99":'

# The same name again: refused, then replaced; same data, same digest.
check duplicate 2 "$binary" "${create[@]}"
contains duplicate_message "$work/err" "a baseline named 'june' already exists"
contains duplicate_hint "$work/err" "--replace"
check replace 0 "$binary" "${create[@]}" --replace
grep -o 'sha256:[0-9a-f]*' "$work/out" >"$work/digest2"
if cmp -s "$work/digest1" "$work/digest2"; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL replace_digest: the same data gave another digest"; fi

# A selection of streams; inventory labels as cohort field (CSV inventory).
check select 0 "$binary" baseline create --store "$store" --window 2025-05-31T23:30:00Z/2025-06-01T00:00:00Z \
  --select sensor=temperature --select 'device=d-[12]' --out temps
contains select_summary "$work/out" "baseline temps: 2 streams, 0 cohorts"
check labels 0 "$binary" baseline create --store "$store" --window 30m --at 2025-06-01T00:00:00Z \
  --inventory "$fleet/devices.csv" --cohort-by labels.tier --out tiers
contains labels_summary "$work/out" "9 streams, 3 cohorts (labels.tier x sensor)"

# A CSV training set: numeric and categorical columns.
{
  echo "temperature,class,rpm"
  for i in $(seq 1 300); do echo "$((20 + i % 5)).5,$([ $((i % 3)) = 0 ] && echo fan || echo pump),$((1000 + i))"; done
} >"$work/train.csv"
check csv 0 "$binary" baseline create --csv "$work/train.csv" --columns temperature,class --store "$store" --out model-v1
contains csv_summary "$work/out" "baseline model-v1: 2 columns of"
check csv_show 0 "$binary" baseline show model-v1 --store "$store" --json
contains csv_categorical "$work/out" '"fan": 100'
contains csv_source "$work/out" '"source": "csv:'
check csv_new_store 0 "$binary" baseline create --csv "$work/train.csv" --store "$work/models.db" --out model-v1
contains csv_new_store_summary "$work/out" "3 columns"

check list_all 0 "$binary" baseline list --store "$store"
contains list_all_csv "$work/out" "model-v1"

# Bad input: exit 2, one line naming the flag or file and what to do.
check bad_window 2 "$binary" baseline create --store "$store" --window yesterday --out x
contains bad_window_message "$work/err" "--window yesterday"
check no_window 2 "$binary" baseline create --store "$store" --out x
contains no_window_message "$work/err" "--window is required"
check bad_select 2 "$binary" baseline create --store "$store" --window 30m --select zone=a --out x
contains bad_select_message "$work/err" "--select zone=a: write sensor=NAME"
check no_match 2 "$binary" baseline create --store "$store" --window 30m --select sensor=humidity --out x
contains no_match_message "$work/err" "none of its 9 streams matches --select sensor=humidity"
check cohort_alone 2 "$binary" baseline create --store "$store" --window 30m --cohort-by site --out x
contains cohort_alone_message "$work/err" "--cohort-by FIELD and --inventory FILE go together"
check bad_cohort 2 "$binary" baseline create --store "$store" --window 30m --inventory "$fleet/devices.yaml" \
  --cohort-by region --out x
contains bad_cohort_message "$work/err" "--cohort-by region: no device of"
check bad_sample 2 "$binary" baseline create --store "$store" --window 30m --sample-size 0 --out x
contains bad_sample_message "$work/err" "the sample size must be between 1 and"
check no_store 2 "$binary" baseline create --store "$work/missing.db" --window 30m --out x
contains no_store_message "$work/err" "missing.db: no telemetry store there"
check csv_and_window 2 "$binary" baseline create --csv "$work/train.csv" --window 30m --store "$store" --out x
contains csv_and_window_message "$work/err" "--csv builds a baseline from a training file"
check csv_bad_column 2 "$binary" baseline create --csv "$work/train.csv" --columns speed --store "$store" --out x
contains csv_bad_column_message "$work/err" "no column 'speed' (--columns); the file has: temperature, class, rpm"
check empty_window 2 "$binary" baseline create --store "$store" --window 24h --at 2020-01-01 --out x
contains empty_window_message "$work/err" "none of the 9 selected streams has samples in the window 2019-12-31T00:00:00Z/2020-01-01T00:00:00Z"
check show_unknown 2 "$binary" baseline show nope --store "$store"
contains show_unknown_message "$work/err" "no baseline named 'nope'; the store has: june, model-v1, temps, tiers"
check list_no_store 2 "$binary" baseline list --store "$work/missing.db"
contains list_no_store_message "$work/err" "missing.db: no such store"
# A failed create left nothing behind.
check list_after 0 "$binary" baseline list --store "$store" --json
if [ "$(grep -c '"name":' "$work/out")" = 4 ]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL list_after: expected 4 baselines"; cat "$work/out"; fi

# The telemetry store still takes ingests and judges as before.
check ingest_after 0 "$binary" ingest --store "$store" "$fleet/telemetry.csv.gz" --time-format epoch-s

finish "baseline flow"
