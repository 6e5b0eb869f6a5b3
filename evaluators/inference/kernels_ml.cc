// The ai.onnx.ml operators that scikit-learn style pipelines export: Scaler,
// Normalizer, LinearRegressor, LinearClassifier, TreeEnsembleRegressor,
// TreeEnsembleClassifier, LabelEncoder and ZipMap.
//
// Where the ONNX specification leaves a case open (the binary classifiers,
// NaN features in trees), the kernels follow onnxruntime, the runtime these
// models are usually validated with.
//
// Features arrive as [N, F] (or [F], one row) float32 or int64 tensors.

#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "evaluators/inference/kernel.h"

namespace stagegate::inference {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Status NodeError(const std::string& label, const std::string& message) {
  return Status::Invalid(fmt::format("{}: {}", label, message));
}

// Rows and columns of a feature input; refuses other types and ranks.
Status PlanFeatures(const std::string& label, std::span<const PlannedValue> inputs, std::int64_t* rows,
                    std::int64_t* columns) {
  if (inputs.empty() || !inputs[0].present) return NodeError(label, "needs the input X");
  const PlannedValue& x = inputs[0];
  if (x.type != ElementType::kFloat32 && x.type != ElementType::kInt64) {
    return NodeError(label, fmt::format("input X is {}; expected float32 or int64", ElementTypeName(x.type)));
  }
  if (x.shape.size() == 1) {
    *rows = 1;
    *columns = x.shape[0];
  } else if (x.shape.size() == 2) {
    *rows = x.shape[0];
    *columns = x.shape[1];
  } else {
    return NodeError(label, fmt::format("input X has shape {}; expected [N, F] or [F]", FormatShape(x.shape)));
  }
  return Status::Ok();
}

float Feature(const Tensor& x, std::int64_t index) {
  return x.type() == ElementType::kFloat32 ? x.data<float>()[index] : static_cast<float>(x.data<std::int64_t>()[index]);
}

// The features as float32: the input itself, or converted into `scratch` for int64 input.
const float* FloatFeatures(const Tensor& x, std::span<std::byte> scratch) {
  if (x.type() == ElementType::kFloat32) return x.data<float>();
  float* converted = reinterpret_cast<float*>(scratch.data());
  for (std::int64_t i = 0; i < x.size(); ++i) converted[i] = static_cast<float>(x.data<std::int64_t>()[i]);
  return converted;
}

std::size_t ConversionScratch(const PlannedValue& x) {
  return x.type == ElementType::kInt64 ? static_cast<std::size_t>(ElementCount(x.shape)) * sizeof(float) : 0;
}

enum class PostTransform { kNone, kSoftmax, kLogistic };

Status ReadPostTransform(const NodeDef& node, bool none_only, PostTransform* transform) {
  const std::string value = node.String("post_transform", "NONE");
  if (value == "NONE") {
    *transform = PostTransform::kNone;
  } else if (value == "SOFTMAX" && !none_only) {
    *transform = PostTransform::kSoftmax;
  } else if (value == "LOGISTIC" && !none_only) {
    *transform = PostTransform::kLogistic;
  } else {
    return NodeError(node.Label(), fmt::format("post_transform '{}' is not supported; supported: {}", value,
                                               none_only ? "NONE" : "NONE, SOFTMAX, LOGISTIC"));
  }
  return Status::Ok();
}

float Logistic(float v) { return 1.0f / (1.0f + std::exp(-v)); }

void Transform(PostTransform transform, float* values, std::int64_t count) {
  if (transform == PostTransform::kLogistic) {
    for (std::int64_t i = 0; i < count; ++i) values[i] = Logistic(values[i]);
  } else if (transform == PostTransform::kSoftmax) {
    const float max = *std::max_element(values, values + count);
    float sum = 0.0f;
    for (std::int64_t i = 0; i < count; ++i) sum += values[i] = std::exp(values[i] - max);
    for (std::int64_t i = 0; i < count; ++i) values[i] /= sum;
  }
}

// The class labels of a classifier: classlabels_int64s / classlabels_ints or classlabels_strings.
struct ClassLabels {
  bool strings = false;
  std::vector<std::int64_t> ints;
  std::vector<std::string> names;

