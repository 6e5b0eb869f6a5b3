#!/usr/bin/env bash
# Times `stagegate audit` as a whole process on a simulated fleet with the
# full shipped packs: DEVICES devices with their trust artefacts
# (`stagegate simulate --trust`), ten sensors each at one sample a minute for
# a day, with receive times, in the telemetry store (bench/audit_fleet_gen),
# the IEC 62443 zones, two data flows, a model release, and a policy
# repository (git) made of
# rules/*, the framework catalogs, the fleet's trust documents and a
# ten-sensor data contract (bench/data/audit). The fleet is built once into
# CACHE and reused. Prints each run's wall time, peak memory and phase times
# (`--timings`), then the medians.
#   bench/audit_process.sh BINARY GENERATOR [DEVICES] [RUNS] [CACHE]
# GENERATOR is the audit_fleet_gen binary (build/<preset>/bench/audit_fleet_gen).
set -euo pipefail
binary=$(realpath "$1") generator=$(realpath "$2") devices=${3:-100000} runs=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cache=${5:-$root/build/bench-audit-$devices}
at=2024-03-02T00:00:00Z

if [ ! -f "$cache/ready" ]; then
  rm -rf "$cache" && mkdir -p "$cache"
  echo "building the fleet in $cache (once)" >&2
  # The inventory, trust artefacts (made for the end of the audited day) and
  # zones; its own telemetry CSV is a few samples per device, unused.
  "$binary" simulate --out "$cache/fleet" --seed 3 --devices "$devices" --days 1 --rate-hz 0.0002 \
    --sensors temperature --faults none --trust --trust-faulty-share 0.05 >/dev/null
  "$generator" "$cache/telemetry.db" "$devices" 1440 >&2
  # The reference is the audited day itself (a fleet without drift but the
  # injected faults): a reference of a few hours would call every daily cycle drift.
  "$binary" baseline create --store "$cache/telemetry.db" --window 2024-03-01T00:00:00Z/2024-03-02T00:00:00Z \
    --out fleet-reference >/dev/null
  repo="$cache/policy-repo"
  mkdir -p "$repo/frameworks" "$repo/contracts" "$repo/fleet"
  cp "$root/policies/frameworks/"*.yaml "$repo/frameworks/"
  for pack in telemetry devices zones privacy models drift; do
    mkdir -p "$repo/rules/$pack"
    cp "$root/rules/$pack/"*.yaml "$repo/rules/$pack/" && rm -f "$repo/rules/$pack/"*_test.yaml
  done
  sed -i 's/^  stages: \[gate\]$/  stages: [gate, audit]/' "$repo/rules/models/example-policy.yaml"
  sed -i -e 's/nominal_hz: 1.0, tolerance: 0.05/nominal_hz: 0.0166667, tolerance: 0.05/' -e 's/max_gap_s: 120/max_gap_s: 600/' \
    -e 's/max_stuck_s: 1800/max_stuck_s: 7200/' "$repo/rules/telemetry/example-policy.yaml"
  cp "$cache/fleet/trust.yaml" "$repo/fleet/"
  cp "$here/data/audit/contract.odcs.yaml" "$repo/contracts/"
  models="$root/tests/data/models"
  cat >"$cache/model.yaml" <<YAML
kind: model
id: rul-classifier
version: 2.0.0
file: $models/mlp.onnx
digest: sha256:$(sha256sum "$models/mlp.onnx" | cut -d' ' -f1)
task: classification
golden: {file: $models/golden.csv, label: label, threshold: 0.5}
deployed: {file: $models/mlp_v1.onnx, version: 1.4.0}
YAML
  cat >"$cache/dataflows.yaml" <<'YAML'
kind: dataflow
id: condition-monitoring
purpose: Predictive maintenance
legal_basis: legitimate_interests
fields: [{name: temperature, category: telemetry}]
retention: 1y
processors: [{name: cloud-host, dpa: DPA-1, region: DE}]
destinations: [DE]
encryption: {at_rest: true, in_transit: true}
contracts: [bench-telemetry]
YAML
  git -C "$repo" init -q -b main
  git -C "$repo" -c user.name=bench -c user.email=bench@example.org add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@example.org commit -qm "fleet policies"
  touch "$cache/ready"
fi

samples=$(sqlite3 "$cache/telemetry.db" "select count(*) from streams" 2>/dev/null || echo "?")
echo "fleet: $devices devices, $samples streams, store $(du -h "$cache/telemetry.db" | cut -f1)"
walls=() rss=()
for run in $(seq 1 "$runs"); do
  out="$cache/run-$run"
  rm -rf "$out" "$cache/evidence"
  status=0
  /usr/bin/time -f "%e %M" -o "$cache/time.txt" "$binary" audit --policies "$cache/policy-repo" --rev main \
    --store "$cache/telemetry.db" --inventory "$cache/fleet/devices.yaml" --input "$cache/fleet/zones.yaml" \
    --input "$cache/dataflows.yaml" --input "$cache/model.yaml" --window 1d --at "$at" \
    --evidence "$cache/evidence/evidence.db" --timings --out "$out" 2>"$cache/stderr.txt" || status=$?
  if [ "$status" -gt 1 ]; then echo "audit failed (exit $status):" >&2; tail -5 "$cache/stderr.txt" >&2; exit 1; fi
  read -r wall kb < <(tail -n 1 "$cache/time.txt")
  walls+=("$wall") rss+=("$kb")
  echo "run $run: ${wall} s, peak RSS $((kb / 1024)) MB; $(grep '^timings:' "$cache/stderr.txt")"
done
grep -E '^  [0-9]+ rules' "$cache/stderr.txt"
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
echo "median: $(median "${walls[@]}") s wall, peak RSS $(( $(median "${rss[@]}") / 1024 )) MB over $runs runs"
