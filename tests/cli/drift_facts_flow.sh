#!/usr/bin/env bash
# Stream drift facts end to end with the real binary: a small simulated fleet
# is ingested, its first hour becomes a baseline (with site cohorts), and the
# shipped retraining-trigger template and a cohort policy judge the next hour
# through `stagegate gate`.
#   drift_facts_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
export STAGEGATE_EVIDENCE="$work/evidence/evidence.db"

check simulate 0 "$binary" simulate --out "$work/fleet" --seed 11 --devices 4 --days 0.1
check ingest 0 "$binary" ingest --store "$work/t.db" "$work/fleet/telemetry.csv"
first=2024-03-01T00:00:00Z/2024-03-01T01:00:00Z
second=2024-03-01T01:00:00Z/2024-03-01T02:00:00Z
check baseline 0 "$binary" baseline create --store "$work/t.db" --window "$first" --inventory "$work/fleet/devices.yaml" \
  --cohort-by site --out fleet-reference
fleet=(--store "$work/t.db" --inventory "$work/fleet/devices.yaml" --window "$second" --at 2024-03-01T02:00:00Z)

# The shipped template, beside the framework catalogs its controls name:
# every judged input stream names the test, the effect and the baseline with its digest.
drift_pack="$work/drift-pack"
mkdir -p "$drift_pack" && cp "$root/rules/drift/"*.yaml "$root/policies/frameworks/"*.yaml "$drift_pack/"
digest=$("$binary" baseline show fleet-reference --store "$work/t.db" | grep -o 'sha256:[0-9a-f]\{64\}' | head -n 1)
check retraining_gate 1 "$binary" gate --policies "$drift_pack" "${fleet[@]}" --format json --out "$work/gate"
contains retraining_message "$work/gate/decision.json" "drifted from baseline fleet-reference ($digest)"
contains retraining_facts "$work/gate/decision.json" '"stream.drift.drifted": true'
cat "$work/out" "$work/err" >"$work/both"
contains retraining_not_applicable "$work/both" "not_applicable"
check evidence_show 0 "$binary" evidence list --json
contains evidence_recorded "$work/out" '"decision": "deny"'

# Cohorts, the fleet share and the online detectors, read by inline rules.
mkdir -p "$work/cohorts"
cat >"$work/cohorts/policy.yaml" <<'EOF'
apiVersion: stagegate/v1
kind: Policy
metadata: {name: cohorts}
spec:
  enforcement: deny
  drift: {baseline: fleet-reference, correction: bonferroni, alpha: 0.01, minSamples: 100}
  rules:
    - id: cohort
      subject: stream
      assert: "!stream.drift.cohort.drifted"
      messageExpression: >-
        stream.drift.cohort.name + " adjusted p " + string(stream.drift.cohort.adjusted_p_value) +
        " of " + string(stream.drift.cohort.streams) + " streams"
    - id: share
      subject: stream
      assert: stream.drift.fleet.share <= 1.0 && stream.drift.fleet.streams == 4
    - id: online
      subject: stream
      assert: "!stream.drift.online.detected || stream.drift.online.at >= timestamp('2024-03-01T01:00:00Z')"
    - id: sizes
      subject: stream
      assert: stream.drift.reference_size > 0 && stream.drift.current_size > 3000 && stream.drift.ks.p_value >= 0.0 && stream.drift.bins >= 1 && stream.drift.binning == "quantile"
EOF
check cohort_gate 1 "$binary" gate --policies "$work/cohorts" "${fleet[@]}" --no-evidence --format json --out "$work/cg"
contains cohort_name "$work/cg/decision.json" "site=plant-"
contains cohort_adjusted "$work/cg/decision.json" "adjusted p "
cat "$work/out" "$work/err" >"$work/both"
contains share_passes "$work/both" " pass,"
# The share and size rules alone must all pass (exit 0: allow).
mkdir -p "$work/sizes"
awk '/- id: cohort/{skip=1} /- id: share/{skip=0} /- id: online/{skip=1} /- id: sizes/{skip=0} !skip' \
  "$work/cohorts/policy.yaml" >"$work/sizes/policy.yaml"
check sizes_and_share 0 "$binary" gate --policies "$work/sizes" "${fleet[@]}" --no-evidence
cat "$work/out" "$work/err" >"$work/both"
contains sizes_and_share_pass "$work/both" "40 pass, 0 fail"

# Too few current values: not_evaluable, never a pass.
sed 's/minSamples: 100/minSamples: 100000/' "$work/cohorts/policy.yaml" >"$work/cohorts/strict.yaml"
mkdir -p "$work/strict" && mv "$work/cohorts/strict.yaml" "$work/strict/policy.yaml"
check min_samples 1 "$binary" gate --policies "$work/strict" "${fleet[@]}" --no-evidence
cat "$work/out" "$work/err" >"$work/both"
contains min_samples_not_evaluable "$work/both" "not_evaluable"

# An unknown baseline stops the run and lists the store's baselines.
mkdir -p "$work/unknown"
sed 's/baseline: fleet-reference/baseline: winter/' "$work/cohorts/policy.yaml" >"$work/unknown/policy.yaml"
check unknown_baseline 2 "$binary" gate --policies "$work/unknown" "${fleet[@]}" --no-evidence
contains unknown_baseline_message "$work/err" "winter"
contains unknown_baseline_lists "$work/err" "fleet-reference"

# Two policies with different drift settings: one run, one baseline.
cp "$work/unknown/policy.yaml" "$work/cohorts/other.yaml"
sed -i 's/name: cohorts/name: other/' "$work/cohorts/other.yaml"
check conflicting_settings 2 "$binary" gate --policies "$work/cohorts" "${fleet[@]}" --no-evidence
contains conflicting_message "$work/err" "different drift settings"
rm "$work/cohorts/other.yaml"

# Reading a drift fact with no baseline named: an error outcome that says what to do.
mkdir -p "$work/unnamed"
grep -v '  drift:' "$work/cohorts/policy.yaml" >"$work/unnamed/policy.yaml"
check unnamed_baseline 1 "$binary" gate --policies "$work/unnamed" "${fleet[@]}" --no-evidence --format json --out "$work/un"
contains unnamed_message "$work/un/decision.json" "no policy names a drift baseline"

# Bad drift settings are load errors with their position.
mkdir -p "$work/bad"
sed 's/correction: bonferroni/correction: holm/' "$work/cohorts/policy.yaml" >"$work/bad/policy.yaml"
check bad_settings 2 "$binary" check --policies "$work/bad"
cat "$work/out" "$work/err" >"$work/both"
contains bad_settings_code "$work/both" "policy.yaml:6:"
contains bad_settings_hint "$work/both" "SG307"

# The shipped template's own PolicyTest.
check template_test 0 "$binary" test --policies "$drift_pack"

finish
