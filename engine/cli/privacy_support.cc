#include "engine/cli/privacy_support.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "evaluators/privacy/privacy_facts.h"

namespace stagegate::cli::privacy_support {

bool AddPrivacyProviders(const contracts::ContractSet& contracts, subjects::SubjectSet* subjects,
                         subjects::FactProviderRegistry* registry, const bundle::Bundle* bundle) {
  if (subjects->OfKind(facts::SubjectKind::kDataflow).empty()) return true;
  privacy::PrivacyOptions options;
  if (bundle != nullptr) options.samples = privacy::ReadContractExamples(*bundle);
  std::vector<std::string> errors;
  std::shared_ptr<const privacy::PrivacyReview> review =
      privacy::PrivacyReview::Create(contracts, subjects, &errors, std::move(options));
  for (const std::string& error : errors) std::cerr << "error: " << error << "\n";
  if (!review) return false;
  review->RegisterProviders(registry);
  return true;
}

}  // namespace stagegate::cli::privacy_support