  std::int64_t size() const {
    return strings ? static_cast<std::int64_t>(names.size()) : static_cast<std::int64_t>(ints.size());
  }
  ElementType type() const { return strings ? ElementType::kString : ElementType::kInt64; }
  void Write(Tensor* out, std::int64_t row, std::int64_t index) const {
    if (strings) {
      out->strings()[row] = names[index];
    } else {
      out->data<std::int64_t>()[row] = ints[index];
    }
  }
};

Status ReadLabels(const NodeDef& node, const char* ints_name, ClassLabels* labels) {
  labels->ints = node.Ints(ints_name);
  labels->names = node.Strings("classlabels_strings");
  if (labels->ints.empty() == labels->names.empty()) {
    return NodeError(node.Label(), fmt::format("exactly one of {} and classlabels_strings must be set", ints_name));
  }
  labels->strings = !labels->names.empty();
  return Status::Ok();
}

// A float array attribute, or its double-typed *_as_tensor twin (opset 3),
// which the loader hands over as a float32 tensor.
std::vector<float> FloatsOrTensor(const NodeDef& node, const std::string& name) {
  std::vector<float> values = node.Floats(name);
  if (!values.empty()) return values;
  const Attribute* tensor = node.Find(name + "_as_tensor");
  if (tensor != nullptr && tensor->kind == Attribute::Kind::kTensor && !tensor->t.empty_handle() &&
      tensor->t.type() == ElementType::kFloat32) {
    values.assign(tensor->t.data<float>(), tensor->t.data<float>() + tensor->t.size());
  }
  return values;
}

// ---------------------------------------------------------------------------
// Scaler, Normalizer

class ScalerKernel final : public Kernel {
 public:
  ScalerKernel(std::string label, std::vector<float> offset, std::vector<float> scale)
      : label_(std::move(label)), offset_(std::move(offset)), scale_(std::move(scale)) {}

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    std::int64_t rows = 0, columns = 0;
    if (Status status = PlanFeatures(label_, inputs, &rows, &columns); !status.ok()) return status;
    for (const auto* values : {&offset_, &scale_}) {
      if (values->size() > 1 && static_cast<std::int64_t>(values->size()) != columns) {
        return NodeError(label_, fmt::format("{} has {} values for {} features",
                                             values == &offset_ ? "offset" : "scale", values->size(), columns));
      }
    }
    outputs->assign(1, OutputSpec{ElementType::kFloat32, inputs[0].shape});
    *scratch_bytes = 0;
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> /*scratch*/) const override {
    const Tensor& x = *inputs[0];
    const std::int64_t columns = x.shape().back();
    float* y = outputs[0]->data<float>();
    for (std::int64_t i = 0; i < x.size(); ++i) {
      const std::int64_t c = columns == 0 ? 0 : i % columns;
      const float offset = offset_.empty() ? 0.0f : offset_[offset_.size() == 1 ? 0 : c];
      const float scale = scale_.empty() ? 1.0f : scale_[scale_.size() == 1 ? 0 : c];
      y[i] = (Feature(x, i) - offset) * scale;
    }
    return Status::Ok();
  }

 private:
  std::string label_;
  std::vector<float> offset_;
  std::vector<float> scale_;
};

Status MakeScaler(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  *kernel = std::make_unique<ScalerKernel>(node.Label(), node.Floats("offset"), node.Floats("scale"));
  return Status::Ok();
}

enum class Norm { kMax, kL1, kL2 };

class NormalizerKernel final : public Kernel {
 public:
  NormalizerKernel(std::string label, Norm norm) : label_(std::move(label)), norm_(norm) {}

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    std::int64_t rows = 0, columns = 0;
    if (Status status = PlanFeatures(label_, inputs, &rows, &columns); !status.ok()) return status;
    outputs->assign(1, OutputSpec{ElementType::kFloat32, inputs[0].shape});
    *scratch_bytes = 0;
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> /*scratch*/) const override {
    const Tensor& x = *inputs[0];
    const std::int64_t columns = x.shape().back();
    const std::int64_t rows = columns == 0 ? 0 : x.size() / columns;
    float* y = outputs[0]->data<float>();
    for (std::int64_t r = 0; r < rows; ++r) {
      float norm = 0.0f;
      if (norm_ == Norm::kMax) {
        norm = -std::numeric_limits<float>::infinity();
        for (std::int64_t c = 0; c < columns; ++c) norm = std::max(norm, Feature(x, r * columns + c));
      } else {
        for (std::int64_t c = 0; c < columns; ++c) {
          const float v = Feature(x, r * columns + c);
          norm += norm_ == Norm::kL1 ? std::abs(v) : v * v;
        }
        if (norm_ == Norm::kL2) norm = std::sqrt(norm);
      }
      // A zero norm (an all-zero row) leaves the row as it is, as onnxruntime does.
      const bool divide = norm != 0.0f && std::isfinite(norm);
      for (std::int64_t c = 0; c < columns; ++c) {
        const float v = Feature(x, r * columns + c);
        y[r * columns + c] = divide ? v / norm : v;
      }
    }
    return Status::Ok();
  }

 private:
  std::string label_;
  Norm norm_;
};

