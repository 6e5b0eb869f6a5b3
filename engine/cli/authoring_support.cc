#include "engine/cli/authoring_support.h"

#include "evaluators/contracts/fleet.h"
#include "evaluators/devices/device_trust.h"
#include "evaluators/drift/stream_drift.h"
#include "evaluators/models/model_facts.h"
#include "evaluators/privacy/privacy_facts.h"
#include "evaluators/zones/zone_facts.h"

#include <iostream>
#include <vector>

namespace stagegate::cli::authoring {

bool ReadSource(const std::string& path, const std::string& revision, bundle::Bundle* bundle) {
  bundle::ReadResult read = revision.empty() ? bundle::ReadDirectory(path) : bundle::ReadGitRevision(path, revision);
  if (!read.ok()) {
    std::cerr << "error: " << read.error << "\n";
    return false;
  }
  *bundle = std::move(read.bundle);
  return true;
}

std::unique_ptr<policy::LoadedBundle> TakeLoaded(policy::LoadResult loaded, const std::string& label,
                                                 bool warnings) {
  std::vector<policy::PolicyDiagnostic> shown;
  for (const policy::PolicyDiagnostic& diagnostic : loaded.diagnostics) {
    if (warnings || !diagnostic.warning) shown.push_back(diagnostic);
  }
  if (!shown.empty()) {
    if (!label.empty()) std::cerr << label << "\n";
    std::cerr << policy::FormatDiagnostics(shown);
  }
  if (!loaded.ok()) {
    std::cerr << "error: " << loaded.errors() << (loaded.errors() == 1 ? " error" : " errors")
              << " in the policies; fix them and run again\n";
    return nullptr;
  }
  return std::move(loaded.bundle);
}

std::optional<std::chrono::sys_seconds> ParseAt(const std::string& text) {
  if (text.empty()) return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::optional<std::chrono::sys_seconds> at = policy::ParseTime(text);
  if (!at) {
    std::cerr << "error: --at " << text
              << ": not a date or timestamp; write 2025-06-01 or 2025-06-01T12:00:00Z\n";
  }
  return at;
}

facts::FactSchema CoreSchema() {
  facts::FactSchema schema;
  facts::RegisterCoreFacts(schema);
  // Each evaluator registers its facts in one place.
  contracts::RegisterContractFacts(schema);
  drift::RegisterDriftFacts(schema);
  models::RegisterModelFacts(schema);
  devices::RegisterDeviceFacts(schema);
  privacy::RegisterPrivacyFacts(schema);
  zones::RegisterZoneFacts(schema);
  return schema;
}

}  // namespace stagegate::cli::authoring
