#!/usr/bin/env bash
# `stagegate audit` with the real binary: a fleet with three IEC 62443 zones
# is audited; the report folder holds every output, the run is in the signed
# log (and verifies), the OSCAL results name it, the coverage says which
# controls are satisfied and which no rule covers; bad command lines get a
# clear error and exit 2, and an audit-stage-free policy set judges nothing.
#   audit_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
export STAGEGATE_EVIDENCE="$work/log/evidence.db"
audit=(audit --policies "$root/tests/data/zones/policies" --input "$root/tests/data/zones/fleet/fleet.yaml"
       --at 2027-01-01T00:00:00Z)

check audit 1 "$binary" "${audit[@]}" --out "$work/report"
contains audit_decision "$work/err" "audit: DENY (fail-on low, evaluated at 2027-01-01T00:00:00Z)"
contains audit_coverage_line "$work/err" "iec62443-3-3: 7 controls: 2 satisfied, 4 not satisfied, 0 partially (waived), 1 no evidence (1 with no rule)"
contains audit_recorded "$work/err" "recorded in $STAGEGATE_EVIDENCE at position 0"
for file in report.json report.html findings.sarif junit.xml summary.md oscal-assessment-results.json; do
  [ -s "$work/report/$file" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL missing $file"; }
done
[ -z "$(ls -A "$work/report" | grep '\.tmp$')" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL temporary files left"; }
contains report_schema "$work/report/report.json" '"schemaVersion": "stagegate.audit/v1"'
contains report_kind "$work/report/report.json" '"kind": "audit"'
contains report_gap "$work/report/report.json" '"gap": true'
contains report_status "$work/report/report.json" '"status": "not_satisfied"'
contains report_rule_counts "$work/report/report.json" '"not_applicable": 0'
contains summary_coverage "$work/report/summary.md" "### Framework coverage"
contains summary_offenders "$work/report/summary.md" "### Worst offenders"
contains report_rollups "$work/report/report.json" "\"worst_offenders\""
contains summary_gaps "$work/report/summary.md" "No rule covers 1 of 7 controls: SR-3.3-RE-1"
contains html_decision "$work/report/report.html" '<span class="badge deny">DENY</span>'
contains html_chart "$work/report/report.html" '<svg role="img"'
contains html_verify "$work/report/report.html" "stagegate evidence prove"
lacks html_no_script "$work/report/report.html" "<script"
contains oscal_version "$work/report/oscal-assessment-results.json" '"oscal-version": "1.0.4"'
run_id=$(sed -nE 's/.*run ([0-9a-f-]{36}) recorded.*/\1/p' "$work/err")
contains oscal_names_run "$work/report/oscal-assessment-results.json" "$run_id"
# Passing outcomes are counted, not listed: the failures are.
lacks report_lists_no_pass "$work/report/report.json" '"outcome": "pass"'
contains report_lists_failures "$work/report/report.json" '"outcome": "fail"'

check verify 0 "$binary" evidence verify
# The audit closes the log before it exits: its file alone holds the run.
mkdir -p "$work/log-copy" && cp "$STAGEGATE_EVIDENCE" "$work/log-copy/evidence.db"
check verify_file_alone 0 "$binary" evidence verify --evidence "$work/log-copy/evidence.db" --pubkey "$work/log/signing.pub"
contains verify_file_alone_runs "$work/out" "evidence log intact: 1 runs"
check show 0 "$binary" evidence show "$run_id"
contains show_kind "$work/out" "audit"

# A second audit after b-2's firmware was fixed and a-1's certificate broke.
sed -e 's/id: b-2, zone: cell-b, cert_valid: true, cert_names_device: true, firmware_signed: false/id: b-2, zone: cell-b, cert_valid: true, cert_names_device: true, firmware_signed: true/' \
    -e 's/id: a-1, zone: cell-a, cert_valid: true/id: a-1, zone: cell-a, cert_valid: false/' \
    "$root/tests/data/zones/fleet/fleet.yaml" > "$work/fleet2.yaml"
check audit_again 1 "$binary" audit --policies "$root/tests/data/zones/policies" --input "$work/fleet2.yaml" \
  --at 2027-01-08T00:00:00Z --out "$work/report-next"
contains trend_line "$work/err" "since the previous audit (run ${run_id:0:8}, evaluated at 2027-01-01T00:00:00Z): 2 new, 2 fixed, 2 still failing"
contains trend_json "$work/report-next/report.json" '"previous_run"'
contains trend_new "$work/report-next/summary.md" "ot/device-identity device/a-1 (fail)"
contains trend_fixed "$work/report-next/summary.md" "ot/firmware-signed device/b-2 (fail)"

check no_evidence 1 "$binary" "${audit[@]}" --out "$work/report2" --no-evidence
contains no_oscal_note "$work/err" "no oscal-assessment-results.json"
[ ! -e "$work/report2/oscal-assessment-results.json" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL oscal without a record"; }

check allow 0 "$binary" "${audit[@]}" --out "$work/report3" --no-evidence --fail-on critical
check no_out 2 "$binary" audit --policies "$root/tests/data/zones/policies" --input "$root/tests/data/zones/fleet/fleet.yaml"
contains no_out_says "$work/err" "--out is required"
check bad_fail_on 2 "$binary" "${audit[@]}" --out "$work/r4" --fail-on severe
contains bad_fail_on_says "$work/err" "unknown severity"
: > "$work/blocker"
check out_is_file 2 "$binary" "${audit[@]}" --out "$work/blocker" --no-evidence
contains out_is_file_says "$work/err" "cannot create the directory"
check nothing_to_judge 2 "$binary" audit --policies "$root/tests/data/zones/policies" --out "$work/r5"
contains nothing_says "$work/err" "nothing to judge"

finish audit_flow