Status MakeNormalizer(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  const std::string norm = node.String("norm", "MAX");
  Norm kind = Norm::kMax;
  if (norm == "L1") {
    kind = Norm::kL1;
  } else if (norm == "L2") {
    kind = Norm::kL2;
  } else if (norm != "MAX") {
    return NodeError(node.Label(), fmt::format("norm '{}' is not one of MAX, L1, L2", norm));
  }
  *kernel = std::make_unique<NormalizerKernel>(node.Label(), kind);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// LinearRegressor, LinearClassifier

// Scores = X · coefficientsᵀ + intercepts, one row of coefficients per target or class.
class LinearKernel final : public Kernel {
 public:
  LinearKernel(std::string label, std::vector<float> coefficients, std::vector<float> intercepts, std::int64_t targets,
               PostTransform transform, const ClassLabels* labels)
      : label_(std::move(label)),
        coefficients_(std::move(coefficients)),
        intercepts_(std::move(intercepts)),
        targets_(targets),
        transform_(transform),
        classifier_(labels != nullptr),
        labels_(labels != nullptr ? *labels : ClassLabels{}) {}

  // One coefficient row and two labels: onnxruntime's binary classifier.
  bool binary() const { return classifier_ && targets_ == 1 && labels_.size() == 2; }

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    std::int64_t rows = 0, columns = 0;
    if (Status status = PlanFeatures(label_, inputs, &rows, &columns); !status.ok()) return status;
    if (static_cast<std::int64_t>(coefficients_.size()) != targets_ * columns) {
      return NodeError(
          label_, fmt::format("coefficients has {} values; {} {} × {} features need {}", coefficients_.size(), targets_,
                              classifier_ ? "classes" : "targets", columns, targets_ * columns));
    }
    const std::int64_t score_columns = binary() ? 2 : targets_;
    if (classifier_) {
      outputs->assign(2, OutputSpec{labels_.type(), {rows}});
      (*outputs)[1] = OutputSpec{ElementType::kFloat32, {rows, score_columns}};
    } else {
      outputs->assign(1, OutputSpec{ElementType::kFloat32, {rows, targets_}});
    }
    *scratch_bytes =
        ConversionScratch(inputs[0]) + (classifier_ ? static_cast<std::size_t>(rows * targets_) * sizeof(float) : 0);
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> scratch) const override {
    const Tensor& x = *inputs[0];
    const std::int64_t columns = x.shape().back();
    const std::int64_t rows = x.shape().size() == 1 ? 1 : x.shape()[0];
    const float* features = FloatFeatures(x, scratch);
    const std::size_t converted =
        x.type() == ElementType::kInt64 ? static_cast<std::size_t>(x.size()) * sizeof(float) : 0;
    // A regressor writes its output directly; a classifier needs raw scores first.
    float* scores = classifier_ ? reinterpret_cast<float*>(scratch.data() + converted) : outputs[0]->data<float>();
    Eigen::Map<RowMatrix> result(scores, rows, targets_);
    result.noalias() = Eigen::Map<const RowMatrix>(features, rows, columns) *
                       Eigen::Map<const RowMatrix>(coefficients_.data(), targets_, columns).transpose();
    if (!intercepts_.empty()) {
      result.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(intercepts_.data(), targets_);
    }
    if (!classifier_) return Status::Ok();

    Tensor* label = outputs[0];
    Tensor* probabilities = outputs.size() > 1 ? outputs[1] : nullptr;
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* raw = scores + r * targets_;
      if (binary()) {
        if (label != nullptr) labels_.Write(label, r, raw[0] > 0.0f ? 1 : 0);
        if (probabilities != nullptr) {
          // As onnxruntime (checked with 1.31): LOGISTIC gives [σ(−s), σ(s)];
          // every other transform, SOFTMAX included, gives [1 − s, s].
          float* z = probabilities->data<float>() + r * 2;
          if (transform_ == PostTransform::kLogistic) {
            z[0] = -raw[0];
            z[1] = raw[0];
            Transform(transform_, z, 2);
          } else {
            z[0] = 1.0f - raw[0];
            z[1] = raw[0];
          }
        }
        continue;
      }
      if (label != nullptr) labels_.Write(label, r, std::max_element(raw, raw + targets_) - raw);
      if (probabilities != nullptr) {
        float* z = probabilities->data<float>() + r * targets_;
        std::copy(raw, raw + targets_, z);
        Transform(transform_, z, targets_);
      }
    }
    return Status::Ok();
  }

 private:
  std::string label_;
  std::vector<float> coefficients_;  // [targets, F], row-major
  std::vector<float> intercepts_;    // [targets] or empty
  std::int64_t targets_;
  PostTransform transform_;
  bool classifier_;
  ClassLabels labels_;
};

Status MakeLinearRegressor(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  PostTransform transform;
  if (Status status = ReadPostTransform(node, true, &transform); !status.ok()) return status;
  const std::int64_t targets = node.Int("targets", 1);
  std::vector<float> intercepts = node.Floats("intercepts");
  if (targets < 1) return NodeError(node.Label(), "targets must be at least 1");
  if (!intercepts.empty() && static_cast<std::int64_t>(intercepts.size()) != targets) {
    return NodeError(node.Label(), fmt::format("intercepts has {} values for {} targets", intercepts.size(), targets));
  }
  *kernel = std::make_unique<LinearKernel>(node.Label(), node.Floats("coefficients"), std::move(intercepts), targets,
                                           transform, nullptr);
  return Status::Ok();
}

