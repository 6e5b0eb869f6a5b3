#include "evaluators/inference/onnx_loader.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <climits>
#include <cstring>
#include <exception>
#include <map>
#include <set>
#include <utility>

namespace stagegate::inference {
namespace {

constexpr std::string_view kMlDomain = "ai.onnx.ml";

// "" and "ai.onnx" both name the default domain; the NodeDef uses "".
std::string NormalizeDomain(const std::string& domain) { return domain == "ai.onnx" ? std::string() : domain; }

bool ConvertElementType(int onnx_type, ElementType* type) {
  switch (onnx_type) {
    case onnx::TensorProto_DataType_FLOAT:
      *type = ElementType::kFloat32;
      return true;
    case onnx::TensorProto_DataType_INT64:
      *type = ElementType::kInt64;
      return true;
    case onnx::TensorProto_DataType_BOOL:
      *type = ElementType::kBool;
      return true;
    case onnx::TensorProto_DataType_STRING:
      *type = ElementType::kString;
      return true;
    default:
      return false;
  }
}

std::string OnnxTypeName(int onnx_type) {
  if (onnx::TensorProto_DataType_IsValid(onnx_type)) {
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(onnx_type));
  }
  return fmt::format("type {}", onnx_type);
}

// Converts one TensorProto (initializer or attribute) into an owned tensor.
// `what` names it in messages ("initializer 'W'").
Status ConvertTensor(const onnx::TensorProto& proto, const std::string& what, Tensor* out) {
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL || proto.external_data_size() > 0) {
    return Status::Invalid(fmt::format(
        "{} keeps its data in an external file; Stagegate loads self-contained models only (save the model with "
        "its weights inside, under 2 GB)",
        what));
  }
  ElementType type;
  if (!ConvertElementType(proto.data_type(), &type)) {
    return Status::Invalid(fmt::format("{} has element type {}; Stagegate runs float, int64, bool and string tensors",
                                       what, OnnxTypeName(proto.data_type())));
  }
  Shape shape;
  std::int64_t count = 1;
  for (std::int64_t dim : proto.dims()) {
    if (dim < 0) return Status::Invalid(fmt::format("{} has a negative dimension {}", what, dim));
    if (dim != 0 && count > kMaxTensorElements / dim) {
      return Status::Invalid(fmt::format("{} is too large (more than {} elements)", what, kMaxTensorElements));
    }
    count *= dim;
    shape.push_back(dim);
  }
  const std::string& raw = proto.raw_data();
  const bool has_raw = proto.has_raw_data();
  auto size_error = [&](std::size_t found) {
    return Status::Invalid(
        fmt::format("{} has shape {} ({} elements) but holds {} values", what, FormatShape(shape), count, found));
  };
  if (type == ElementType::kString) {
    if (static_cast<std::int64_t>(proto.string_data_size()) != count) {
      return size_error(static_cast<std::size_t>(proto.string_data_size()));
    }
    Tensor tensor = Tensor::Owned(type, shape);
    for (std::int64_t i = 0; i < count; ++i) tensor.strings()[i] = proto.string_data(static_cast<int>(i));
    *out = std::move(tensor);
    return Status::Ok();
  }
  // Sizes are checked before anything is allocated: a corrupt file may
  // declare billions of elements and hold none.
  if (has_raw) {
    const std::size_t want = static_cast<std::size_t>(count) * ElementSize(type);
    if (raw.size() != want) {
      return Status::Invalid(fmt::format("{} has shape {} ({} bytes of {}) but raw_data holds {} bytes", what,
                                         FormatShape(shape), want, ElementTypeName(type), raw.size()));
    }
    Tensor tensor = Tensor::Owned(type, shape);
    if (want > 0) std::memcpy(tensor.raw(), raw.data(), want);  // ONNX raw_data is little-endian, as is x86/ARM
    *out = std::move(tensor);
    return Status::Ok();
  }
  const int held = type == ElementType::kFloat32 ? proto.float_data_size()
                   : type == ElementType::kInt64 ? proto.int64_data_size()
                                                 : proto.int32_data_size();  // ONNX stores bools in int32_data
  if (held != count) return size_error(static_cast<std::size_t>(held));
  Tensor tensor = Tensor::Owned(type, shape);
  switch (type) {
    case ElementType::kFloat32:
      for (std::int64_t i = 0; i < count; ++i) tensor.data<float>()[i] = proto.float_data(static_cast<int>(i));
      break;
    case ElementType::kInt64:
      for (std::int64_t i = 0; i < count; ++i) tensor.data<std::int64_t>()[i] = proto.int64_data(static_cast<int>(i));
      break;
    case ElementType::kBool:
      for (std::int64_t i = 0; i < count; ++i) {
        tensor.data<std::uint8_t>()[i] = proto.int32_data(static_cast<int>(i)) != 0 ? 1 : 0;
      }
      break;
    case ElementType::kString:
      break;
  }
  *out = std::move(tensor);
  return Status::Ok();
}

