#!/usr/bin/env bash
# Data contracts end to end with the real binary: a gzip CSV of a small
# simulated fleet with known faults is ingested, then the shipped example
# contract (ODCS v3.1 + time-series extension) and policies judge it through
# `stagegate gate --store --inventory`.
#   contracts_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
export STAGEGATE_EVIDENCE="$work/evidence/evidence.db"
fleet="$root/tests/data/fleet"

check ingest 0 "$binary" ingest --store "$work/fleet.db" "$fleet/telemetry.csv.gz" --time-format epoch-s
contains ingest_counts "$work/out" "15,600 samples accepted"

check check_contracts 0 "$binary" check --policies "$root/policies/examples"
contains check_counts_contract "$work/out" "1 data contract"

gate=(gate --policies "$root/policies/examples" --store "$work/fleet.db" --inventory "$fleet/devices.yaml"
      --window 30m --at 2025-06-01T00:00:00Z --format json,sarif --out "$work/gate")
check gate 1 "$binary" "${gate[@]}"
d="$work/gate/decision.json"
# The faults the fleet was built with, found by the contract's generated rules.
contains silence_gap "$work/err" "contract-fleet-telemetry/temperature.max-gap stream/d-2/temperature: fail: longest gap 201 s"
contains silence_missing "$work/err" "contract-fleet-telemetry/vibration.missingvalues stream/d-2/vibration: fail: missing samples 11.1111%"
contains sentinels_missing "$work/err" "contract-fleet-telemetry/temperature.missingvalues stream/d-3/temperature: fail: missing samples 2.5%"
contains stuck_vibration "$d" "one value repeated for 899 s; the contract allows less than 600 s"
# Healthy streams pass, and hand-written policies read the same computed facts.
lacks healthy_d1 "$work/err" "stream/d-1/"
contains custom_rule "$d" '"rule": "telemetry-contracts/data.stream.missingness"'
contains evidence_of_fact "$d" '"stream.quality.missing_ratio": 0.11111111111111116'
contains lineage "$d" '"path": "'"$work/fleet.db"'"'
# SARIF points into the contract file, at the quality rule's line.
contains sarif_location "$work/gate/findings.sarif" '"uri": "policies/examples/contracts/fleet-telemetry.odcs.yaml"'
contains evidence_recorded "$work/err" "evidence: run"

# The same fleet with its inventory as CSV gives the same decision.
check gate_csv_inventory 1 "$binary" gate --policies "$root/policies/examples" --store "$work/fleet.db" \
  --inventory "$fleet/devices.csv" --window 30m --at 2025-06-01T00:00:00Z --no-evidence --out "$work/gate_csv"
if diff <(grep -v '"started_at"\|"finished_at"\|"sha256"\|"path"' "$d") \
        <(grep -v '"started_at"\|"finished_at"\|"sha256"\|"path"' "$work/gate_csv/decision.json") >/dev/null; then
  passed=$((passed + 1))
else failed=$((failed + 1)); echo "FAIL the CSV inventory gives another decision"; fi

# A window after the data: nothing was received, so facts are absent and the
# rules not_evaluable (never judged on a made-up zero).
check empty_window 1 "$binary" gate --policies "$root/policies/examples" --store "$work/fleet.db" \
  --inventory "$fleet/devices.yaml" --window 2025-07-01T00:00:00Z/2025-07-02T00:00:00Z --at 2025-07-02T00:00:00Z --no-evidence
contains empty_window_not_evaluable "$work/err" "not_evaluable"

# Mistakes: a broken contract, a bad window, a missing store or inventory.
check bad_contract 2 "$binary" check --policies "$root/tests/data/contracts_bad"
contains bad_contract_operator "$work/err" "bad.odcs.yaml:9:13: error SG805: quality rule for 'missingValues' has no operator"
contains bad_contract_number "$work/err" "bad.odcs.yaml:13:22: error SG802: 'maxGapS' must be a number"
check bad_window 2 "$binary" gate --policies "$root/policies/examples" --store "$work/fleet.db" --window yesterday --no-evidence
contains bad_window_message "$work/err" "--window yesterday"
check missing_store 2 "$binary" gate --policies "$root/policies/examples" --store "$work/none.db" --no-evidence
contains missing_store_message "$work/err" "$work/none.db"
check missing_inventory 2 "$binary" gate --policies "$root/policies/examples" --store "$work/fleet.db" \
  --inventory "$work/none.yaml" --no-evidence
contains missing_inventory_message "$work/err" "cannot read the inventory"
check nothing_to_judge 2 "$binary" gate --policies "$root/policies/examples" --no-evidence
contains nothing_to_judge_message "$work/err" "nothing to judge"

# An ingest killed with SIGKILL at random moments stores all of its file or
# nothing of it: after each kill the store holds 0 or exactly 172,800
# samples (in its blocks and its stream totals), and the ingest that
# finally completes stores every sample, none counted as already stored.
check simulate 0 "$binary" simulate --out "$work/sim" --seed 3 --devices 4 --days 0.1 --faults none
for delay in 0.01 0.03 0.06 0.1 0.15 0.25 0.4; do
  timeout -s KILL "$delay" "$binary" ingest --store "$work/killed.db" "$work/sim/telemetry.csv" >/dev/null 2>&1
  if [ -f "$work/killed.db" ]; then
    # Both sums from one snapshot, waiting out a lock instead of reading a
    # failed query as 0 samples; a store killed before its tables exist holds 0.
    if counts=$(sqlite3 -cmd ".timeout 10000" "$work/killed.db" \
      "SELECT (SELECT coalesce(sum(samples), 0) FROM blocks) || ' ' || (SELECT coalesce(sum(samples), 0) FROM streams)" \
      2>"$work/killed.err"); then
      read -r stored totals <<<"$counts"
    elif grep -q "no such table" "$work/killed.err"; then
      stored=0 totals=0
    else
      stored="?" totals="?"; cat "$work/killed.err"
    fi
    if { [ "$stored" = 0 ] || [ "$stored" = 172800 ]; } && [ "$stored" = "$totals" ]; then passed=$((passed + 1)); else
      failed=$((failed + 1)); echo "FAIL killed ingest after ${delay}s left $stored samples in blocks, $totals in totals"
    fi
  fi
  if [ "${stored:-0}" = 172800 ]; then break; fi
done
check ingest_after_kills 0 "$binary" ingest --store "$work/killed.db" "$work/sim/telemetry.csv"
if grep -q "already ingested" "$work/out"; then passed=$((passed + 1)); else
  contains ingest_after_kills_whole "$work/out" "172,800 samples accepted"
fi
[ "$(sqlite3 "$work/killed.db" "SELECT sum(samples) FROM blocks")" = 172800 ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL the store does not hold the file exactly once"; }

finish
