#pragma once
// `stagegate model run MODEL.onnx --input ROWS.csv` runs an ONNX model on the
// rows of a CSV file with Stagegate's own executor (evaluators/inference);
// `stagegate model inspect MODEL.onnx` describes the model.

#include <CLI/CLI.hpp>

namespace stagegate::cli {

// Adds the `model` subcommand (with `model run` and `model inspect`) to
// `app`; its exit code is written to `exit_code` when it runs.
void AddModelCommand(CLI::App& app, int* exit_code);

}  // namespace stagegate::cli