Status ConvertValueInfo(const onnx::ValueInfoProto& info, const std::string& what, ValueSpec* spec, bool* has_shape) {
  spec->name = info.name();
  *has_shape = false;
  const onnx::TypeProto* type = &info.type();
  if (type->has_sequence_type() && type->sequence_type().elem_type().has_map_type()) {
    // ZipMap's output: a sequence of maps; the executor holds it as the [N, C]
    // tensor of the map values.
    spec->is_map_sequence = true;
    type = &type->sequence_type().elem_type().map_type().value_type();
  }
  if (!type->has_tensor_type()) {
    return Status::Invalid(
        fmt::format("{} '{}' is not a tensor; Stagegate runs tensor inputs and outputs", what, info.name()));
  }
  const onnx::TypeProto_Tensor& tensor_type = type->tensor_type();
  if (!ConvertElementType(tensor_type.elem_type(), &spec->type)) {
    return Status::Invalid(fmt::format("{} '{}' has element type {}; Stagegate runs float, int64, bool and string",
                                       what, info.name(), OnnxTypeName(tensor_type.elem_type())));
  }
  if (tensor_type.has_shape()) {
    *has_shape = true;
    for (const auto& dim : tensor_type.shape().dim()) {
      if (dim.has_dim_value() && dim.dim_value() >= 0) {
        spec->dims.push_back(dim.dim_value());
        spec->dim_names.emplace_back();
      } else {
        spec->dims.push_back(-1);
        spec->dim_names.push_back(dim.has_dim_param() ? dim.dim_param() : std::string());
      }
    }
  }
  return Status::Ok();
}

Status ConvertAttribute(const onnx::AttributeProto& proto, const std::string& what, Attribute* out) {
  switch (proto.type()) {
    case onnx::AttributeProto_AttributeType_INT:
      out->kind = Attribute::Kind::kInt;
      out->i = proto.i();
      break;
    case onnx::AttributeProto_AttributeType_FLOAT:
      out->kind = Attribute::Kind::kFloat;
      out->f = proto.f();
      break;
    case onnx::AttributeProto_AttributeType_STRING:
      out->kind = Attribute::Kind::kString;
      out->s = proto.s();
      break;
    case onnx::AttributeProto_AttributeType_INTS:
      out->kind = Attribute::Kind::kInts;
      out->ints.assign(proto.ints().begin(), proto.ints().end());
      break;
    case onnx::AttributeProto_AttributeType_FLOATS:
      out->kind = Attribute::Kind::kFloats;
      out->floats.assign(proto.floats().begin(), proto.floats().end());
      break;
    case onnx::AttributeProto_AttributeType_STRINGS:
      out->kind = Attribute::Kind::kStrings;
      out->strings.assign(proto.strings().begin(), proto.strings().end());
      break;
    case onnx::AttributeProto_AttributeType_TENSOR:
      out->kind = Attribute::Kind::kTensor;
      return ConvertTensor(proto.t(), what, &out->t);
    default:
      return Status::Invalid(
          fmt::format("{} is of kind {}; Stagegate supports int, float, string, their lists and "
                      "tensors",
                      what, onnx::AttributeProto_AttributeType_Name(proto.type())));
  }
  return Status::Ok();
}

// Sorts `nodes` so that every input is produced before it is read; refuses a
// cycle or a value nothing produces. Keeps the file's order where it is valid.
Status SortNodes(const std::string& label, std::set<std::string, std::less<>> available, std::vector<NodeDef>* nodes) {
  std::map<std::string, std::size_t, std::less<>> producer;
  for (std::size_t i = 0; i < nodes->size(); ++i) {
    for (const std::string& output : (*nodes)[i].outputs) {
      if (output.empty()) continue;
      if (available.count(output) > 0 || !producer.emplace(output, i).second) {
        return Status::Invalid(fmt::format("{}: value '{}' is produced more than once ({} among others)", label, output,
                                           (*nodes)[i].Label()));
      }
    }
  }
  for (const NodeDef& node : *nodes) {
    for (const std::string& input : node.inputs) {
      if (!input.empty() && available.count(input) == 0 && producer.count(input) == 0) {
        return Status::Invalid(fmt::format("{}: {} reads '{}', which no node, graph input or initializer produces",
                                           label, node.Label(), input));
      }
    }
  }
  std::vector<NodeDef> sorted;
  sorted.reserve(nodes->size());
  std::vector<bool> done(nodes->size(), false);
  bool progress = true;
  while (sorted.size() < nodes->size() && progress) {
    progress = false;
    for (std::size_t i = 0; i < nodes->size(); ++i) {
      if (done[i]) continue;
      bool ready = true;
      for (const std::string& input : (*nodes)[i].inputs) {
        if (!input.empty() && available.count(input) == 0) {
          ready = false;
          break;
        }
      }
      if (!ready) continue;
      for (const std::string& output : (*nodes)[i].outputs) {
        if (!output.empty()) available.insert(output);
      }
      done[i] = true;
      sorted.push_back(std::move((*nodes)[i]));
      progress = true;
    }
  }
  if (sorted.size() < nodes->size()) {
    for (std::size_t i = 0; i < nodes->size(); ++i) {
      if (!done[i]) {
        return Status::Invalid(fmt::format("{}: the graph has a cycle through {}", label, (*nodes)[i].Label()));
      }
    }
  }
  *nodes = std::move(sorted);
  return Status::Ok();
}

