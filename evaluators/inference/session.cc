// Model and Session: loading (onnx_loader.cc + kernel lookup), planning
// (shapes, constant folding, lifetimes, arena layout) and running.

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "evaluators/inference/graph.h"
#include "evaluators/inference/kernel.h"
#include "evaluators/inference/model.h"
#include "evaluators/inference/onnx_loader.h"
#include "evaluators/inference/planner.h"

namespace stagegate::inference {
namespace {

std::string FormatDeclared(const ValueSpec& spec) {
  std::string text = "[";
  for (std::size_t i = 0; i < spec.dims.size(); ++i) {
    if (i > 0) text += ", ";
    if (spec.dims[i] >= 0) {
      text += std::to_string(spec.dims[i]);
    } else {
      text += spec.dim_names[i].empty() ? "?" : spec.dim_names[i];
    }
  }
  return text + "]";
}

// Kernels usually name their node in messages; names it when one does not.
std::string WithNode(const NodeDef& node, const std::string& message) {
  const std::string label = node.Label();
  return message.rfind(label, 0) == 0 ? message : fmt::format("{}: {}", label, message);
}

}  // namespace

struct Model::Impl {
  std::string label;
  Graph graph;
  std::vector<std::unique_ptr<Kernel>> kernels;  // one per graph.nodes entry
};

struct Session::Impl {
  std::vector<Shape> input_shapes;
  // Every value of the graph: views into the arena, owned constants
  // (initializers, folded nodes), owned string tensors. Never resized after
  // Plan: steps hold pointers into it.
  std::vector<Tensor> values;
  std::vector<std::size_t> input_values;
  std::vector<std::size_t> output_values;
  struct Step {
    const NodeDef* node = nullptr;  // owned by the Model, which outlives the session
    const Kernel* kernel = nullptr;
    std::vector<const Tensor*> inputs;
    std::vector<Tensor*> outputs;
    std::span<std::byte> scratch;
  };
  std::vector<Step> steps;
  std::unique_ptr<std::byte[]> arena_storage;
  std::size_t arena_size = 0;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const ModelSummary& Model::summary() const { return impl_->graph.summary; }

std::unique_ptr<Model> Model::Load(const std::string& path, std::string* error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    *error = fmt::format("{}: cannot open the model file", path);
    return nullptr;
  }
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (size < 0) {
    *error = fmt::format("{}: cannot read the model file", path);
    return nullptr;
  }
  if (static_cast<std::uint64_t>(size) > kMaxModelBytes) {
    *error = fmt::format("{}: the model is {} bytes; Stagegate loads models under 2 GB", path, size);
    return nullptr;
  }
  file.seekg(0, std::ios::beg);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!file.read(bytes.data(), size)) {
    *error = fmt::format("{}: cannot read the model file", path);
    return nullptr;
  }
  return LoadBytes(bytes, path, error);
}

