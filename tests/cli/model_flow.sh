#!/usr/bin/env bash
# `stagegate model run` and `model inspect` end to end with the real binary on
# the tiny models of tests/data/inference (written by make_tiny.py): outputs
# computed by hand, batching, --output, the JSON description, and bad input
# (columns, cells, models) with exit code 2 and a message naming the place.
#   model_flow.sh BINARY
set -uo pipefail
source "$(dirname "$0")/flow_lib.sh" "$1"
data="$root/tests/data/inference"
cd "$data" || exit 1

# tiny_mlp: h = relu(x W1), score = sigmoid(h0 - h1), probs = softmax(h).
# Row 1,2,3: h = [4, 0]: score = sigmoid(4); row 0,0,0: 0.5 everywhere.
check run 0 "$binary" model run tiny_mlp.onnx --input tiny_rows.csv
contains run_header "$work/out" "score,probs_0,probs_1"
contains run_row1 "$work/out" "0.98201376,0.98201376,0.01798621"
contains run_row2 "$work/out" "0.5,0.5,0.5"
contains run_row3 "$work/out" "0.7310586,0.7310586,0.26894143"
cp "$work/out" "$work/full_batch.csv"
# Batches of two rows (one full, one remainder) give the same rows.
check batch 0 "$binary" model run tiny_mlp.onnx --input tiny_rows.csv --batch 2
if cmp -s "$work/out" "$work/full_batch.csv"; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL batch_same: --batch 2 changed the output"; fi
check output_file 0 "$binary" model run tiny_mlp.onnx --input tiny_rows.csv --output "$work/predictions.csv"
contains output_written "$work/predictions.csv" "0.5,0.5,0.5"
lacks output_not_printed "$work/out" "score"
# A header and no rows: the header only.
printf 'a,b,c\n' >"$work/empty.csv"
check no_rows 0 "$binary" model run tiny_mlp.onnx --input "$work/empty.csv"
contains no_rows_header "$work/out" "score,probs"

# Bad input: every message names the file (and line and column).
printf 'a,b\n1,2\n' >"$work/narrow.csv"
check narrow 2 "$binary" model run tiny_mlp.onnx --input "$work/narrow.csv"
contains narrow_message "$work/err" "narrow.csv: 2 columns; the model's input 'x' expects 3 features"
printf 'a,b,c\n1,2,3\n1,abc,3\n' >"$work/text.csv"
check text_cell 2 "$binary" model run tiny_mlp.onnx --input "$work/text.csv"
contains text_message "$work/err" "text.csv:3: column 'b' holds 'abc', not a number"
printf 'a,b,c\n1,2,\n' >"$work/hole.csv"
check empty_cell 2 "$binary" model run tiny_mlp.onnx --input "$work/hole.csv"
contains empty_message "$work/err" "hole.csv:2: column 'c' is empty"
printf 'a,b,c\n1,2\n' >"$work/short.csv"
check short_row 2 "$binary" model run tiny_mlp.onnx --input "$work/short.csv"
contains short_message "$work/err" "short.csv:2: 2 cells; the header has 3 columns"
check missing_csv 2 "$binary" model run tiny_mlp.onnx --input "$work/none.csv"
contains missing_csv_message "$work/err" "none.csv: cannot open the input file"
check unsupported 2 "$binary" model run unsupported.onnx --input tiny_rows.csv
contains unsupported_message "$work/err" "unsupported.onnx: uses operators Stagegate does not run:"
contains unsupported_node "$work/err" "ai.onnx:Erf (opset 13) in node erf"
head -c 100 tiny_mlp.onnx >"$work/cut.onnx"
check truncated 2 "$binary" model inspect "$work/cut.onnx"
contains truncated_message "$work/err" "cut.onnx: not an ONNX model"
check missing_model 2 "$binary" model inspect "$work/none.onnx"
contains missing_model_message "$work/err" "none.onnx: cannot open the model file"
check no_input_option 2 "$binary" model run tiny_mlp.onnx

# inspect: text and JSON.
check inspect 0 "$binary" model inspect tiny_mlp.onnx
contains inspect_opsets "$work/out" "opsets:      ai.onnx 13"
contains inspect_params "$work/out" "params:      11 (44 bytes of weights)"
contains inspect_gemm "$work/out" "  Gemm                         2"
contains inspect_input "$work/out" "  x                            float32 [N, 3]"
contains inspect_peak "$work/out" "bytes planned for batch 1"
contains inspect_sha "$work/out" "sha256:      $(sha256sum tiny_mlp.onnx | cut -d' ' -f1)"
check inspect_json 0 "$binary" model inspect tiny_mlp.onnx --json
contains json_params "$work/out" '"params": 11'
contains json_producer "$work/out" '"name": "make_tiny"'
contains json_peak "$work/out" '"planned_peak_bytes_batch1": '
contains json_size "$work/out" "\"size_bytes\": $(stat -c %s tiny_mlp.onnx)"

finish model_flow