Status MakeLinearClassifier(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  PostTransform transform;
  if (Status status = ReadPostTransform(node, false, &transform); !status.ok()) return status;
  ClassLabels labels;
  if (Status status = ReadLabels(node, "classlabels_ints", &labels); !status.ok()) return status;
  std::vector<float> intercepts = node.Floats("intercepts");
  const std::int64_t classes = intercepts.empty() ? labels.size() : static_cast<std::int64_t>(intercepts.size());
  if (classes != labels.size() && !(classes == 1 && labels.size() == 2)) {
    return NodeError(node.Label(), fmt::format("{} intercepts for {} class labels; expected one per class (or one "
                                               "for two classes, the binary case)",
                                               classes, labels.size()));
  }
  *kernel = std::make_unique<LinearKernel>(node.Label(), node.Floats("coefficients"), std::move(intercepts), classes,
                                           transform, &labels);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// TreeEnsembleRegressor, TreeEnsembleClassifier

enum class Mode : std::uint8_t { kLeq, kLt, kGte, kGt, kEq, kNeq, kLeaf };
enum class Aggregate { kSum, kAverage, kMin, kMax };

struct TreeNode {
  std::int64_t feature = 0;
  float threshold = 0.0f;
  Mode mode = Mode::kLeaf;
  bool missing_true = false;  // a NaN feature takes the true branch
  std::int32_t true_index = -1;
  std::int32_t false_index = -1;
  std::int32_t votes_begin = 0;  // leaves: the range of `votes`
  std::int32_t votes_end = 0;
};

struct Vote {
  std::int64_t id = 0;  // target or class index
  float weight = 0.0f;
};

struct Ensemble {
  std::vector<TreeNode> nodes;
  std::vector<Vote> votes;
  std::vector<std::int32_t> roots;
  std::int64_t max_feature = -1;
};

bool Goes(const TreeNode& node, float v) {
  bool result = false;
  switch (node.mode) {
    case Mode::kLeq:
      result = v <= node.threshold;
      break;
    case Mode::kLt:
      result = v < node.threshold;
      break;
    case Mode::kGte:
      result = v >= node.threshold;
      break;
    case Mode::kGt:
      result = v > node.threshold;
      break;
    case Mode::kEq:
      result = v == node.threshold;
      break;
    case Mode::kNeq:
      result = v != node.threshold;
      break;
    case Mode::kLeaf:
      break;
  }
  return result || (node.missing_true && std::isnan(v));
}

// Builds the ensemble from the nodes_* attributes and the leaf votes
// (`prefix` "class" or "target"); refuses inconsistent or cyclic trees.
Status BuildEnsemble(const NodeDef& node, const std::string& prefix, std::int64_t outputs, Ensemble* ensemble) {
  const std::string label = node.Label();
  const std::vector<std::int64_t> tree_ids = node.Ints("nodes_treeids");
  const std::vector<std::int64_t> node_ids = node.Ints("nodes_nodeids");
  const std::vector<std::int64_t> features = node.Ints("nodes_featureids");
  const std::vector<float> values = FloatsOrTensor(node, "nodes_values");
  const std::vector<std::string> modes = node.Strings("nodes_modes");
  const std::vector<std::int64_t> true_ids = node.Ints("nodes_truenodeids");
  const std::vector<std::int64_t> false_ids = node.Ints("nodes_falsenodeids");
  const std::vector<std::int64_t> missing = node.Ints("nodes_missing_value_tracks_true");
  const std::size_t count = tree_ids.size();
  if (count == 0) return NodeError(label, "has no tree nodes");
  if (node_ids.size() != count || features.size() != count || modes.size() != count || true_ids.size() != count ||
      false_ids.size() != count || (!values.empty() && values.size() != count) ||
      (!missing.empty() && missing.size() != count)) {
    return NodeError(label, "the nodes_* attributes have different lengths");
  }
  if (count > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return NodeError(label, "has too many tree nodes");
  }
  std::map<std::pair<std::int64_t, std::int64_t>, std::int32_t> index;
  std::map<std::int64_t, std::int32_t> roots;
  ensemble->nodes.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (!index.emplace(std::pair{tree_ids[i], node_ids[i]}, static_cast<std::int32_t>(i)).second) {
      return NodeError(label, fmt::format("tree {} has node {} twice", tree_ids[i], node_ids[i]));
    }
    TreeNode& tree_node = ensemble->nodes[i];
    static const std::map<std::string, Mode, std::less<>> kModes = {
        {"BRANCH_LEQ", Mode::kLeq}, {"BRANCH_LT", Mode::kLt},   {"BRANCH_GTE", Mode::kGte}, {"BRANCH_GT", Mode::kGt},
        {"BRANCH_EQ", Mode::kEq},   {"BRANCH_NEQ", Mode::kNeq}, {"LEAF", Mode::kLeaf}};
    const auto mode = kModes.find(modes[i]);
    if (mode == kModes.end()) return NodeError(label, fmt::format("unknown node mode '{}'", modes[i]));
    tree_node.mode = mode->second;
    tree_node.feature = features[i];
    tree_node.threshold = values.empty() ? 0.0f : values[i];
    tree_node.missing_true = !missing.empty() && missing[i] != 0;
    if (tree_node.mode != Mode::kLeaf) {
      if (features[i] < 0) return NodeError(label, fmt::format("feature id {} is negative", features[i]));
      ensemble->max_feature = std::max(ensemble->max_feature, features[i]);
    }
    // The root of a tree is its node 0, or else its lowest node id.
    auto [root, inserted] = roots.emplace(tree_ids[i], static_cast<std::int32_t>(i));
    if (!inserted && node_ids[i] < node_ids[root->second]) root->second = static_cast<std::int32_t>(i);
  }
  for (std::size_t i = 0; i < count; ++i) {
    TreeNode& tree_node = ensemble->nodes[i];
    if (tree_node.mode == Mode::kLeaf) continue;
    for (auto [id, target] : {std::pair{true_ids[i], &tree_node.true_index}, {false_ids[i], &tree_node.false_index}}) {
      const auto found = index.find({tree_ids[i], id});
      if (found == index.end()) {
        return NodeError(label, fmt::format("tree {} node {} branches to node {}, which does not exist", tree_ids[i],
                                            node_ids[i], id));
      }
      *target = found->second;
    }
  }
  // A cycle would make the walk endless: refuse it (iterative depth-first search).
  std::vector<std::uint8_t> state(count, 0);  // 0 unseen, 1 on the stack, 2 done
  std::vector<std::pair<std::int32_t, int>> stack;
  for (const auto& [tree, root] : roots) {
    ensemble->roots.push_back(root);
    if (state[root] != 0) continue;
    stack.push_back({root, 0});
    state[root] = 1;
    while (!stack.empty()) {
      auto& [at, next] = stack.back();
      const TreeNode& tree_node = ensemble->nodes[at];
      if (tree_node.mode == Mode::kLeaf || next == 2) {
        state[at] = 2;
        stack.pop_back();
        continue;
      }
      const std::int32_t child = next++ == 0 ? tree_node.true_index : tree_node.false_index;
      if (state[child] == 1) return NodeError(label, fmt::format("tree {} has a cycle", tree));
      if (state[child] == 0) {
        state[child] = 1;
        stack.push_back({child, 0});
      }
    }
  }
  // Leaf votes.
  const std::vector<std::int64_t> vote_trees = node.Ints(prefix + "_treeids");
  const std::vector<std::int64_t> vote_nodes = node.Ints(prefix + "_nodeids");
  const std::vector<std::int64_t> vote_ids = node.Ints(prefix + "_ids");
  const std::vector<float> vote_weights = FloatsOrTensor(node, prefix + "_weights");
  if (vote_nodes.size() != vote_trees.size() || vote_ids.size() != vote_trees.size() ||
      vote_weights.size() != vote_trees.size()) {
    return NodeError(label, fmt::format("the {}_* attributes have different lengths", prefix));
  }
  std::vector<std::vector<Vote>> per_node(count);
  for (std::size_t v = 0; v < vote_trees.size(); ++v) {
    const auto found = index.find({vote_trees[v], vote_nodes[v]});
    if (found == index.end()) {
      return NodeError(label,
                       fmt::format("a vote names tree {} node {}, which does not exist", vote_trees[v], vote_nodes[v]));
    }
    if (vote_ids[v] < 0 || vote_ids[v] >= outputs) {
      return NodeError(label, fmt::format("{} id {} is outside 0..{}", prefix, vote_ids[v], outputs - 1));
    }
    per_node[found->second].push_back({vote_ids[v], vote_weights[v]});
  }
  for (std::size_t i = 0; i < count; ++i) {
    ensemble->nodes[i].votes_begin = static_cast<std::int32_t>(ensemble->votes.size());
    ensemble->votes.insert(ensemble->votes.end(), per_node[i].begin(), per_node[i].end());
    ensemble->nodes[i].votes_end = static_cast<std::int32_t>(ensemble->votes.size());
  }
  return Status::Ok();
}