std::unique_ptr<Model> Model::LoadBytes(std::string_view bytes, const std::string& label, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->label = label;
  Status status = LoadOnnxGraph(bytes, label, &impl->graph);
  if (!status.ok()) {
    *error = status.message();
    return nullptr;
  }
  const KernelRegistry& registry = BuiltinKernels();
  // "domain:op (opset N)" → the nodes using it; all listed in one message.
  std::map<std::string, std::vector<std::string>> unsupported;
  std::vector<const KernelEntry*> entries;
  for (const NodeDef& node : impl->graph.nodes) {
    const KernelEntry* entry = registry.Find(node.domain, node.op_type, node.opset);
    entries.push_back(entry);
    if (entry == nullptr) {
      unsupported[fmt::format("{}:{} (opset {})", node.domain.empty() ? "ai.onnx" : node.domain, node.op_type,
                              node.opset)]
          .push_back(node.name);
    }
  }
  if (!unsupported.empty()) {
    std::string list;
    for (const auto& [op, nodes] : unsupported) {
      list += fmt::format("\n  {} in {} {}", op, nodes.size() == 1 ? "node" : "nodes", fmt::join(nodes, ", "));
    }
    *error = fmt::format("{}: uses operators Stagegate does not run:{}", label, list);
    return nullptr;
  }
  for (std::size_t i = 0; i < impl->graph.nodes.size(); ++i) {
    std::unique_ptr<Kernel> kernel;
    const NodeDef& node = impl->graph.nodes[i];
    Status built = Status::Ok();
    try {
      built = entries[i]->factory(node, &kernel);
    } catch (const std::exception& e) {
      built = Status::Invalid(e.what());
    }
    if (!built.ok() || kernel == nullptr) {
      *error = fmt::format("{}: {}: {}", label, node.Label(), built.ok() ? "no kernel built" : built.message());
      return nullptr;
    }
    impl->kernels.push_back(std::move(kernel));
  }
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

std::unique_ptr<Session> Model::Plan(const std::vector<Shape>& input_shapes, std::string* error) const {
  return Plan(input_shapes, PlanLimits(), error);
}

std::unique_ptr<Session> Model::Plan(const std::vector<Shape>& input_shapes, const PlanLimits& limits,
                                     std::string* error) const {
  const Graph& graph = impl_->graph;
  const std::string& label = impl_->label;
  if (input_shapes.size() != graph.inputs.size()) {
    *error =
        fmt::format("{}: the model has {} inputs, {} shapes given", label, graph.inputs.size(), input_shapes.size());
    return nullptr;
  }
  for (std::size_t i = 0; i < graph.inputs.size(); ++i) {
    const ValueSpec& spec = graph.inputs[i];
    const Shape& given = input_shapes[i];
    bool fits = true;
    std::int64_t count = 1;
    for (std::int64_t dim : given) {
      fits = fits && dim >= 0 && (dim == 0 || count <= kMaxTensorElements / dim);
      if (fits) count *= dim;
    }
    if (graph.input_has_shape[i]) {
      fits = fits && given.size() == spec.dims.size();
      for (std::size_t d = 0; fits && d < given.size(); ++d) fits = spec.dims[d] < 0 || spec.dims[d] == given[d];
    }
    if (!fits) {
      *error = fmt::format("{}: input '{}' expects shape {}, given {}", label, spec.name, FormatDeclared(spec),
                           FormatShape(given));
      return nullptr;
    }
  }

  struct Value {
    ElementType type = ElementType::kFloat32;
    Shape shape;
    Tensor constant;  // set when known at plan time
    bool is_constant = false;
    int first = 0;
    int last = 0;
    int buffer = -1;  // index into the arena requests
  };
  std::vector<Value> values;
  std::map<std::string, std::size_t, std::less<>> index_of;
  auto add_value = [&](const std::string& name) {
    index_of[name] = values.size();
    values.emplace_back();
    return values.size() - 1;
  };
  for (const auto& [name, tensor] : graph.initializers) {
    Value& value = values[add_value(name)];
    value.type = tensor.type();
    value.shape = tensor.shape();
    value.constant = tensor;
    value.is_constant = true;
  }
  auto session = std::make_unique<Session::Impl>();
  session->input_shapes = input_shapes;
  for (std::size_t i = 0; i < graph.inputs.size(); ++i) {
    const std::size_t id = add_value(graph.inputs[i].name);
    values[id].type = graph.inputs[i].type;
    values[id].shape = input_shapes[i];
    values[id].first = 0;
    values[id].last = 0;
    session->input_values.push_back(id);
  }

  const int node_count = static_cast<int>(graph.nodes.size());
  std::vector<BufferRequest> requests;
  std::vector<int> scratch_buffer(graph.nodes.size(), -1);
  std::vector<bool> folded(graph.nodes.size(), false);
  std::vector<std::vector<std::size_t>> node_inputs(graph.nodes.size()), node_outputs(graph.nodes.size());
  constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);
  for (int n = 0; n < node_count; ++n) {
    const NodeDef& node = graph.nodes[n];
    const Kernel& kernel = *impl_->kernels[n];
    std::vector<PlannedValue> planned(node.inputs.size());
    bool all_constant = true;
    for (std::size_t k = 0; k < node.inputs.size(); ++k) {
      if (node.inputs[k].empty()) {
        node_inputs[n].push_back(kAbsent);
        continue;
      }
      const std::size_t id = index_of.at(node.inputs[k]);
      node_inputs[n].push_back(id);
      const Value& value = values[id];
      planned[k].present = true;
      planned[k].type = value.type;
      planned[k].shape = value.shape;
      planned[k].constant = value.is_constant ? &value.constant : nullptr;
      all_constant = all_constant && value.is_constant;
    }
    std::vector<OutputSpec> specs;
    std::size_t scratch_bytes = 0;
    Status status = Status::Ok();
    try {
      status = kernel.Plan(planned, &specs, &scratch_bytes);
    } catch (const std::exception& e) {
      status = Status::Invalid(fmt::format("{}: {}", node.Label(), e.what()));
    }
    if (status.ok() && specs.size() != node.outputs.size()) {
      status = Status::Invalid(
          fmt::format("{}: the kernel planned {} outputs for {}", node.Label(), specs.size(), node.outputs.size()));
    }
    for (std::size_t k = 0; status.ok() && k < specs.size(); ++k) {
      std::int64_t count = 1;
      for (std::int64_t dim : specs[k].shape) {
        if (dim < 0 || (dim > 0 && count > kMaxTensorElements / dim)) {
          status = Status::Invalid(fmt::format("{}: output {} would have shape {}, beyond what Stagegate plans",
                                               node.Label(), k, FormatShape(specs[k].shape)));
          break;
        }
        count *= dim;
      }
      const std::size_t bytes = static_cast<std::size_t>(count) * ElementSize(specs[k].type);
      if (status.ok() && bytes > limits.max_arena_bytes) {
        status = Status::Invalid(fmt::format("{}: output {} would take {} bytes, more than the {} a session may use",
                                             node.Label(), k, bytes, limits.max_arena_bytes));
      }
    }
    if (!status.ok()) {
      *error = fmt::format("{}: {}", label, WithNode(node, status.message()));
      return nullptr;
    }
    const bool fold = all_constant || (node.domain.empty() && node.op_type == "Shape");
    std::vector<Tensor> folded_outputs;
    if (fold) {
      // Constant folding: run the node now on owned tensors.
      for (const OutputSpec& spec : specs) {
        const std::size_t bytes = static_cast<std::size_t>(ElementCount(spec.shape)) * ElementSize(spec.type);
        if (bytes > limits.max_folded_bytes) {
          *error = fmt::format("{}: {}: computing it while planning would take {} bytes, more than {}", label,
                               node.Label(), bytes, limits.max_folded_bytes);
          return nullptr;
        }
      }
      if (scratch_bytes > limits.max_folded_bytes) {
        *error = fmt::format("{}: {}: needs {} bytes of scratch", label, node.Label(), scratch_bytes);
        return nullptr;
      }
      folded_outputs.resize(specs.size());
      std::vector<Tensor*> output_pointers(specs.size(), nullptr);
      for (std::size_t k = 0; k < specs.size(); ++k) {
        if (node.outputs[k].empty()) continue;
        folded_outputs[k] = Tensor::Owned(specs[k].type, specs[k].shape);
        output_pointers[k] = &folded_outputs[k];
      }
      // Shape reads only its input's shape: a placeholder of the right shape stands in for the data.
      std::vector<Tensor> placeholders(planned.size());
      std::vector<const Tensor*> input_pointers(planned.size(), nullptr);
      for (std::size_t k = 0; k < planned.size(); ++k) {
        if (!planned[k].present) continue;
        if (planned[k].constant != nullptr) {
          input_pointers[k] = planned[k].constant;
        } else {
          placeholders[k] = Tensor::View(planned[k].type, planned[k].shape, nullptr);
          input_pointers[k] = &placeholders[k];
        }
      }
      std::vector<std::byte> scratch(scratch_bytes);
      try {
        status = kernel.Run(input_pointers, output_pointers, scratch);
      } catch (const std::exception& e) {
        status = Status::Invalid(e.what());
      }
      if (!status.ok()) {
        *error = fmt::format("{}: {} (computed while planning)", label, WithNode(node, status.message()));
        return nullptr;
      }
    } else if (scratch_bytes > limits.max_arena_bytes) {
      *error = fmt::format("{}: {}: needs {} bytes of scratch, more than a session may use", label, node.Label(),
                           scratch_bytes);
      return nullptr;
    } else if (scratch_bytes > 0) {
      scratch_buffer[n] = static_cast<int>(requests.size());
      requests.push_back({scratch_bytes, n, n});
    }
    folded[n] = fold;
    for (std::size_t k = 0; k < node_inputs[n].size(); ++k) {
      if (node_inputs[n][k] != kAbsent) values[node_inputs[n][k]].last = std::max(values[node_inputs[n][k]].last, n);
    }
    for (std::size_t k = 0; k < node.outputs.size(); ++k) {
      if (node.outputs[k].empty()) {
        node_outputs[n].push_back(kAbsent);
        continue;
      }
      const std::size_t id = add_value(node.outputs[k]);
      node_outputs[n].push_back(id);
      Value& value = values[id];
      value.type = specs[k].type;
      value.shape = specs[k].shape;
      value.first = n;
      value.last = n;
      if (fold) {
        value.is_constant = true;
        value.constant = std::move(folded_outputs[k]);
      }
    }
  }
  for (const ValueSpec& output : graph.outputs) {
    const std::size_t id = index_of.at(output.name);
    values[id].last = node_count;
    session->output_values.push_back(id);
  }
  for (Value& value : values) {
    if (value.is_constant || value.type == ElementType::kString) continue;
    value.buffer = static_cast<int>(requests.size());
    requests.push_back(
        {static_cast<std::size_t>(ElementCount(value.shape)) * ElementSize(value.type), value.first, value.last});
  }
  const ArenaLayout layout = AssignOffsets(requests);
  if (layout.size > limits.max_arena_bytes) {
    *error = fmt::format(
        "{}: the planned memory ({} bytes) exceeds the {} bytes a session may use; plan smaller "
        "batches",
        label, layout.size, limits.max_arena_bytes);
    return nullptr;
  }
  session->arena_size = layout.size;
  session->arena_storage.reset(new (std::nothrow) std::byte[layout.size + kArenaAlignment]);
  if (session->arena_storage == nullptr) {
    *error = fmt::format("{}: cannot allocate the {} bytes the plan needs", label, layout.size);
    return nullptr;
  }
  std::byte* arena = session->arena_storage.get();
  arena += (kArenaAlignment - reinterpret_cast<std::uintptr_t>(arena) % kArenaAlignment) % kArenaAlignment;
  std::memset(arena, 0, layout.size);

  session->values.resize(values.size());
  for (std::size_t id = 0; id < values.size(); ++id) {
    Value& value = values[id];
    if (value.is_constant) {
      session->values[id] = value.constant;
    } else if (value.type == ElementType::kString) {
      session->values[id] = Tensor::Owned(ElementType::kString, value.shape);
    } else {
      session->values[id] = Tensor::View(value.type, value.shape, arena + layout.offsets[value.buffer]);
    }
  }
  for (int n = 0; n < node_count; ++n) {
    if (folded[n]) continue;
    Session::Impl::Step step;
    step.node = &graph.nodes[n];
    step.kernel = impl_->kernels[n].get();
    for (std::size_t id : node_inputs[n]) step.inputs.push_back(id == kAbsent ? nullptr : &session->values[id]);
    for (std::size_t id : node_outputs[n]) step.outputs.push_back(id == kAbsent ? nullptr : &session->values[id]);
    if (scratch_buffer[n] >= 0) {
      step.scratch = std::span<std::byte>(arena + layout.offsets[scratch_buffer[n]], requests[scratch_buffer[n]].bytes);
    }
    session->steps.push_back(std::move(step));
  }
  return std::make_unique<Session>(std::move(session));
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

std::size_t Session::planned_peak_bytes() const { return impl_->arena_size; }
const std::vector<Shape>& Session::input_shapes() const { return impl_->input_shapes; }

Status Session::Run(std::span<const Tensor> inputs, std::vector<Tensor>* outputs) {
  if (inputs.size() != impl_->input_values.size()) {
    return Status::Invalid(
        fmt::format("the model has {} inputs, {} tensors given", impl_->input_values.size(), inputs.size()));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Tensor& slot = impl_->values[impl_->input_values[i]];
    const Tensor& given = inputs[i];
    if (given.type() != slot.type() || given.shape() != slot.shape()) {
      return Status::Invalid(fmt::format("input {} is {} {}, the session was planned for {} {}", i,
                                         ElementTypeName(given.type()), FormatShape(given.shape()),
                                         ElementTypeName(slot.type()), FormatShape(slot.shape())));
    }
    if (given.empty_handle() && given.size() > 0) return Status::Invalid(fmt::format("input {} has no data", i));
    if (slot.type() == ElementType::kString) {
      std::copy(given.strings().begin(), given.strings().end(), slot.strings().begin());
    } else if (slot.bytes() > 0) {
      std::memcpy(slot.raw(), given.raw(), slot.bytes());
    }
  }
  for (const Session::Impl::Step& step : impl_->steps) {
    Status status = step.kernel->Run(step.inputs, step.outputs, step.scratch);
    if (!status.ok()) return Status::Invalid(WithNode(*step.node, status.message()));
  }
  outputs->resize(impl_->output_values.size());
  for (std::size_t i = 0; i < impl_->output_values.size(); ++i) (*outputs)[i] = impl_->values[impl_->output_values[i]];
  return Status::Ok();
}

}  // namespace stagegate::inference
