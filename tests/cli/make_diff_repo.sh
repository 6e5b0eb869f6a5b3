#!/usr/bin/env bash
# Creates the policy repository the `diff` golden tests compare revisions of:
#   make_diff_repo.sh DIR
# Commits have fixed authors and dates, so their ids are the same on every machine.
#   v1 (tag)       telemetry policy: missingness (max 0.05), vibration-ceiling (< 50), legacy-rate (info)
#   main (v2)      max 0.02, vibration-ceiling < 45 and high, legacy-rate removed, devices policy added,
#                  a control added; lives in policies/ below the repository root
#   broken         main plus a policy with an invalid severity
set -euo pipefail
dir=$1
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
export GIT_AUTHOR_NAME="Policy Author" GIT_AUTHOR_EMAIL=author@example.org
export GIT_COMMITTER_NAME="Policy Author" GIT_COMMITTER_EMAIL=author@example.org
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
commit() {
  export GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1"
  git add -A
  git commit -q -m "$2"
}
git init -q -b main .

mkdir -p policies/rules policies/frameworks
cat > policies/frameworks/demo.yaml <<'YAML'
apiVersion: stagegate/v1
kind: Framework
metadata: {id: demo, title: Demo controls}
spec:
  controls:
    - {id: C-1, title: Data quality}
    - {id: C-2, title: Monitoring}
YAML
cat > policies/rules/telemetry.yaml <<'YAML'
apiVersion: stagegate/v1
kind: Rule
metadata: {id: stream.missingness, title: Stream missingness within SLA}
spec:
  subject: stream
  params:
    max_missing_ratio: {type: double, default: 0.02, minimum: 0, maximum: 1}
  assert: stream.quality.missing_ratio <= params.max_missing_ratio
  message: "missing {{ stream.quality.missing_ratio * 100.0 }}% of samples"
  severity: high
  controls: [demo:C-1]
YAML
cat > policies/telemetry.yaml <<'YAML'
apiVersion: stagegate/v1
kind: Policy
metadata: {name: telemetry}
spec:
  enforcement: deny
  rules:
    - use: stream.missingness
      with: {max_missing_ratio: 0.05}
    - id: vibration-ceiling
      title: Vibration below the mechanical limit
      subject: stream
      when: stream.sensor == "vibration"
      assert: stream.stats.max < 50.0
      message: "vibration peaked at {{ stream.stats.max }} mm/s"
      severity: medium
    - id: legacy-rate
      title: Legacy sampling rate check
      subject: stream
      assert: stream.rate_hz >= 1
      severity: info
YAML
commit "2026-01-05T10:00:00Z" "telemetry policy"
git tag v1

cat > policies/telemetry.yaml <<'YAML'
apiVersion: stagegate/v1
kind: Policy
metadata: {name: telemetry}
spec:
  enforcement: deny
  rules:
    - use: stream.missingness
      with: {max_missing_ratio: 0.02}
      controls: [demo:C-2]
    - id: vibration-ceiling
      title: Vibration below the mechanical limit
      subject: stream
      when: stream.sensor == "vibration"
      assert: stream.stats.max < 45.0
      message: "vibration peaked at {{ stream.stats.max }} mm/s"
      severity: high
YAML
cat > policies/devices.yaml <<'YAML'
apiVersion: stagegate/v1
kind: Policy
metadata: {name: devices}
spec:
  enforcement: deny
  rules:
    - id: battery
      title: Battery above the safe minimum
      subject: device
      assert: device.battery_pct >= 20
      message: "battery at {{ device.battery_pct }}%"
      severity: medium
YAML
commit "2026-01-12T10:00:00Z" "tighten telemetry limits, add device battery rule"
git tag v2

git checkout -q -b broken
cat > policies/broken.yaml <<'YAML'
apiVersion: stagegate/v1
kind: Policy
metadata: {name: broken}
spec:
  rules:
    - id: bad
      subject: device
      assert: device.battery_pct >= 0
      severity: severe
YAML
commit "2026-01-13T10:00:00Z" "a broken policy"
git checkout -q main