// Walks every tree for one row and folds the leaves' votes into `scores`
// (`has_score` marks the entries some leaf voted for).
void Accumulate(const Ensemble& ensemble, const Tensor& x, std::int64_t row_offset, Aggregate aggregate, float* scores,
                std::uint8_t* has_score) {
  for (const std::int32_t root : ensemble.roots) {
    const TreeNode* at = &ensemble.nodes[root];
    while (at->mode != Mode::kLeaf) {
      at = &ensemble.nodes[Goes(*at, Feature(x, row_offset + at->feature)) ? at->true_index : at->false_index];
    }
    for (std::int32_t v = at->votes_begin; v < at->votes_end; ++v) {
      const Vote& vote = ensemble.votes[v];
      float& score = scores[vote.id];
      switch (aggregate) {
        case Aggregate::kSum:
        case Aggregate::kAverage:
          score += vote.weight;
          break;
        case Aggregate::kMin:
          score = has_score[vote.id] ? std::min(score, vote.weight) : vote.weight;
          break;
        case Aggregate::kMax:
          score = has_score[vote.id] ? std::max(score, vote.weight) : vote.weight;
          break;
      }
      has_score[vote.id] = 1;
    }
  }
}

class TreeEnsembleKernel final : public Kernel {
 public:
  TreeEnsembleKernel(std::string label, Ensemble ensemble, std::int64_t outputs, Aggregate aggregate,
                     std::vector<float> base_values, PostTransform transform, const ClassLabels* labels, bool binary,
                     bool weights_all_positive)
      : label_(std::move(label)),
        ensemble_(std::move(ensemble)),
        outputs_(outputs),
        aggregate_(aggregate),
        base_values_(std::move(base_values)),
        transform_(transform),
        classifier_(labels != nullptr),
        labels_(labels != nullptr ? *labels : ClassLabels{}),
        binary_(binary),
        weights_all_positive_(weights_all_positive) {}

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    std::int64_t rows = 0, columns = 0;
    if (Status status = PlanFeatures(label_, inputs, &rows, &columns); !status.ok()) return status;
    if (ensemble_.max_feature >= columns) {
      return NodeError(label_, fmt::format("the trees read feature {} but the input has {} features",
                                           ensemble_.max_feature, columns));
    }
    if (classifier_) {
      outputs->assign(2, OutputSpec{labels_.type(), {rows}});
      (*outputs)[1] = OutputSpec{ElementType::kFloat32, {rows, outputs_}};
    } else {
      outputs->assign(1, OutputSpec{ElementType::kFloat32, {rows, outputs_}});
    }
    *scratch_bytes = static_cast<std::size_t>(outputs_) * (sizeof(float) + 1);
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> scratch) const override {
    const Tensor& x = *inputs[0];
    const std::int64_t columns = x.shape().back();
    const std::int64_t rows = x.shape().size() == 1 ? 1 : x.shape()[0];
    float* scores = reinterpret_cast<float*>(scratch.data());
    std::uint8_t* has_score = reinterpret_cast<std::uint8_t*>(scratch.data() + outputs_ * sizeof(float));
    Tensor* label = classifier_ ? outputs[0] : nullptr;
    Tensor* values = classifier_ ? (outputs.size() > 1 ? outputs[1] : nullptr) : outputs[0];
    for (std::int64_t r = 0; r < rows; ++r) {
      std::fill(scores, scores + outputs_, 0.0f);
      std::fill(has_score, has_score + outputs_, 0);
      Accumulate(ensemble_, x, r * columns, aggregate_, scores, has_score);
      if (aggregate_ == Aggregate::kAverage) {
        for (std::int64_t i = 0; i < outputs_; ++i) scores[i] /= static_cast<float>(ensemble_.roots.size());
      }
      float* z = values != nullptr ? values->data<float>() + r * outputs_ : nullptr;
      if (binary_) {
        // onnxruntime's binary case: one score s for the positive class.
        const float s = scores[0] + (base_values_.empty() ? 0.0f : base_values_[0]);
        const bool positive = weights_all_positive_ ? s > 0.5f : s > 0.0f;
        if (label != nullptr) labels_.Write(label, r, positive ? 1 : 0);
        if (z != nullptr) {
          if (weights_all_positive_) {
            z[0] = 1.0f - s;  // a probability already: no post_transform
            z[1] = s;
          } else if (transform_ == PostTransform::kLogistic) {
            z[0] = Logistic(-s);
            z[1] = Logistic(s);
          } else {
            z[0] = -s;
            z[1] = s;
          }
        }
        continue;
      }
      for (std::size_t i = 0; i < base_values_.size(); ++i) {
        scores[i] += base_values_[i];
        has_score[i] = 1;
      }
      if (label != nullptr) {
        std::int64_t best = 0;
        bool found = false;
        for (std::int64_t i = 0; i < outputs_; ++i) {
          if (has_score[i] && (!found || scores[i] > scores[best])) {
            best = i;
            found = true;
          }
        }
        labels_.Write(label, r, best);
      }
      if (z != nullptr) {
        std::copy(scores, scores + outputs_, z);
        Transform(transform_, z, outputs_);
      }
    }
    return Status::Ok();
  }

 private:
  std::string label_;
  Ensemble ensemble_;
  std::int64_t outputs_;  // targets, or classes (2 in the binary case)
  Aggregate aggregate_;
  std::vector<float> base_values_;
  PostTransform transform_;
  bool classifier_;
  ClassLabels labels_;
  bool binary_;
  bool weights_all_positive_;
};

