#include "evaluators/inference/kernel.h"

namespace stagegate::inference {

const KernelEntry* KernelRegistry::Find(std::string_view domain, std::string_view op_type,
                                        std::int64_t opset) const {
  for (const KernelEntry& entry : entries_) {
    if (entry.domain == domain && entry.op_type == op_type && opset >= entry.min_opset &&
        opset <= entry.max_opset) {
      return &entry;
    }
  }
  return nullptr;
}

const KernelRegistry& BuiltinKernels() {
  static const KernelRegistry registry = [] {
    KernelRegistry kernels;
    RegisterElementwiseKernels(kernels);
    RegisterTensorKernels(kernels);
    RegisterReduceKernels(kernels);
    RegisterLinalgKernels(kernels);
    RegisterConvKernels(kernels);
    RegisterNormalizationKernels(kernels);
    RegisterRecurrentKernels(kernels);
    RegisterMlKernels(kernels);
    return kernels;
  }();
  return registry;
}

}  // namespace stagegate::inference
