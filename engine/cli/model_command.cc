#include "engine/cli/model_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine/cli/model_support.h"
#include "engine/common/digest.h"
#include "evaluators/inference/model.h"

namespace stagegate::cli {
namespace {

using inference::ElementType;
using inference::Model;
using inference::Session;
using inference::Shape;
using inference::Tensor;
using inference::ValueSpec;

// Rows per Session::Run unless --batch says otherwise: large enough to
// amortize the per-node overhead, small enough that the arena stays small.
constexpr std::int64_t kDefaultBatchRows = 1024;

struct RunArguments {
  std::string model;
  std::string input;
  std::string output;
  std::int64_t batch = kDefaultBatchRows;
};

struct InspectArguments {
  std::string model;
  bool json = false;
  std::string policies;  // manifests: the repository with KeySets and DeviceProfiles
  std::string revision;
  std::string store;     // manifests: the telemetry store with input-drift baselines
};

struct SignArguments {
  std::string file;
  std::string key;
};

bool IsManifestPath(const std::string& path) {
  for (const char* extension : {".yaml", ".yml", ".json"}) {
    const std::string_view suffix(extension);
    if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) return true;
  }
  return false;
}

// Splits one CSV record (RFC 4180 quoting: "a,b" and "" inside quotes).
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

std::string Trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

// Reads the CSV into row-major floats; the header names the columns.
bool ReadCsv(const std::string& path, std::vector<std::string>* header, std::vector<float>* values, std::int64_t* rows,
             std::string* error) {
  std::ifstream file(path);
  if (!file) {
    *error = fmt::format("{}: cannot open the input file", path);
    return false;
  }
  std::string line;
  if (!std::getline(file, line)) {
    *error = fmt::format("{}: the file is empty; expected a header row", path);
    return false;
  }
  for (const std::string& name : SplitCsvLine(line)) header->push_back(Trim(name));
  *rows = 0;
  for (int line_number = 2; std::getline(file, line); ++line_number) {
    if (Trim(line).empty()) continue;
    const std::vector<std::string> cells = SplitCsvLine(line);
    if (cells.size() != header->size()) {
      *error =
          fmt::format("{}:{}: {} cells; the header has {} columns", path, line_number, cells.size(), header->size());
      return false;
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string cell = Trim(cells[c]);
      if (cell.empty()) {
        *error = fmt::format("{}:{}: column '{}' is empty; the model needs a number in every cell", path, line_number,
                             (*header)[c]);
        return false;
      }
      float value = 0;
      const char* begin = cell.data();
      const char* end = cell.data() + cell.size();
      if (*begin == '+') ++begin;
      const auto [ptr, ec] = std::from_chars(begin, end, value);
      if (ec != std::errc() || ptr != end) {
        *error = fmt::format("{}:{}: column '{}' holds '{}', not a number", path, line_number, (*header)[c], cell);
        return false;
      }
      values->push_back(value);
    }
    ++*rows;
  }
  return true;
}

std::string CsvQuote(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string FormatElement(const Tensor& tensor, std::int64_t index) {
  switch (tensor.type()) {
    case ElementType::kFloat32:
      return fmt::format("{}", tensor.data<float>()[index]);
    case ElementType::kInt64:
      return fmt::format("{}", tensor.data<std::int64_t>()[index]);
    case ElementType::kBool:
      return tensor.data<std::uint8_t>()[index] != 0 ? "1" : "0";
    case ElementType::kString:
      return CsvQuote(tensor.strings()[index]);
  }
  return "";
}

// Column names of one output: "name" for one value per row, else name_0...,
// or name_<key> for a ZipMap's map keys.
std::vector<std::string> OutputColumns(const std::string& name, const Tensor& tensor, std::int64_t rows) {
  const std::int64_t width = rows == 0 ? 0 : tensor.size() / rows;
  if (width == 1) return {name};
  std::vector<std::string> columns;
  for (std::int64_t c = 0; c < width; ++c) {
    if (tensor.map_keys != nullptr && tensor.map_keys->size() == width) {
      columns.push_back(name + "_" + FormatElement(*tensor.map_keys, c));
    } else {
      columns.push_back(fmt::format("{}_{}", name, c));
    }
  }
  return columns;
}

int RunModel(const RunArguments& args) {
  std::string error;
  auto model = Model::Load(args.model, &error);
  if (model == nullptr) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  const auto& summary = model->summary();
  if (summary.inputs.size() != 1 || summary.inputs[0].type != ElementType::kFloat32 ||
      summary.inputs[0].dims.size() != 2) {
    std::cerr << "error: " << args.model
              << ": model run feeds one float input of shape [rows, features]; this model's inputs are";
    for (const ValueSpec& input : summary.inputs) {
      std::cerr << " " << input.name << " (" << inference::ElementTypeName(input.type) << ", rank " << input.dims.size()
                << ")";
    }
    std::cerr << "\n";
    return 2;
  }
  const ValueSpec& input = summary.inputs[0];
  std::vector<std::string> header;
  std::vector<float> values;
  std::int64_t rows = 0;
  if (!ReadCsv(args.input, &header, &values, &rows, &error)) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  const auto features = static_cast<std::int64_t>(header.size());
  if (input.dims[1] >= 0 && input.dims[1] != features) {
    std::cerr << fmt::format("error: {}: {} columns; the model's input '{}' expects {} features\n", args.input,
                             features, input.name, input.dims[1]);
    return 2;
  }
  const std::int64_t batch = input.dims[0] >= 0 ? input.dims[0] : std::max<std::int64_t>(1, std::min(args.batch, rows));
  if (input.dims[0] >= 0 && rows % batch != 0) {
    std::cerr << fmt::format("error: {}: {} rows; the model takes exactly {} rows per run\n", args.input, rows, batch);
    return 2;
  }

  std::ostringstream out;
  std::vector<std::unique_ptr<Session>> sessions;  // [full batch, remainder]
  bool header_written = false;
  std::vector<Tensor> outputs;
  for (std::int64_t start = 0; start < rows || (rows == 0 && !header_written); start += batch) {
    const std::int64_t count = rows == 0 ? 0 : std::min(batch, rows - start);
    if (rows == 0) {
      // No rows: print the header only, from the declared output names.
      std::vector<std::string> names;
      for (const ValueSpec& output : summary.outputs) names.push_back(CsvQuote(output.name));
      out << fmt::format("{}\n", fmt::join(names, ","));
      header_written = true;
      break;
    }
    Session* session = nullptr;
    for (auto& candidate : sessions) {
      if (candidate->input_shapes()[0][0] == count) session = candidate.get();
    }
    if (session == nullptr) {
      auto planned = model->Plan({{count, features}}, &error);
      if (planned == nullptr) {
        std::cerr << "error: " << error << "\n";
        return 2;
      }
      sessions.push_back(std::move(planned));
      session = sessions.back().get();
    }
    const Tensor batch_input = Tensor::View(ElementType::kFloat32, {count, features}, values.data() + start * features);
    const inference::Status status = session->Run(std::span<const Tensor>(&batch_input, 1), &outputs);
    if (!status.ok()) {
      std::cerr << fmt::format("error: {}: rows {} to {} of {}: {}\n", args.model, start + 1, start + count, args.input,
                               status.message());
      return 2;
    }
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      const Shape& shape = outputs[o].shape();
      if (shape.empty() || shape[0] != count) {
        std::cerr << fmt::format(
            "error: {}: output '{}' has shape {}, not one row per input row; model run prints "
            "outputs whose first dimension is the batch\n",
            args.model, summary.outputs[o].name, inference::FormatShape(shape));
        return 2;
      }
    }
    if (!header_written) {
      std::vector<std::string> columns;
      for (std::size_t o = 0; o < outputs.size(); ++o) {
        for (const std::string& column : OutputColumns(summary.outputs[o].name, outputs[o], count)) {
          columns.push_back(CsvQuote(column));
        }
      }
      out << fmt::format("{}\n", fmt::join(columns, ","));
      header_written = true;
    }
    for (std::int64_t r = 0; r < count; ++r) {
      std::string line;
      for (const Tensor& output : outputs) {
        const std::int64_t width = output.size() / count;
        for (std::int64_t c = 0; c < width; ++c) {
          if (!line.empty()) line += ',';
          line += FormatElement(output, r * width + c);
        }
      }
      out << line << "\n";
    }
  }
  if (args.output.empty()) {
    std::cout << out.str();
    return 0;
  }
  // Atomic: a reader never sees half a file.
  const std::string temporary = fmt::format("{}.tmp.{}", args.output, ::getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << out.str();
    file.flush();
    if (!file) {
      std::remove(temporary.c_str());
      std::cerr << fmt::format("error: {}: cannot write the output\n", args.output);
      return 2;
    }
  }
  if (std::rename(temporary.c_str(), args.output.c_str()) != 0) {
    std::remove(temporary.c_str());
    std::cerr << fmt::format("error: {}: cannot write the output\n", args.output);
    return 2;
  }
  return 0;
}

std::string DeclaredShape(const ValueSpec& spec) {
  std::vector<std::string> dims;
  for (std::size_t d = 0; d < spec.dims.size(); ++d) {
    dims.push_back(spec.dims[d] >= 0 ? std::to_string(spec.dims[d])
                                     : (spec.dim_names[d].empty() ? "?" : spec.dim_names[d]));
  }
  return fmt::format("[{}]", fmt::join(dims, ", "));
}

int InspectModel(const InspectArguments& args) {
  if (IsManifestPath(args.model)) {
    return model_support::InspectManifest({args.model, args.policies, args.revision, args.store, args.json});
  }
  std::ifstream file(args.model, std::ios::binary);
  if (!file) {
    std::cerr << "error: " << args.model << ": cannot open the model file\n";
    return 2;
  }
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::string error;
  auto model = Model::LoadBytes(bytes, args.model, &error);
  if (model == nullptr) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  const auto& summary = model->summary();
  // Planned for one row: symbolic dimensions set to 1.
  std::vector<Shape> shapes;
  for (const ValueSpec& input : summary.inputs) {
    Shape shape;
    for (std::int64_t dim : input.dims) shape.push_back(dim >= 0 ? dim : 1);
    shapes.push_back(shape);
  }
  std::string plan_error;
  auto session = model->Plan(shapes, &plan_error);
  const std::string sha256 = common::Sha256Hex(bytes);

  if (args.json) {
    nlohmann::json out;
    out["file"] = args.model;
    out["size_bytes"] = bytes.size();
    out["sha256"] = sha256;
    out["ir_version"] = summary.ir_version;
    out["producer"] = {{"name", summary.producer_name}, {"version", summary.producer_version}};
    out["opsets"] = summary.opsets;
    out["operators"] = summary.op_counts;
    out["nodes"] = summary.node_count;
    out["params"] = summary.params;
    out["initializer_bytes"] = summary.initializer_bytes;
    for (const char* key : {"inputs", "outputs"}) {
      out[key] = nlohmann::json::array();
      for (const ValueSpec& spec : std::string(key) == "inputs" ? summary.inputs : summary.outputs) {
        nlohmann::json dims = nlohmann::json::array();
        for (std::size_t d = 0; d < spec.dims.size(); ++d) {
          if (spec.dims[d] >= 0) {
            dims.push_back(spec.dims[d]);
          } else {
            dims.push_back(spec.dim_names[d].empty() ? "?" : spec.dim_names[d]);
          }
        }
        nlohmann::json value = {{"name", spec.name}, {"type", inference::ElementTypeName(spec.type)}, {"shape", dims}};
        if (spec.is_map_sequence) value["sequence_of_maps"] = true;  // ZipMap: the type is the maps' values
        out[key].push_back(std::move(value));
      }
    }
    if (session != nullptr) {
      out["planned_peak_bytes_batch1"] = session->planned_peak_bytes();
    } else {
      out["planned_peak_bytes_batch1"] = nullptr;
      out["plan_error"] = plan_error;
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("file:        {}\n", args.model);
  std::cout << fmt::format("size:        {} bytes\n", bytes.size());
  std::cout << fmt::format("sha256:      {}\n", sha256);
  std::cout << fmt::format("ir version:  {}\n", summary.ir_version);
  std::cout << fmt::format("producer:    {}{}{}\n", summary.producer_name, summary.producer_version.empty() ? "" : " ",
                           summary.producer_version);
  std::vector<std::string> opsets;
  for (const auto& [domain, version] : summary.opsets) opsets.push_back(fmt::format("{} {}", domain, version));
  std::cout << fmt::format("opsets:      {}\n", fmt::join(opsets, ", "));
  std::cout << fmt::format("nodes:       {}\n", summary.node_count);
  std::cout << fmt::format("params:      {} ({} bytes of weights)\n", summary.params, summary.initializer_bytes);
  if (session != nullptr) {
    std::cout << fmt::format("peak memory: {} bytes planned for batch 1\n", session->planned_peak_bytes());
  } else {
    std::cout << fmt::format("peak memory: not planned: {}\n", plan_error);
  }
  std::cout << "operators:\n";
  for (const auto& [op, count] : summary.op_counts) std::cout << fmt::format("  {:<28} {}\n", op, count);
  std::cout << "inputs:\n";
  for (const ValueSpec& spec : summary.inputs) {
    std::cout << fmt::format("  {:<28} {} {}\n", spec.name, inference::ElementTypeName(spec.type), DeclaredShape(spec));
  }
  std::cout << "outputs:\n";
  for (const ValueSpec& spec : summary.outputs) {
    if (spec.is_map_sequence) {
      std::cout << fmt::format("  {:<28} sequence of maps to {}\n", spec.name, inference::ElementTypeName(spec.type));
    } else {
      std::cout << fmt::format("  {:<28} {} {}\n", spec.name, inference::ElementTypeName(spec.type),
                               DeclaredShape(spec));
    }
  }
  return 0;
}

}  // namespace

void AddModelCommand(CLI::App& app, int* exit_code) {
  CLI::App* model = app.add_subcommand("model", "Run or describe an ONNX model with Stagegate's executor");
  model->require_subcommand(1);

  auto run_args = std::make_shared<RunArguments>();
  CLI::App* run = model->add_subcommand("run", "Run an ONNX model on the rows of a CSV file");
  run->add_option("model", run_args->model, "The ONNX model file")->required();
  run->add_option("--input", run_args->input,
                  "CSV with a header row; its columns, in file order, are the features of the model's input")
      ->required();
  run->add_option("--output", run_args->output,
                  "Write the predictions here (CSV, replaced atomically) instead of "
                  "standard output");
  run->add_option("--batch", run_args->batch, "Rows per inference run (default 1024)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  run->footer(R"(The model must have one float input of shape [rows, features]. Output columns are the
model's outputs; an output with several values per row becomes name_0, name_1, ...
Examples:
  stagegate model run models/mlp.onnx --input rows.csv
  stagegate model run models/mlp.onnx --input rows.csv --output predictions.csv --batch 256
Exit codes: 0 ran; 2 bad input (the message names the file, line and column).)");
  run->callback([run_args, exit_code]() { *exit_code = RunModel(*run_args); });

  auto inspect_args = std::make_shared<InspectArguments>();
  CLI::App* inspect = model->add_subcommand(
      "inspect", "Describe an ONNX model (operators, shapes, size, memory), or compute every fact of a manifest's models");
  inspect->add_option("model", inspect_args->model, "The ONNX model file, or a model manifest (.yaml, .yml, .json)")
      ->required();
  inspect->add_flag("--json", inspect_args->json, "Print JSON");
  inspect->add_option("--policies", inspect_args->policies,
                      "Manifests: the policy repository holding the KeySets and DeviceProfiles");
  inspect->add_option("--rev", inspect_args->revision, "Manifests: git revision of --policies");
  inspect->add_option("--store", inspect_args->store, "Manifests: telemetry store holding the input-drift baseline");
  inspect->footer(R"(Given a manifest, the model is run on its golden dataset as a gate would run it, and every
model fact is printed (an error names what is wrong).
Examples:
  stagegate model inspect models/mlp.onnx
  stagegate model inspect models/mlp.onnx --json
  stagegate model inspect release/rul-classifier.yaml --policies policies/
Exit codes: 0 described; 2 the file is not a model Stagegate runs, or the manifest is malformed (the message says why).)");
  inspect->callback([inspect_args, exit_code]() { *exit_code = InspectModel(*inspect_args); });

  auto sign_args = std::make_shared<SignArguments>();
  CLI::App* sign = model->add_subcommand("sign", "Sign a model or firmware file's SHA-256 for its manifest");
  sign->add_option("file", sign_args->file, "The file to sign (an ONNX model, a firmware image)")->required();
  sign->add_option("--key", sign_args->key, "PEM private key: Ed25519, or ECDSA P-256")->required();
  sign->footer(R"(Prints the base64 signature of the file's raw 32-byte SHA-256 (pure Ed25519, or ECDSA with
SHA-256, DER) for the manifest's signature.value; the public key goes into a KeySet.
Example:
  openssl genpkey -algorithm ed25519 -out release.pem
  stagegate model sign models/mlp.onnx --key release.pem
Exit codes: 0 signed; 2 unreadable file or unsupported key.)");
  sign->callback([sign_args, exit_code]() { *exit_code = model_support::SignArtifact(sign_args->file, sign_args->key); });
}

}  // namespace stagegate::cli
