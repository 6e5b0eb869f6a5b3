#!/usr/bin/env bash
# `stagegate simulate --trust`: a small fleet's PKI, firmware, attestation
# reports, ACLs and zones are made, and the shipped device and zone rules,
# with the simulated trust.yaml in the policy repository, find every injected
# trust fault on the device it was injected into and nothing on the others.
#   simulate_trust_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"

fleet="$work/fleet"
check simulate 0 "$binary" simulate --out "$fleet" --seed 11 --devices 120 --days 0.01 --rate-hz 0.1 \
  --sensors temperature --faults none --trust --trust-faulty-share 0.5
contains simulate_says_trust "$work/out" "trust-faults.json: ground truth of the"
for file in trust.yaml zones.yaml trust-faults.json pki/device-ca.pem pki/dev-0001.pem attest/dev-0001.json \
            fw/2.4.1.bin broker/plant-a.acl; do
  [ -s "$fleet/$file" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL missing $file"; }
done
# A certificate OpenSSL itself accepts against the simulated root.
sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$fleet/trust.yaml" | head -n 40 | sed 's/^ *//' >"$work/root.pem"
check openssl_verifies 0 openssl verify -attime $((1709251200 + 864)) -CAfile "$work/root.pem" -untrusted "$fleet/pki/device-ca.pem" \
  -purpose sslclient "$fleet/pki/dev-0001.pem"
check bad_share 2 "$binary" simulate --out "$work/x" --seed 1 --trust --trust-faulty-share 2
contains bad_share_message "$work/err" "--trust-faulty-share 2: give a share from 0 to 1"

repo="$work/repo"
mkdir -p "$repo/devices" "$repo/zones"
cp "$root/rules/devices/"*.yaml "$repo/devices/"
cp "$root/rules/zones/"*.yaml "$repo/zones/"
cp "$root/policies/frameworks/"*.yaml "$fleet/trust.yaml" "$repo/"
rm -f "$repo/"*/*_test.yaml
at=$(date -u -d "@$((1709251200 + 864))" +%Y-%m-%dT%H:%M:%SZ)  # the end of the simulated 0.01 days
check gate 1 "$binary" gate --policies "$repo" --inventory "$fleet/devices.yaml" --input "$fleet/zones.yaml" \
  --at "$at" --format json --out "$work/gate" --no-evidence
decision="$work/gate/decision.json"
# One line per outcome: RULE SUBJECT_ID OUTCOME.
awk -F'"' '/"rule": /{rule=$4} /"id": /{id=$4} /"outcome": /{print rule, id, $4}' "$decision" >"$work/outcomes"

# The rule each fault kind must fail, per the ground truth.
declare -A rule_of=(
  [cert_expired]=devices.cert-chain-valid [cert_expiring]=devices.cert-expiry-horizon
  [cert_revoked]=devices.cert-not-revoked [cert_weak_key]=devices.cert-key-strength
  [cert_not_bound]=devices.identity-bound [firmware_unsigned]=devices.firmware-signed
  [firmware_vulnerable]=devices.firmware-not-vulnerable [attestation_stale]=devices.attestation-recent
  [attestation_pcr_mismatch]=devices.attestation-pcr-match [software_key]=devices.hardware-backed-key
  [no_secure_boot]=devices.secure-boot [tls_weak]=devices.tls-minimum-version
  [acl_overbroad]=devices.acl-least-privilege [ota_unsigned]=devices.ota-signed)
found=0 missed=0
while read -r device fault; do
  rule=${rule_of[$fault]:-}
  [ -z "$rule" ] && continue
  if grep -qx "zero-trust-devices/$rule $device fail" "$work/outcomes"; then
    found=$((found + 1))
  else
    missed=$((missed + 1)); echo "missed: $device $fault ($rule)"
  fi
done < <(grep -A1 '"device": ' "$fleet/trust-faults.json" | grep -v '^--$' | cut -d'"' -f4 | paste -d' ' - -)
[ "$found" -gt 20 ] && [ "$missed" -eq 0 ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL ground_truth: $found injected faults found, $missed missed"; }
# Healthy devices pass: the quoted TLS version of a YAML inventory stays the string "1.2".
healthy=$(grep -o '"dev-[0-9]*"' "$fleet/trust-faults.json" | sort -u | tr -d '"' >"$work/faulty"; \
          for n in $(seq -f '%04g' 1 120); do grep -qx "dev-$n" "$work/faulty" || { echo "dev-$n"; break; }; done)
if grep " $healthy " "$work/outcomes" | grep -qv ' pass$'; then
  failed=$((failed + 1)); echo "FAIL healthy_device: $healthy has findings:"; grep " $healthy " "$work/outcomes" | grep -v ' pass$'
else passed=$((passed + 1)); fi
conduit_zone=$(grep -o '"zone": "[^"]*"' "$fleet/trust-faults.json" | cut -d'"' -f4)
contains unprotected_conduit "$work/outcomes" "iec62443-zones/zone.conduits-protected $conduit_zone fail"
finish simulate_trust
