#!/usr/bin/env bash
# `stagegate report` with the real binary: an audit and a gate are recorded
# in one log, then rendered again from it alone; the outputs must be the
# bytes the commands wrote. A prefix of the run id works, an unknown or too
# short one exits 2 with a message, and a second audit's report, rendered
# again, still shows the trend against the first; personal data comes back
# as the pseudonyms the log keeps.
#   report_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
export STAGEGATE_EVIDENCE="$work/log/evidence.db"
zones="$root/tests/data/zones"
audit=(audit --policies "$zones/policies" --at 2027-01-01T00:00:00Z)

same() {  # same NAME FILE_A FILE_B
  if cmp -s "$2" "$3"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $1: $(cmp "$2" "$3" 2>&1)"; diff "$2" "$3" | cut -c1-160 | head -6; fi
}
run_id_of() { sed -nE 's/.*run ([0-9a-f-]{36}) recorded.*/\1/p' "$work/err"; }

check audit 1 "$binary" "${audit[@]}" --input "$zones/fleet/fleet.yaml" --out "$work/audit"
audit_id=$(run_id_of)
check report_audit 0 "$binary" report "$audit_id" --out "$work/again"
contains report_names_run "$work/err" "report: audit run $audit_id (position 0 of $STAGEGATE_EVIDENCE, leaf hash"
# Every file but the OSCAL document, which gets its own UUID and generation
# time each time it is made; its content about the run is checked below.
for file in report.json report.html summary.md findings.sarif junit.xml; do
  same "audit_$file" "$work/audit/$file" "$work/again/$file"
done
[ -s "$work/again/oscal-assessment-results.json" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL no OSCAL"; }
contains oscal_names_run "$work/again/oscal-assessment-results.json" "$audit_id"
# The document's own UUID (its first) and its generation time are blanked;
# everything it says about the run must match.
strip_oscal_instance() {
  local uuid; uuid=$(grep -m1 -oE '"uuid": "[0-9a-f-]{36}"' "$1" | cut -d'"' -f4)
  sed -E -e "s/$uuid/DOCUMENT-UUID/g" -e 's/"(published|last-modified)": "[^"]*"/"\1": "TIME"/' "$1"
}
strip_oscal_instance "$work/audit/oscal-assessment-results.json" > "$work/oscal-a"
strip_oscal_instance "$work/again/oscal-assessment-results.json" > "$work/oscal-b"
same oscal_content "$work/oscal-a" "$work/oscal-b"
[ -z "$(ls -A "$work/again" | grep '\.tmp$')" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL temporary files left"; }

check report_prefix 0 "$binary" report "${audit_id:0:8}" --out "$work/prefix"
same prefix_report "$work/audit/report.json" "$work/prefix/report.json"
check report_unknown 2 "$binary" report ffffffff --out "$work/unknown"
contains unknown_says "$work/err" "no run ffffffff in the evidence log"
[ ! -e "$work/unknown" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL folder made for an unknown run"; }
check report_too_short 2 "$binary" report ab --out "$work/short"
contains too_short_says "$work/err" "too short"
check report_no_out 2 "$binary" report "$audit_id"
contains no_out_says "$work/err" "--out is required"
check report_no_log 2 "$binary" report "$audit_id" --out "$work/x" --evidence "$work/nowhere/evidence.db"

check gate 1 "$binary" gate --policies "$root/tests/data/gate/policies" --input "$root/tests/data/gate/inputs" \
  --at 2025-06-01T00:00:00Z --format json,sarif,junit,markdown --out "$work/gate"
gate_id=$(run_id_of)
check report_gate 0 "$binary" report "$gate_id" --out "$work/gate-again"
contains report_names_gate "$work/err" "report: gate run $gate_id (position 1"
for file in decision.json findings.sarif junit.xml summary.md; do
  same "gate_$file" "$work/gate/$file" "$work/gate-again/$file"
done

# A second audit after b-2's firmware was fixed and a-1's certificate broke.
sed -e 's/id: b-2, zone: cell-b, cert_valid: true, cert_names_device: true, firmware_signed: false/id: b-2, zone: cell-b, cert_valid: true, cert_names_device: true, firmware_signed: true/' \
    -e 's/id: a-1, zone: cell-a, cert_valid: true/id: a-1, zone: cell-a, cert_valid: false/' \
    "$zones/fleet/fleet.yaml" > "$work/fleet2.yaml"
check audit_again 1 "$binary" audit --policies "$zones/policies" --input "$work/fleet2.yaml" \
  --at 2027-01-08T00:00:00Z --out "$work/audit2"
second_id=$(run_id_of)
# A third run makes the log move on: the second audit's trend is what it was.
check audit_third 1 "$binary" "${audit[@]}" --input "$zones/fleet/fleet.yaml" --out "$work/audit3"
check report_second 0 "$binary" report "$second_id" --out "$work/again2"
for file in report.json report.html summary.md; do same "trend_$file" "$work/audit2/$file" "$work/again2/$file"; done
contains trend_kept "$work/again2/summary.md" "Previous audit: run \`$audit_id\`"
contains trend_new "$work/again2/summary.md" "ot/device-identity device/a-1 (fail)"

# Personal data: the log keeps pseudonyms, so the outputs rendered again show
# them where the gate's own outputs showed the value.
personal_log="$work/personal/evidence.db"
check personal_gate 1 "$binary" gate --policies "$root/tests/data/evidence_personal/policies" \
  --input "$root/tests/data/evidence_personal/inputs" --at 2025-06-01T00:00:00Z --evidence "$personal_log" \
  --format json,markdown --out "$work/personal-gate"
personal_id=$(run_id_of)
contains personal_original_value "$work/personal-gate/decision.json" "Alice Example"
check personal_report 0 "$binary" report "$personal_id" --evidence "$personal_log" --out "$work/personal-again"
contains personal_note "$work/err" "this report shows them where the original showed the values"
lacks personal_no_value "$work/personal-again/decision.json" "Alice Example"
contains personal_pseudonym "$work/personal-again/decision.json" '"hmac-sha256:'

check verify 0 "$binary" evidence verify
contains verify_intact "$work/out" "evidence log intact: 4 runs"

# A record edited in the file no longer hashes to its leaf: nothing is rendered.
cp "$personal_log" "$work/tampered.db"
sqlite3 "$work/tampered.db" "UPDATE runs SET record = CAST(replace(CAST(record AS TEXT), '\"deny\"', '\"allow\"') AS BLOB)"
check report_tampered 1 "$binary" report "$personal_id" --evidence "$work/tampered.db" --out "$work/tampered"
contains tampered_says "$work/err" "does not match its leaf hash"
[ ! -e "$work/tampered/decision.json" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL tampered run rendered"; }

finish report_flow