Status MakeTreeEnsembleRegressor(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  PostTransform transform;
  if (Status status = ReadPostTransform(node, false, &transform); !status.ok()) return status;
  const std::int64_t targets = node.Int("n_targets", 1);
  if (targets < 1) return NodeError(node.Label(), "n_targets must be at least 1");
  const std::string aggregate_name = node.String("aggregate_function", "SUM");
  static const std::map<std::string, Aggregate, std::less<>> kAggregates = {
      {"SUM", Aggregate::kSum}, {"AVERAGE", Aggregate::kAverage}, {"MIN", Aggregate::kMin}, {"MAX", Aggregate::kMax}};
  const auto aggregate = kAggregates.find(aggregate_name);
  if (aggregate == kAggregates.end()) {
    return NodeError(node.Label(),
                     fmt::format("aggregate_function '{}' is not one of SUM, AVERAGE, MIN, MAX", aggregate_name));
  }
  std::vector<float> base_values = FloatsOrTensor(node, "base_values");
  if (!base_values.empty() && static_cast<std::int64_t>(base_values.size()) != targets) {
    return NodeError(node.Label(),
                     fmt::format("base_values has {} values for {} targets", base_values.size(), targets));
  }
  Ensemble ensemble;
  if (Status status = BuildEnsemble(node, "target", targets, &ensemble); !status.ok()) return status;
  *kernel = std::make_unique<TreeEnsembleKernel>(node.Label(), std::move(ensemble), targets, aggregate->second,
                                                 std::move(base_values), transform, nullptr, false, false);
  return Status::Ok();
}

