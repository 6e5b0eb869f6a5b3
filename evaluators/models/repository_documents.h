#pragma once
// The documents of the policy repository that the model gates read besides
// policies: `kind: KeySet` (public keys trusted to sign models and firmware,
// read by evaluators/keys) and `kind: DeviceProfile` (what a class of target device can run). The
// policy loader skips them; they are read here from the same bundle.
//
//   apiVersion: stagegate/v1
//   kind: KeySet
//   metadata: {name: release-keys}
//   spec:
//     keys:
//       - id: release-2026
//         publicKey: |
//           -----BEGIN PUBLIC KEY-----  (Ed25519 or ECDSA P-256, SubjectPublicKeyInfo PEM)
//
//   apiVersion: stagegate/v1
//   kind: DeviceProfile
//   metadata: {name: edge-a53}
//   spec:
//     cpuClass: cortex-a53
//     memoryBudget: 64MiB           # bytes for the model: weights + working memory
//     opsets: {ai.onnx: 13, ai.onnx.ml: 3}   # highest opset version per domain
//     operators: [Gemm, Relu, ...]  # optional: the operators the device runtime has
//     latencyBudgetMs: 5
//     latencyScale: 12              # device latency = latency measured here × scale

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bundle/bundle_source.h"
#include "evaluators/keys/trusted_key.h"

namespace stagegate::models {

// A mistake in a KeySet or DeviceProfile document: "file:line:col: message".
struct DocumentError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
};
std::string FormatDocumentError(const DocumentError& error);

struct DeviceProfile {
  std::string name;
  std::string cpu_class;
  std::optional<std::int64_t> memory_budget_bytes;
  std::map<std::string, std::int64_t> max_opsets;  // "ai.onnx" → 13
  std::optional<std::set<std::string>> operators;  // nullopt: every operator Stagegate runs
  std::optional<double> latency_budget_ms;
  double latency_scale = 1.0;
  std::string file;  // where it was declared
  int line = 0;
};

struct RepositoryDocuments {
  keys::KeyRing keys;                                  // by key id
  std::map<std::string, DeviceProfile, std::less<>> profiles;                   // by name
  std::vector<DocumentError> errors;
  bool ok() const { return errors.empty(); }
};

// Reads every KeySet and DeviceProfile document of the bundle. Documents of
// other kinds are skipped (YAML syntax errors are the policy loader's to report).
RepositoryDocuments LoadRepositoryDocuments(const bundle::Bundle& bundle);

// Parses a byte size: 1048576, "64MiB", "512KiB", "2GiB", "64MB" (decimal). nullopt when malformed.
std::optional<std::int64_t> ParseByteSize(std::string_view text);

}  // namespace stagegate::models
