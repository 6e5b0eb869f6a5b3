#include "engine/cli/zone_support.h"

#include <iostream>
#include <string>
#include <vector>

#include "evaluators/zones/zone_facts.h"

namespace stagegate::cli::zone_support {

bool AddZoneProviders(const policy::LoadedBundle& bundle, const subjects::SubjectSet& subjects,
                      const eval::ControlLedger* ledger, subjects::FactProviderRegistry* registry) {
  if (subjects.OfKind(facts::SubjectKind::kZone).empty()) return true;
  std::vector<std::string> errors;
  std::shared_ptr<const zones::ZoneReview> review = zones::ZoneReview::Create(bundle, subjects, ledger, &errors);
  for (const std::string& error : errors) std::cerr << "error: " << error << "\n";
  if (!review) return false;
  // The providers share the review's state: it lives as long as the registry.
  review->RegisterProviders(registry);
  return true;
}

}  // namespace stagegate::cli::zone_support
