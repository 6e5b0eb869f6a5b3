#include "engine/cli/device_support.h"

#include <iostream>
#include <string>
#include <vector>

#include "evaluators/devices/device_trust.h"

namespace stagegate::cli::device_support {

bool AddDeviceProviders(const bundle::Bundle& bundle, std::chrono::sys_seconds at, subjects::SubjectSet* subjects,
                        subjects::FactProviderRegistry* registry) {
  if (subjects->OfKind(facts::SubjectKind::kDevice).empty()) return true;
  devices::TrustDocuments documents = devices::LoadTrustDocuments(bundle);
  if (!documents.ok()) {
    for (const devices::TrustDocumentError& error : documents.errors) {
      std::cerr << devices::FormatTrustDocumentError(error) << "\n";
    }
    return false;
  }
  devices::DeviceTrustOptions options;
  options.now = at;
  std::vector<std::string> errors;
  std::shared_ptr<const devices::DeviceTrust> trust =
      devices::DeviceTrust::Create(std::move(documents), subjects, options, &errors);
  for (const std::string& error : errors) std::cerr << "error: " << error << "\n";
  if (!trust) return false;
  // The providers share the trust's state: it lives as long as the registry.
  trust->RegisterProviders(registry);
  return true;
}

}  // namespace stagegate::cli::device_support