Status MakeTreeEnsembleClassifier(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  PostTransform transform;
  if (Status status = ReadPostTransform(node, false, &transform); !status.ok()) return status;
  ClassLabels labels;
  if (Status status = ReadLabels(node, "classlabels_int64s", &labels); !status.ok()) return status;
  std::vector<float> base_values = FloatsOrTensor(node, "base_values");
  const std::vector<std::int64_t> class_ids = node.Ints("class_ids");
  const std::vector<float> weights = FloatsOrTensor(node, "class_weights");
  // onnxruntime's binary case: two labels, every vote for one class.
  const bool single_class = !class_ids.empty() && std::all_of(class_ids.begin(), class_ids.end(),
                                                              [&](std::int64_t id) { return id == class_ids[0]; });
  const bool binary = labels.size() == 2 && single_class;
  if (binary) {
    if (class_ids[0] != 0) {
      return NodeError(node.Label(), "a binary classifier whose votes are all for class 1 is not supported");
    }
    if (base_values.size() > 1) {
      return NodeError(node.Label(), "a binary classifier (votes for one class) takes at most one base value");
    }
  } else if (!base_values.empty() && static_cast<std::int64_t>(base_values.size()) != labels.size()) {
    return NodeError(node.Label(),
                     fmt::format("base_values has {} values for {} classes", base_values.size(), labels.size()));
  }
  const bool all_positive = std::all_of(weights.begin(), weights.end(), [](float w) { return w >= 0.0f; });
  Ensemble ensemble;
  if (Status status = BuildEnsemble(node, "class", labels.size(), &ensemble); !status.ok()) return status;
  *kernel = std::make_unique<TreeEnsembleKernel>(node.Label(), std::move(ensemble), labels.size(), Aggregate::kSum,
                                                 std::move(base_values), transform, &labels, binary, all_positive);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// ZipMap

class ZipMapKernel final : public Kernel {
 public:
  ZipMapKernel(std::string label, std::shared_ptr<const Tensor> keys)
      : label_(std::move(label)), keys_(std::move(keys)) {}

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    const PlannedValue& x = inputs[0];
    if (!x.present || x.type != ElementType::kFloat32 || x.shape.size() != 2 || x.shape[1] != keys_->size()) {
      return NodeError(label_, fmt::format("input X has shape {}; expected float32 [N, {}], one column per class label",
                                           FormatShape(x.shape), keys_->size()));
    }
    outputs->assign(1, OutputSpec{ElementType::kFloat32, x.shape});
    *scratch_bytes = 0;
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> /*scratch*/) const override {
    std::memcpy(outputs[0]->data<float>(), inputs[0]->data<float>(), inputs[0]->bytes());
    outputs[0]->map_keys = keys_;
    return Status::Ok();
  }

 private:
  std::string label_;
  std::shared_ptr<const Tensor> keys_;  // int64 or string [C]
};

Status MakeZipMap(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  ClassLabels labels;
  if (Status status = ReadLabels(node, "classlabels_int64s", &labels); !status.ok()) return status;
  auto keys = std::make_shared<Tensor>(Tensor::Owned(labels.type(), {labels.size()}));
  for (std::int64_t i = 0; i < labels.size(); ++i) labels.Write(keys.get(), i, i);
  *kernel = std::make_unique<ZipMapKernel>(node.Label(), std::move(keys));
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// LabelEncoder

// One side (keys or values) of a LabelEncoder mapping.
struct Column {
  ElementType type = ElementType::kString;
  std::vector<std::string> strings;
  std::vector<std::int64_t> ints;
  std::vector<float> floats;
  std::size_t size() const {
    return type == ElementType::kString ? strings.size() : type == ElementType::kInt64 ? ints.size() : floats.size();
  }
};

class LabelEncoderKernel final : public Kernel {
 public:
  LabelEncoderKernel(std::string label, Column keys, Column values, std::string default_string,
                     std::int64_t default_int, float default_float)
      : label_(std::move(label)),
        keys_(std::move(keys)),
        values_(std::move(values)),
        default_string_(std::move(default_string)),
        default_int_(default_int),
        default_float_(default_float) {
    // The first occurrence of a key wins.
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_.type == ElementType::kString) string_index_.emplace(keys_.strings[i], i);
      if (keys_.type == ElementType::kInt64) int_index_.emplace(keys_.ints[i], i);
      if (keys_.type == ElementType::kFloat32 && !std::isnan(keys_.floats[i])) float_index_.emplace(keys_.floats[i], i);
    }
  }

  Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
              std::size_t* scratch_bytes) const override {
    const PlannedValue& x = inputs[0];
    if (!x.present || x.type != keys_.type) {
      return NodeError(
          label_, fmt::format("input X is {}; the keys are {}", ElementTypeName(x.type), ElementTypeName(keys_.type)));
    }
    outputs->assign(1, OutputSpec{values_.type, x.shape});
    *scratch_bytes = 0;
    return Status::Ok();
  }

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
             std::span<std::byte> /*scratch*/) const override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    constexpr std::size_t kMissing = static_cast<std::size_t>(-1);
    for (std::int64_t i = 0; i < x.size(); ++i) {
      std::size_t found = kMissing;
      if (keys_.type == ElementType::kString) {
        const auto it = string_index_.find(x.strings()[i]);
        if (it != string_index_.end()) found = it->second;
      } else if (keys_.type == ElementType::kInt64) {
        const auto it = int_index_.find(x.data<std::int64_t>()[i]);
        if (it != int_index_.end()) found = it->second;
      } else {
        const auto it = float_index_.find(x.data<float>()[i]);
        if (it != float_index_.end()) found = it->second;
      }
      if (values_.type == ElementType::kString) {
        y.strings()[i] = found == kMissing ? default_string_ : values_.strings[found];
      } else if (values_.type == ElementType::kInt64) {
        y.data<std::int64_t>()[i] = found == kMissing ? default_int_ : values_.ints[found];
      } else {
        y.data<float>()[i] = found == kMissing ? default_float_ : values_.floats[found];
      }
    }
    return Status::Ok();
  }

 private:
  std::string label_;
  Column keys_;
  Column values_;
  std::string default_string_;
  std::int64_t default_int_;
  float default_float_;
  std::unordered_map<std::string, std::size_t> string_index_;
  std::unordered_map<std::int64_t, std::size_t> int_index_;
  std::map<float, std::size_t> float_index_;
};