Status ConvertModel(onnx::ModelProto& model, const std::string& label, Graph* graph) {
  ModelSummary& summary = graph->summary;
  summary.ir_version = model.ir_version();
  summary.producer_name = model.producer_name();
  summary.producer_version = model.producer_version();
  std::map<std::string, std::int64_t> opsets;  // by normalized domain
  for (const auto& opset : model.opset_import()) {
    const std::string domain = NormalizeDomain(opset.domain());
    opsets[domain] = opset.version();
    summary.opsets[domain.empty() ? "ai.onnx" : domain] = opset.version();
  }
  const onnx::GraphProto& proto = model.graph();

  std::set<std::string, std::less<>> available;
  for (const auto& initializer : proto.initializer()) {
    Tensor tensor;
    Status status = ConvertTensor(initializer, fmt::format("initializer '{}'", initializer.name()), &tensor);
    if (!status.ok()) return Status::Invalid(fmt::format("{}: {}", label, status.message()));
    summary.params += tensor.size();
    summary.initializer_bytes += static_cast<std::int64_t>(tensor.bytes());
    available.insert(initializer.name());
    graph->initializers[initializer.name()] = std::move(tensor);
  }
  for (const auto& input : proto.input()) {
    if (graph->initializers.count(input.name()) > 0) continue;  // IR < 4 lists initializers as inputs too
    ValueSpec spec;
    bool has_shape = false;
    Status status = ConvertValueInfo(input, "input", &spec, &has_shape);
    if (!status.ok()) return Status::Invalid(fmt::format("{}: {}", label, status.message()));
    available.insert(spec.name);
    graph->inputs.push_back(std::move(spec));
    graph->input_has_shape.push_back(has_shape);
  }
  for (const auto& output : proto.output()) {
    ValueSpec spec;
    bool has_shape = false;
    Status status = ConvertValueInfo(output, "output", &spec, &has_shape);
    if (!status.ok()) return Status::Invalid(fmt::format("{}: {}", label, status.message()));
    graph->outputs.push_back(std::move(spec));
  }

  std::set<std::string> unsupported_opsets;
  for (int index = 0; index < proto.node_size(); ++index) {
    const onnx::NodeProto& node_proto = proto.node(index);
    NodeDef node;
    node.domain = NormalizeDomain(node_proto.domain());
    node.op_type = node_proto.op_type();
    node.name = node_proto.name().empty() ? fmt::format("{}_{}", node.op_type, index) : node_proto.name();
    node.inputs.assign(node_proto.input().begin(), node_proto.input().end());
    node.outputs.assign(node_proto.output().begin(), node_proto.output().end());
    const auto opset = opsets.find(node.domain);
    if (opset == opsets.end()) {
      return Status::Invalid(
          fmt::format("{}: {} uses domain '{}', which the model does not import", label, node.Label(), node.domain));
    }
    node.opset = opset->second;
    for (const auto& attribute : node_proto.attribute()) {
      // Subgraphs (If, Loop, Scan) and sparse tensors: no built-in kernel
      // reads them, so they are left out and the kernel lookup below names
      // the operator as unsupported.
      if (attribute.type() == onnx::AttributeProto_AttributeType_GRAPH ||
          attribute.type() == onnx::AttributeProto_AttributeType_GRAPHS ||
          attribute.type() == onnx::AttributeProto_AttributeType_SPARSE_TENSOR ||
          attribute.type() == onnx::AttributeProto_AttributeType_SPARSE_TENSORS ||
          attribute.type() == onnx::AttributeProto_AttributeType_TYPE_PROTO ||
          attribute.type() == onnx::AttributeProto_AttributeType_TYPE_PROTOS) {
        continue;
      }
      Attribute converted;
      Status status =
          ConvertAttribute(attribute, fmt::format("{}: attribute '{}'", node.Label(), attribute.name()), &converted);
      if (!status.ok()) return Status::Invalid(fmt::format("{}: {}", label, status.message()));
      if (node.domain == kMlDomain) {
        // Held in memory like weights: counted as parameters and bytes.
        if (converted.kind == Attribute::Kind::kFloats) {
          summary.params += static_cast<std::int64_t>(converted.floats.size());
          summary.initializer_bytes += static_cast<std::int64_t>(converted.floats.size() * sizeof(float));
        }
        if (converted.kind == Attribute::Kind::kTensor) {
          summary.params += converted.t.size();
          summary.initializer_bytes += static_cast<std::int64_t>(converted.t.bytes());
        }
      }
      node.attributes[attribute.name()] = std::move(converted);
    }
    if (node.domain.empty() && node.op_type == "Constant") {
      for (const auto& [name, attribute] : node.attributes) {
        if (attribute.kind == Attribute::Kind::kTensor) {
          summary.params += attribute.t.size();
          summary.initializer_bytes += static_cast<std::int64_t>(attribute.t.bytes());
        }
        if (attribute.kind == Attribute::Kind::kFloat || attribute.kind == Attribute::Kind::kInt) summary.params += 1;
        if (attribute.kind == Attribute::Kind::kFloats)
          summary.params += static_cast<std::int64_t>(attribute.floats.size());
        if (attribute.kind == Attribute::Kind::kInts)
          summary.params += static_cast<std::int64_t>(attribute.ints.size());
      }
    }
    summary.op_counts[node.domain.empty() ? node.op_type : node.domain + ":" + node.op_type] += 1;
    graph->nodes.push_back(std::move(node));
  }
  summary.node_count = static_cast<std::int64_t>(graph->nodes.size());

  // Opsets: checked for the domains the nodes use.
  for (const NodeDef& node : graph->nodes) {
    if (node.domain.empty() && (node.opset < kMinOnnxOpset || node.opset > kMaxOnnxOpset)) {
      return Status::Invalid(fmt::format("{}: imports opset {} of ai.onnx; Stagegate runs opsets {} to {}", label,
                                         node.opset, kMinOnnxOpset, kMaxOnnxOpset));
    }
    if (node.domain == kMlDomain && (node.opset < kMinMlOpset || node.opset > kMaxMlOpset)) {
      return Status::Invalid(fmt::format("{}: imports opset {} of ai.onnx.ml; Stagegate runs opsets {} to {}", label,
                                         node.opset, kMinMlOpset, kMaxMlOpset));
    }
  }

  Status sorted = SortNodes(label, available, &graph->nodes);
  if (!sorted.ok()) return sorted;
  for (const ValueSpec& output : graph->outputs) {
    bool produced = available.count(output.name) > 0;
    for (const NodeDef& node : graph->nodes) {
      for (const std::string& name : node.outputs) produced = produced || name == output.name;
    }
    if (!produced) {
      return Status::Invalid(
          fmt::format("{}: graph output '{}' is produced by no node, input or initializer", label, output.name));
    }
  }
  summary.inputs = graph->inputs;
  summary.outputs = graph->outputs;
  return Status::Ok();
}

}  // namespace

