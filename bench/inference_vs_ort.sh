#!/usr/bin/env bash
# Stagegate's inference executor against ONNX Runtime on the committed MLP
# (16 → 32 → 1), one thread each, in the same run on the same machine:
# time per row at batch 1,024 and per single-row call, medians, and the ratios.
#   bench/inference_vs_ort.sh BUILD_DIR
# ONNX Runtime comes from npm (its install script is told not to download
# extras); the first run installs it into bench/ort/node_modules.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: inference_vs_ort.sh BUILD_DIR}
model="$root/tests/data/models/mlp.onnx"
if [ ! -d "$root/bench/ort/node_modules/onnxruntime-node" ]; then
  (cd "$root/bench/ort" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund >/dev/null)
fi
ours=$(taskset -c 0 "$build/bench/inference_bench" --benchmark_filter='BM_Mlp(Batch1024|SingleRow)' \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_format=json)
peer=$(cd "$root/bench/ort" && taskset -c 0 node ort_mlp_bench.js "$model")
python3 - "$ours" "$peer" <<'PY'
import json, sys
ours = {b["run_name"]: b for b in json.loads(sys.argv[1])["benchmarks"] if b.get("aggregate_name") == "median"}
peer = json.loads(sys.argv[2])
batch = ours["BM_MlpBatch1024/real_time"]["real_time"] / 1024   # ns per row
single = ours["BM_MlpSingleRow/real_time"]["real_time"]          # ns per call
print(f"onnxruntime {peer['onnxruntime']} (onnxruntime-node), one thread each, medians")
print(f"batch 1,024, per row : stagegate {batch:8.1f} ns   onnxruntime {peer['batch_ns_per_row']:8.1f} ns   ratio {batch / peer['batch_ns_per_row']:.2f}x")
print(f"single row, per call : stagegate {single:8.1f} ns   onnxruntime {peer['single_row_ns']:8.1f} ns   ratio {single / peer['single_row_ns']:.3f}x")
PY
