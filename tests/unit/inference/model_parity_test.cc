// The committed models of tests/data/models against the reference outputs
// tests/data/models/make_models.py computed with PyTorch (neural models) or
// numpy (ai.onnx.ml models): Load, Plan, Run, compare. Each model's operator
// list is asserted too, so the test proves which kernels it covers.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "evaluators/inference/model.h"

namespace stagegate::inference {
namespace {

using ::testing::ElementsAreArray;

constexpr double kRelativeTolerance = 1e-5;
constexpr double kAbsoluteFloor = 1e-6;  // for values near zero

std::string DataPath(const std::string& name) {
  return std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/models/" + name;
}

// One tensor of a reference file: its values as text tokens.
struct ReferenceTensor {
  std::string name;
  std::string type;  // float32, int64, string
  Shape shape;
  std::vector<std::string> values;
  bool has_keys = false;
  std::string keys_type;
  std::vector<std::string> keys;
};

struct Reference {
  std::vector<ReferenceTensor> inputs;
  std::vector<ReferenceTensor> outputs;
};

// Reads the format make_models.py documents: "input|output name type rank
// dims... values...", "keys type count values..." after a map output.
bool ReadReference(const std::string& path, Reference* reference, std::string* error) {
  std::ifstream file(path);
  if (!file) {
    *error = "cannot open " + path;
    return false;
  }
  std::string line, tokens_text;
  while (std::getline(file, line)) {
    if (!line.empty() && line[0] != '#') tokens_text += line + "\n";
  }
  std::istringstream tokens(tokens_text);
  std::string directive;
  while (tokens >> directive) {
    if (directive == "keys") {
      if (reference->outputs.empty()) {
        *error = "keys before any output";
        return false;
      }
      ReferenceTensor& tensor = reference->outputs.back();
      std::size_t count = 0;
      tokens >> tensor.keys_type >> count;
      tensor.keys.resize(count);
      for (std::string& key : tensor.keys) tokens >> key;
      tensor.has_keys = true;
      continue;
    }
    if (directive != "input" && directive != "output") {
      *error = "unexpected token '" + directive + "'";
      return false;
    }
    ReferenceTensor tensor;
    std::size_t rank = 0;
    tokens >> tensor.name >> tensor.type >> rank;
    tensor.shape.resize(rank);
    for (std::int64_t& dim : tensor.shape) tokens >> dim;
    tensor.values.resize(static_cast<std::size_t>(ElementCount(tensor.shape)));
    for (std::string& value : tensor.values) tokens >> value;
    if (!tokens) {
      *error = "truncated tensor " + tensor.name;
      return false;
    }
    (directive == "input" ? reference->inputs : reference->outputs).push_back(std::move(tensor));
  }
  return true;
}

Tensor ToTensor(const ReferenceTensor& reference) {
  if (reference.type == "string") {
    Tensor tensor = Tensor::Owned(ElementType::kString, reference.shape);
    for (std::size_t i = 0; i < reference.values.size(); ++i) tensor.strings()[i] = reference.values[i];
    return tensor;
  }
  if (reference.type == "int64") {
    Tensor tensor = Tensor::Owned(ElementType::kInt64, reference.shape);
    for (std::size_t i = 0; i < reference.values.size(); ++i) {
      tensor.data<std::int64_t>()[i] = std::strtoll(reference.values[i].c_str(), nullptr, 10);
    }
    return tensor;
  }
  Tensor tensor = Tensor::Owned(ElementType::kFloat32, reference.shape);
  for (std::size_t i = 0; i < reference.values.size(); ++i) {
    tensor.data<float>()[i] = std::strtof(reference.values[i].c_str(), nullptr);  // parses "nan"
  }
  return tensor;
}

bool Close(double actual, double expected) {
  return std::abs(actual - expected) <= kRelativeTolerance * std::abs(expected) + kAbsoluteFloor;
}

// Compares `actual` to `expected` element by element; floats with the
// tolerance, labels (int64, string, bool) exactly.
void ExpectMatches(const std::string& model, const Tensor& actual, const ReferenceTensor& expected) {
  SCOPED_TRACE(model + " output " + expected.name);
  ASSERT_EQ(actual.shape(), expected.shape);
  int mismatches = 0;
  for (std::size_t i = 0; i < expected.values.size() && mismatches < 5; ++i) {
    const std::string& want = expected.values[i];
    switch (actual.type()) {
      case ElementType::kFloat32: {
        const double value = actual.data<float>()[i];
        const double reference = std::strtod(want.c_str(), nullptr);
        if (!Close(value, reference)) {
          ADD_FAILURE() << "element " << i << ": " << value << " vs reference " << want;
          ++mismatches;
        }
        break;
      }
      case ElementType::kInt64:
        if (std::to_string(actual.data<std::int64_t>()[i]) != want) {
          ADD_FAILURE() << "element " << i << ": " << actual.data<std::int64_t>()[i] << " vs reference " << want;
          ++mismatches;
        }
        break;
      case ElementType::kBool:
        if (std::to_string(static_cast<int>(actual.data<std::uint8_t>()[i])) != want) {
          ADD_FAILURE() << "element " << i << ": " << static_cast<int>(actual.data<std::uint8_t>()[i])
                        << " vs reference " << want;
          ++mismatches;
        }
        break;
      case ElementType::kString:
        if (actual.strings()[i] != want) {
          ADD_FAILURE() << "element " << i << ": '" << actual.strings()[i] << "' vs reference '" << want << "'";
          ++mismatches;
        }
        break;
    }
  }
  if (expected.has_keys) {
    ASSERT_NE(actual.map_keys, nullptr) << "a map output without keys";
    std::vector<std::string> keys;
    for (std::int64_t i = 0; i < actual.map_keys->size(); ++i) {
      keys.push_back(actual.map_keys->type() == ElementType::kString
                         ? actual.map_keys->strings()[i]
                         : std::to_string(actual.map_keys->data<std::int64_t>()[i]));
    }
    EXPECT_THAT(keys, ElementsAreArray(expected.keys));
  }
}

std::set<std::string> Operators(const Model& model) {
  std::set<std::string> ops;
  for (const auto& [op, count] : model.summary().op_counts) ops.insert(op);
  return ops;
}

struct ParityCase {
  std::string model;
  std::set<std::string> operators;  // exactly the model's operators
};

void PrintTo(const ParityCase& parity, std::ostream* os) { *os << parity.model; }

class ModelParityTest : public ::testing::TestWithParam<ParityCase> {};

TEST_P(ModelParityTest, MatchesReferenceOutputs) {
  const ParityCase& parity = GetParam();
  std::string error;
  const auto model = Model::Load(DataPath(parity.model + ".onnx"), &error);
  ASSERT_NE(model, nullptr) << error;
  EXPECT_EQ(Operators(*model), parity.operators);

  Reference reference;
  ASSERT_TRUE(ReadReference(DataPath(parity.model + ".ref.txt"), &reference, &error)) << error;
  const ModelSummary& summary = model->summary();
  ASSERT_EQ(summary.inputs.size(), reference.inputs.size());
  ASSERT_EQ(summary.outputs.size(), reference.outputs.size());
  std::vector<Shape> shapes;
  std::vector<Tensor> inputs;
  for (std::size_t i = 0; i < reference.inputs.size(); ++i) {
    ASSERT_EQ(summary.inputs[i].name, reference.inputs[i].name);
    shapes.push_back(reference.inputs[i].shape);
    inputs.push_back(ToTensor(reference.inputs[i]));
  }
  const auto session = model->Plan(shapes, &error);
  ASSERT_NE(session, nullptr) << error;
  std::vector<Tensor> outputs;
  const Status status = session->Run(inputs, &outputs);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(outputs.size(), reference.outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(summary.outputs[i].name, reference.outputs[i].name);
    ExpectMatches(parity.model, outputs[i], reference.outputs[i]);
  }
}

// torch's export around nn.LSTM / nn.GRU (batch_first, the last step into a Linear).
const std::set<std::string> kRecurrentGlue = {"Concat", "Constant", "Gather",    "Gemm",
                                              "Slice",  "Squeeze",  "Transpose", "Unsqueeze"};

std::set<std::string> With(std::set<std::string> ops, const std::string& op) {
  ops.insert(op);
  return ops;
}

INSTANTIATE_TEST_SUITE_P(
    CommittedModels, ModelParityTest,
    ::testing::Values(ParityCase{"cnn1d",
                                 {"AveragePool", "BatchNormalization", "Conv", "Flatten", "Gemm", "GlobalAveragePool",
                                  "MaxPool", "Relu"}},
                      ParityCase{"cnn2d",
                                 {"AveragePool", "BatchNormalization", "Conv", "Flatten", "Gemm", "GlobalAveragePool",
                                  "MaxPool", "Relu"}},
                      ParityCase{"lstm", With(kRecurrentGlue, "LSTM")}, ParityCase{"gru", With(kRecurrentGlue, "GRU")},
                      ParityCase{"autoencoder", {"Gemm", "Tanh"}},
                      ParityCase{
                          "ops_mix",
                          {"Abs",     "Add",       "Cast",       "Clip",      "Concat",     "Equal", "Exp",   "Gather",
                           "Greater", "LeakyRelu", "Less",       "Log",       "LogSoftmax", "Max",   "Min",   "Mul",
                           "Pow",     "ReduceMax", "ReduceMean", "ReduceSum", "Reshape",    "Shape", "Slice", "Softmax",
                           "Sqrt",    "Squeeze",   "Sum",        "Transpose", "Unsqueeze",  "Where"}},
                      ParityCase{"trees", {"ai.onnx.ml:TreeEnsembleClassifier", "ai.onnx.ml:ZipMap"}},
                      ParityCase{"trees_binary", {"ai.onnx.ml:TreeEnsembleClassifier"}},
                      ParityCase{"trees_regressor", {"ai.onnx.ml:TreeEnsembleRegressor"}},
                      ParityCase{"linear", {"ai.onnx.ml:LinearClassifier", "ai.onnx.ml:Scaler"}},
                      ParityCase{"linear_regressor", {"ai.onnx.ml:LinearRegressor", "ai.onnx.ml:Normalizer"}},
                      ParityCase{"label_encoder", {"ai.onnx.ml:LabelEncoder"}}),
    [](const ::testing::TestParamInfo<ParityCase>& info) { return info.param.model; });

// Reads a CSV of numbers with a header line; returns the columns named in the header order.
bool ReadCsv(const std::string& path, std::vector<std::string>* header, std::vector<std::vector<float>>* rows) {
  std::ifstream file(path);
  std::string line;
  if (!std::getline(file, line)) return false;
  std::stringstream names(line);
  for (std::string name; std::getline(names, name, ',');) header->push_back(name);
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    std::stringstream cells(line);
    std::vector<float> row;
    for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::strtof(cell.c_str(), nullptr));
    if (row.size() != header->size()) return false;
    rows->push_back(std::move(row));
  }
  return true;
}

