#!/usr/bin/env bash
# The evidence log as its users meet it, with the real binary: gate runs are
# recorded, listed, shown, proved, checked without the database, exported;
# then the file is tampered with and every check must say so.
#   evidence_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
export STAGEGATE_EVIDENCE="$work/log/evidence.db"
gate=(gate --policies "$root/tests/data/gate/policies" --input "$root/tests/data/gate/inputs" --at 2025-06-01T00:00:00Z)

check keys_init 0 "$binary" keys init --out "$work/keys"
contains keys_init_prints_id "$work/out" "key id:"
[ "$(stat -c %a "$work/keys/signing.key")" = 600 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL key mode"; }
check keys_init_refuses_overwrite 2 "$binary" keys init --out "$work/keys"
contains keys_init_names_file "$work/err" "$work/keys/signing.key"

for i in 1 2 3; do check "gate_$i" 1 "$binary" "${gate[@]}" --signing-key "$work/keys/signing.key"; done
check gate_allow 0 "$binary" "${gate[@]}" --fail-on critical --signing-key "$work/keys/signing.key"
contains gate_names_run "$work/err" "recorded in $STAGEGATE_EVIDENCE at position 3"
check gate_other_key 2 "$binary" "${gate[@]}" --signing-key "$work/log/signing.key.missing"

# Gate outputs go through temporary files renamed into place: every format
# is written whole, and one that cannot be placed leaves no partial file.
check gate_outputs 1 "$binary" "${gate[@]}" --no-evidence --format json,sarif,junit,markdown --out "$work/gate-out"
for file in decision.json findings.sarif junit.xml summary.md; do
  [ -s "$work/gate-out/$file" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL gate output $file"; }
done
[ -z "$(find "$work/gate-out" -name '*.tmp')" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL gate left a temporary file"; }
mkdir -p "$work/gate-blocked/findings.sarif/occupied"
check gate_output_blocked 2 "$binary" "${gate[@]}" --no-evidence --format json,sarif --out "$work/gate-blocked"
contains gate_output_blocked_names_file "$work/err" "$work/gate-blocked/findings.sarif: cannot write the file"
[ -z "$(find "$work/gate-blocked" -name '*.tmp')" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL a blocked output left a temporary file"; }
: > "$work/gate-out-file"
check gate_out_is_file 2 "$binary" "${gate[@]}" --no-evidence --out "$work/gate-out-file"
contains gate_out_is_file_says "$work/err" "cannot create the directory"

check list 0 "$binary" evidence list
contains list_count "$work/out" "4 run(s)"
check list_deny 0 "$binary" evidence list --decision deny --json
[ "$(grep -c '"runId"' "$work/out")" = 3 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL list --decision"; }
run_id=$(grep -m1 '"runId"' "$work/out" | sed -E 's/.*: "([^"]+)".*/\1/')
check list_policy 0 "$binary" evidence list --policy device-hygiene
contains list_policy_count "$work/out" "4 run(s)"

check show 0 "$binary" evidence show "${run_id:0:8}"
contains show_commit "$work/out" "commit:"
contains show_finding "$work/out" "stream.quality.missing_ratio = 0.031"
check show_json 0 "$binary" evidence show "$run_id" --json
cp "$work/out" "$work/record.json"
check show_unknown 2 "$binary" evidence show ffffffff

check verify 0 "$binary" evidence verify --pubkey "$work/keys/signing.pub"
contains verify_intact "$work/out" "evidence log intact: 4 runs, 4 signed checkpoints"
check verify_without_key 0 "$binary" evidence verify
contains verify_notes_key "$work/err" "pass --pubkey"

check prove 0 "$binary" evidence prove "$run_id"
cp "$work/out" "$work/proof.json"
check verify_proof 0 "$binary" evidence verify-proof --proof "$work/proof.json" --pubkey "$work/keys/signing.pub" --record "$work/record.json"
contains verify_proof_valid "$work/out" "proof valid: run $run_id is leaf 0"
"$binary" keys init --out "$work/other" >/dev/null
check verify_proof_other_key 1 "$binary" evidence verify-proof --proof "$work/proof.json" --pubkey "$work/other/signing.pub"
sed 's/"decision\\":\\"deny/"decision\\":\\"allow/' "$work/proof.json" > "$work/forged.json"
check verify_proof_forged_entry 1 "$binary" evidence verify-proof --proof "$work/forged.json" --pubkey "$work/keys/signing.pub"
sed 's/"decision": "deny"/"decision": "allow"/' "$work/record.json" > "$work/forged-record.json"
check verify_proof_other_record 1 "$binary" evidence verify-proof --proof "$work/proof.json" --pubkey "$work/keys/signing.pub" --record "$work/forged-record.json"

check consistency 0 "$binary" evidence consistency 2
old_root=$(grep -m1 '"oldRoot"' "$work/out" | sed -E 's/.*: "([^"]+)".*/\1/')
check consistency_kept_root 0 "$binary" evidence consistency 2 --old-root "$old_root"
check consistency_wrong_root 1 "$binary" evidence consistency 2 --old-root "$(printf '%064d' 0)"
check consistency_bad_size 2 "$binary" evidence consistency 9

check export_intoto 0 "$binary" evidence export "$run_id" --format intoto --signing-key "$work/keys/signing.key" --out "$work/run.intoto.json"
contains export_intoto_type "$work/run.intoto.json" '"payloadType": "application/vnd.in-toto+json"'
check export_intoto_other_key 2 "$binary" evidence export "$run_id" --format intoto --signing-key "$work/other/signing.key"
contains export_intoto_names_key "$work/err" "is not the log's key"
check export_oscal 0 "$binary" evidence export "$run_id" --format oscal --out "$work/run.oscal.json"
check export_oscal_validates 0 node "$root/tests/reports/validate_json_schema.mjs" \
  "$root/tests/data/oscal/oscal_assessment-results_schema-1.0.4.json" "$work/run.oscal.json"
check export_bad_format 2 "$binary" evidence export "$run_id" --format pdf

# Tampering: one byte of a stored record, then verification and proofs.
cp "$STAGEGATE_EVIDENCE" "$work/pristine.db"
sqlite3 "$STAGEGATE_EVIDENCE" "UPDATE runs SET record = CAST(replace(CAST(record AS TEXT), '0.031', '0.021') AS BLOB) WHERE sequence = 1"
check verify_tampered 1 "$binary" evidence verify --pubkey "$work/keys/signing.pub"
contains verify_names_run "$work/out" "evidence log TAMPERED: edited content at position 1"
tampered_id=$("$binary" evidence list --json | grep '"runId"' | sed -n 2p | sed -E 's/.*: "([^"]+)".*/\1/')
check export_tampered_refused 1 "$binary" evidence export "$tampered_id" --format oscal
cp "$work/pristine.db" "$STAGEGATE_EVIDENCE"
sqlite3 "$STAGEGATE_EVIDENCE" "DELETE FROM runs WHERE sequence = 2"
check verify_deleted 1 "$binary" evidence verify --pubkey "$work/keys/signing.pub"
contains verify_names_missing "$work/out" "missing run at position 2"

# Personal data: a fact declared personal_data never reaches the log in clear,
# not in the evidence, the message or the deny reasons.
personal=(gate --policies "$root/tests/data/evidence_personal/policies" --input "$root/tests/data/evidence_personal/inputs"
          --at 2025-06-01T00:00:00Z --evidence "$work/personal/evidence.db")
check personal_gate 1 "$binary" "${personal[@]}"
contains personal_output_keeps_value "$work/err" "device assigned to Alice Example"
if sqlite3 "$work/personal/evidence.db" "SELECT record FROM runs" | grep -q "Alice"; then
  failed=$((failed + 1)); echo "FAIL personal data stored in clear"
else passed=$((passed + 1)); fi
check personal_show 0 "$binary" evidence show --evidence "$work/personal/evidence.db" "$("$binary" evidence list --json --evidence "$work/personal/evidence.db" | grep -m1 '"runId"' | sed -E 's/.*: "([^"]+)".*/\1/')"
contains personal_show_pseudonym "$work/out" 'device.owner_name = "hmac-sha256:'

# A full disk (a file-size limit, as ulimit -f) and a read-only store: a clear
# error and exit 2, and what was stored before still verifies.
cp "$work/pristine.db" "$STAGEGATE_EVIDENCE"
rm -f "$STAGEGATE_EVIDENCE-wal" "$STAGEGATE_EVIDENCE-shm"
if command -v prlimit >/dev/null; then
  check full_disk 2 prlimit --fsize=2048 "$binary" "${gate[@]}" --signing-key "$work/keys/signing.key"
  contains full_disk_message "$work/err" "$STAGEGATE_EVIDENCE"
  check full_disk_kept 0 "$binary" evidence verify --pubkey "$work/keys/signing.pub"
  contains full_disk_kept_runs "$work/out" "4 runs"
fi
# Root ignores file modes: run as an unprivileged user, with a copy of the
# binary that user can reach (the build folder may sit in a private folder).
user_binary=$binary
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$work")
  user_binary="$work/stagegate-for-user"
  cp "$binary" "$user_binary" && chmod 755 "$user_binary"
else
  as_user=()
fi
chmod 755 "$work" "$work/log" && chmod 444 "$STAGEGATE_EVIDENCE" && chmod 644 "$work/keys/signing.key"
cp -r "$root/tests/data/gate" "$work/gate-data" && chmod -R a+rX "$work/gate-data"
check read_only 2 "${as_user[@]}" "$user_binary" gate --policies "$work/gate-data/policies" \
  --input "$work/gate-data/inputs" --at 2025-06-01T00:00:00Z --signing-key "$work/keys/signing.key"
contains read_only_message "$work/err" "$STAGEGATE_EVIDENCE"
chmod 644 "$STAGEGATE_EVIDENCE"
check read_only_kept 0 "$binary" evidence verify --pubkey "$work/keys/signing.pub"

finish