Status LoadOnnxGraph(std::string_view bytes, const std::string& label, Graph* graph) {
  if (bytes.size() > kMaxModelBytes) {
    return Status::Invalid(
        fmt::format("{}: the model is {} bytes; Stagegate loads models under 2 GB", label, bytes.size()));
  }
  try {
    onnx::ModelProto model;
    google::protobuf::io::ArrayInputStream array(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream coded(&array);
    coded.SetTotalBytesLimit(INT_MAX);
    if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
      return Status::Invalid(
          fmt::format("{}: not an ONNX model: the protobuf does not parse (truncated or corrupt "
                      "file?)",
                      label));
    }
    if (!model.has_graph()) return Status::Invalid(fmt::format("{}: not an ONNX model: it has no graph", label));
    try {
      onnx::checker::check_model(model);
    } catch (const std::exception& e) {
      return Status::Invalid(fmt::format("{}: the ONNX checker refuses the model: {}", label, e.what()));
    }
    try {
      // Best effort: it only annotates value_info, which the planner recomputes.
      onnx::shape_inference::InferShapes(model);
    } catch (const std::exception&) {
    }
    return ConvertModel(model, label, graph);
  } catch (const std::exception& e) {
    return Status::Invalid(fmt::format("{}: cannot load the model: {}", label, e.what()));
  }
}

}  // namespace stagegate::inference
