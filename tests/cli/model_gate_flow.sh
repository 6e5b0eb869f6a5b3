#!/usr/bin/env bash
# The model gate as a release pipeline meets it, with the real binary and the
# committed models: a release key made with OpenSSL signs the approved
# model's and the firmware's digests; `stagegate gate` runs the candidate and
# the deployed model on the golden dataset in process and judges the shipped
# templates (rules/models); then the model is tampered with, signed by an
# untrusted key, held to budgets it misses, and each failure must say why.
#   model_gate_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
models="$root/tests/data/models"
export STAGEGATE_EVIDENCE="$work/log/evidence.db"

# The policy repository: the shipped templates, the framework catalogs their
# controls name, a trusted key set and a device profile.
mkdir -p "$work/policies" "$work/inputs" "$work/keys"
cp "$root/rules/models/"*.yaml "$work/policies/" && rm "$work/policies/"*_test.yaml
cp "$root/policies/frameworks/"*.yaml "$work/policies/"
openssl genpkey -algorithm ed25519 -out "$work/keys/release.pem" 2>/dev/null
openssl pkey -in "$work/keys/release.pem" -pubout -out "$work/keys/release.pub"
{
  printf 'apiVersion: stagegate/v1\nkind: KeySet\nmetadata: {name: release}\nspec:\n  keys:\n'
  printf '    - id: release-2026\n      publicKey: |\n'
  sed 's/^/        /' "$work/keys/release.pub"
} >"$work/policies/keys.yaml"
cat >"$work/policies/profiles.yaml" <<'YAML'
apiVersion: stagegate/v1
kind: DeviceProfile
metadata: {name: edge-a53}
spec:
  cpuClass: cortex-a53
  memoryBudget: 256KiB
  opsets: {ai.onnx: 13}
  operators: [Sub, Div, Gemm, Relu, Sigmoid]
  latencyBudgetMs: 5
  latencyScale: 10
YAML