// Reads keys_* or values_* (opset 2): exactly one of the three kinds.
Status ReadColumn(const NodeDef& node, const std::string& prefix, Column* column) {
  int kinds = 0;
  if (node.Find(prefix + "_strings") != nullptr) {
    column->type = ElementType::kString;
    column->strings = node.Strings(prefix + "_strings");
    ++kinds;
  }
  if (node.Find(prefix + "_int64s") != nullptr) {
    column->type = ElementType::kInt64;
    column->ints = node.Ints(prefix + "_int64s");
    ++kinds;
  }
  if (node.Find(prefix + "_floats") != nullptr) {
    column->type = ElementType::kFloat32;
    column->floats = node.Floats(prefix + "_floats");
    ++kinds;
  }
  if (kinds != 1) {
    return NodeError(node.Label(),
                     fmt::format("exactly one of {0}_strings, {0}_int64s, {0}_floats must be set", prefix));
  }
  return Status::Ok();
}

Status MakeLabelEncoder(const NodeDef& node, std::unique_ptr<Kernel>* kernel) {
  const std::string default_string = node.String("default_string", "_Unused");
  const std::int64_t default_int = node.Int("default_int64", -1);
  if (node.opset <= 1) {
    // Opset 1: classes_strings maps a string to its index, and an index back.
    // Which way is decided by the input's type; both are built and Plan picks.
    Column strings{ElementType::kString, node.Strings("classes_strings"), {}, {}};
    Column indices{ElementType::kInt64, {}, {}, {}};
    for (std::size_t i = 0; i < strings.strings.size(); ++i) indices.ints.push_back(static_cast<std::int64_t>(i));
    class Opset1 final : public Kernel {
     public:
      Opset1(std::unique_ptr<Kernel> encode, std::unique_ptr<Kernel> decode)
          : encode_(std::move(encode)), decode_(std::move(decode)) {}
      Status Plan(std::span<const PlannedValue> inputs, std::vector<OutputSpec>* outputs,
                  std::size_t* scratch_bytes) const override {
        return Pick(inputs[0].type).Plan(inputs, outputs, scratch_bytes);
      }
      Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
                 std::span<std::byte> scratch) const override {
        return Pick(inputs[0]->type()).Run(inputs, outputs, scratch);
      }

     private:
      const Kernel& Pick(ElementType type) const { return type == ElementType::kInt64 ? *decode_ : *encode_; }
      std::unique_ptr<Kernel> encode_;
      std::unique_ptr<Kernel> decode_;
    };
    auto encode =
        std::make_unique<LabelEncoderKernel>(node.Label(), strings, indices, default_string, default_int, 0.0f);
    auto decode =
        std::make_unique<LabelEncoderKernel>(node.Label(), indices, strings, default_string, default_int, 0.0f);
    *kernel = std::make_unique<Opset1>(std::move(encode), std::move(decode));
    return Status::Ok();
  }
  Column keys, values;
  if (Status status = ReadColumn(node, "keys", &keys); !status.ok()) return status;
  if (Status status = ReadColumn(node, "values", &values); !status.ok()) return status;
  if (keys.size() != values.size()) {
    return NodeError(node.Label(), fmt::format("{} keys but {} values", keys.size(), values.size()));
  }
  *kernel = std::make_unique<LabelEncoderKernel>(node.Label(), std::move(keys), std::move(values), default_string,
                                                 default_int, node.Float("default_float", -0.0f));
  return Status::Ok();
}

}  // namespace

void RegisterMlKernels(KernelRegistry& registry) {
  const std::string ml = "ai.onnx.ml";
  registry.Register({ml, "Scaler", 1, 1000, &MakeScaler});
  registry.Register({ml, "Normalizer", 1, 1000, &MakeNormalizer});
  registry.Register({ml, "LinearRegressor", 1, 1000, &MakeLinearRegressor});
  registry.Register({ml, "LinearClassifier", 1, 1000, &MakeLinearClassifier});
  registry.Register({ml, "TreeEnsembleRegressor", 1, 3, &MakeTreeEnsembleRegressor});
  registry.Register({ml, "TreeEnsembleClassifier", 1, 3, &MakeTreeEnsembleClassifier});
  registry.Register({ml, "ZipMap", 1, 1000, &MakeZipMap});
  registry.Register({ml, "LabelEncoder", 1, 3, &MakeLabelEncoder});
}

}  // namespace stagegate::inference