// The C-MAPSS classifiers over the whole golden dataset (held-out engines 81..100).
class MlpParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MlpParityTest, MatchesTorchOnTheGoldenDataset) {
  const std::string name = GetParam();
  std::string error;
  const auto model = Model::Load(DataPath(name + ".onnx"), &error);
  ASSERT_NE(model, nullptr) << error;
  EXPECT_EQ(Operators(*model), (std::set<std::string>{"Div", "Gemm", "Relu", "Sigmoid", "Sub"}));
  ASSERT_EQ(model->summary().inputs.size(), 1u);
  EXPECT_EQ(model->summary().inputs[0].name, "readings");
  EXPECT_EQ(model->summary().inputs[0].dim_names.at(0), "batch");
  EXPECT_EQ(model->summary().outputs.at(0).name, "failure_prob");

  std::vector<std::string> header, reference_header;
  std::vector<std::vector<float>> golden, reference;
  ASSERT_TRUE(ReadCsv(DataPath("golden.csv"), &header, &golden));
  ASSERT_TRUE(ReadCsv(DataPath(name + "_reference.csv"), &reference_header, &reference));
  ASSERT_EQ(header.size(), 17u);
  EXPECT_EQ(header.back(), "label");
  ASSERT_EQ(golden.size(), reference.size());
  ASSERT_GE(golden.size(), 1000u);

  const std::int64_t rows = static_cast<std::int64_t>(golden.size());
  Tensor readings = Tensor::Owned(ElementType::kFloat32, {rows, 16});
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < 16; ++c) readings.data<float>()[r * 16 + c] = golden[r][c];
  }
  const auto session = model->Plan({{rows, 16}}, &error);
  ASSERT_NE(session, nullptr) << error;
  std::vector<Tensor> outputs;
  const Status status = session->Run(std::span<const Tensor>(&readings, 1), &outputs);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(outputs.at(0).shape(), (Shape{rows, 1}));
  int mismatches = 0;
  for (std::int64_t r = 0; r < rows && mismatches < 5; ++r) {
    const float value = outputs[0].data<float>()[r];
    if (!Close(value, reference[r][0])) {
      ADD_FAILURE() << name << " row " << r << ": " << value << " vs torch " << reference[r][0];
      ++mismatches;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(CmapssClassifiers, MlpParityTest, ::testing::Values("mlp", "mlp_v1"));

}  // namespace
}  // namespace stagegate::inference