sign() {  # sign FILE KEY: base64 signature over the raw SHA-256 of FILE
  printf "$(sha256sum "$1" | cut -d' ' -f1 | sed 's/../\\x&/g')" >"$work/digest.bin"
  openssl pkeyutl -sign -rawin -inkey "$2" -in "$work/digest.bin" | base64 -w0
}
write_manifest() {  # write_manifest MODEL_FILE DIGEST SIGNATURE
  cat >"$work/inputs/rul.yaml" <<YAML
kind: model
id: rul-classifier
version: 2.0.0
file: $1
digest: sha256:$2
signature: {key: release-2026, value: "$3"}
task: classification
golden: {file: $models/golden.csv, label: label, threshold: 0.5}
deviceProfile: edge-a53
deployed: {file: $models/mlp_v1.onnx, version: 1.4.0}
---
kind: deployment
id: rc-2026-12
model: rul-classifier
firmware: {file: $work/firmware.bin, version: 4.2.0, digest: "sha256:$firmware_digest",
           signature: {key: release-2026, value: "$firmware_signature"}}
target: {selector: {site: plant-a}}
rollout: {canaryShare: 0.05, rollback: {maxErrorRate: 0.02}}
---
kind: device
id: dev-001
site: plant-a
---
kind: device
id: dev-002
site: plant-b
YAML
}
head -c 65536 /dev/urandom >"$work/firmware.bin"
firmware_digest=$(sha256sum "$work/firmware.bin" | cut -d' ' -f1)
# The firmware is signed with stagegate's own command (the model with OpenSSL's): both must verify.
firmware_signature=$("$binary" model sign "$work/firmware.bin" --key "$work/keys/release.pem" 2>"$work/sign.err")
[ -n "$firmware_signature" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL model sign"; }
contains sign_reports_digest "$work/sign.err" "sha256:$firmware_digest signed with"
check sign_refuses_public_key 2 "$binary" model sign "$work/firmware.bin" --key "$work/keys/release.pub"
contains sign_refuses_public_key_says "$work/err" "not an Ed25519 or ECDSA P-256 private key in PEM"
digest=$(sha256sum "$models/mlp.onnx" | cut -d' ' -f1)
write_manifest "$models/mlp.onnx" "$digest" "$(sign "$models/mlp.onnx" "$work/keys/release.pem")"
gate=(gate --policies "$work/policies" --input "$work/inputs" --at 2026-12-01T00:00:00Z)

# The approved, signed candidate passes every gate of the release policy.
check keys 0 "$binary" keys init --out "$work/evidence-keys"
check approved 0 "$binary" "${gate[@]}" --signing-key "$work/evidence-keys/signing.key" --format json --out "$work/approved" --fail-on high
contains approved_allow "$work/err" "gate: ALLOW"
tr -d ' \n' <"$work/approved/decision.json" >"$work/approved/flat.json"
for rule in models.integrity models.signature models.minimum-quality models.no-regression models.latency-budget \
            models.memory-budget models.device-fit deployment.release-candidate; do
  grep -q "\"rule\":\"model-release/$rule\",\"subject\":{[^}]*},\"outcome\":\"pass\"" "$work/approved/flat.json" &&
    passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL approved: $rule did not pass"; }
done
# The evidence names the model, the deployed model, the golden dataset and the firmware by digest.
contains evidence_model "$work/approved/decision.json" "\"sha256\": \"$digest\""
contains evidence_firmware "$work/approved/decision.json" "\"sha256\": \"$firmware_digest\""
contains evidence_golden "$work/approved/decision.json" "golden.csv"
contains evidence_deployed "$work/approved/decision.json" "mlp_v1.onnx"

# The manifest's facts as a gate computes them, without a policy.
check inspect_manifest 0 "$binary" model inspect "$work/inputs/rul.yaml" --policies "$work/policies"
contains inspect_accuracy "$work/out" "model.eval.accuracy"
contains inspect_accuracy_value "$work/out" "0.967"
contains inspect_signature "$work/out" "model.signature_valid                          true"
contains inspect_baseline "$work/out" "model.baseline.accuracy                        0.95"
check inspect_manifest_json 0 "$binary" model inspect "$work/inputs/rul.yaml" --policies "$work/policies" --json
contains inspect_json_digest "$work/out" "\"model.sha256\": \"$digest\""
check inspect_manifest_without_keys 0 "$binary" model inspect "$work/inputs/rul.yaml"
contains inspect_without_keys_says "$work/out" "key 'release-2026' is not in any KeySet of the policy repository"

# One bit of a weight changed after approval: integrity and signature fail, and the model is not run.
cp "$models/mlp.onnx" "$work/tampered.onnx"
middle=$(( $(stat -c %s "$work/tampered.onnx") / 2 ))
byte=$(od -An -tu1 -j "$middle" -N1 "$work/tampered.onnx" | tr -d ' ')
printf "$(printf '\\x%02x' $(( byte ^ 1 )))" | dd of="$work/tampered.onnx" bs=1 seek="$middle" conv=notrunc 2>/dev/null
write_manifest "$work/tampered.onnx" "$digest" "$(sign "$models/mlp.onnx" "$work/keys/release.pem")"
check tampered 1 "$binary" "${gate[@]}" --no-evidence --format json --out "$work/tampered"
contains tampered_integrity "$work/tampered/decision.json" "which is not the approved digest: the artifact was changed after approval"
contains tampered_signature "$work/tampered/decision.json" "does not verify with key 'release-2026' (ed25519)"
contains tampered_not_run "$work/tampered/decision.json" "refusing to evaluate a model that is not the approved one"

# Signed by a key the repository does not trust.
openssl genpkey -algorithm ed25519 -out "$work/stranger.pem" 2>/dev/null
write_manifest "$models/mlp.onnx" "$digest" "$(sign "$models/mlp.onnx" "$work/stranger.pem")"
check untrusted 1 "$binary" "${gate[@]}" --no-evidence --format json --out "$work/untrusted"
contains untrusted_signature "$work/untrusted/decision.json" "signature is not valid: the signature does not verify"

# Budgets the model misses, a device without Sigmoid, a demand the candidate cannot meet.
write_manifest "$models/mlp.onnx" "$digest" "$(sign "$models/mlp.onnx" "$work/keys/release.pem")"
sed -i 's/operators: \[Sub, Div, Gemm, Relu, Sigmoid\]/operators: [Sub, Div, Gemm, Relu]/; s/memoryBudget: 256KiB/memoryBudget: 1KiB/' \
  "$work/policies/profiles.yaml"
sed -i 's/min_accuracy: 0.9, min_f1: 0.6/min_accuracy: 0.99, min_f1: 0.6/; s/max_bytes: 1048576/max_bytes: 1024/' \
  "$work/policies/example-policy.yaml"
check budgets 1 "$binary" "${gate[@]}" --no-evidence --format json --out "$work/budgets"
contains budgets_fit "$work/budgets/decision.json" "does not fit device profile edge-a53: memory exceeds the budget, opset supported, unsupported operators [Sigmoid]"
contains budgets_quality "$work/budgets/decision.json" "scores accuracy 0.967 and F1 0.873076923076923"
contains budgets_memory "$work/budgets/decision.json" "the budget is 1024"

# Malformed manifests and documents stop the gate with the file and line.
printf 'kind: model\nid: broken\nfile: m.onnx\n' >"$work/inputs/rul.yaml"
check manifest_error 2 "$binary" "${gate[@]}" --no-evidence
contains manifest_error_names_file "$work/err" "rul.yaml:1: model 'broken': 'digest' is missing"
write_manifest "$models/mlp.onnx" "$digest" "x"
printf 'apiVersion: stagegate/v1\nkind: DeviceProfile\nmetadata: {name: bad}\nspec: {memoryBudget: lots}\n' \
  >"$work/policies/bad-profile.yaml"
check profile_error 2 "$binary" "${gate[@]}" --no-evidence
contains profile_error_names_file "$work/err" "bad-profile.yaml:4:22: error: memoryBudget must be a byte size"
finish
