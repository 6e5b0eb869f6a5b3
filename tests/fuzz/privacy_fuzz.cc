// Fuzzes the privacy evaluator. The first byte picks the part:
//  - even: the personal-data detectors; the first line is a field name, every
//    other line a sampled value; the retention and Art. 9(2) readers get the
//    lines too;
//  - odd: the rest is a YAML input file; its dataflow documents are parsed by
//    a PrivacyReview over a fixed data contract, and every dataflow fact is
//    computed for every flow.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evaluators/privacy/dataflow.h"
#include "evaluators/privacy/personal_data.h"
#include "evaluators/privacy/privacy_facts.h"

namespace {

constexpr const char* kContract = R"yaml(apiVersion: v3.1.0
kind: DataContract
id: engine-telemetry
schema:
  - name: readings
    properties:
      - {name: driver_id, logicalType: string}
      - {name: contact, logicalType: string, examples: [anna@example.org]}
      - {name: vibration_rms, logicalType: number}
slaProperties:
  - {property: retention, value: 30, unit: d}
)yaml";

constexpr const char* kFacts[] = {
    "lawful_basis_valid", "special_categories_condition_valid", "special_categories_without_condition",
    "processors_without_dpa", "transfers_unsafe", "cross_border", "dpia_required", "dpia_reasons", "dpia_present",
    "retention_days", "contract_retention_days", "retention_exceeds_contract", "personal_fields",
    "undeclared_personal_fields", "encryption_complete", "automated_decision_safeguarded",
    "automated_decisions_unsafeguarded", "data_categories", "contracts_unknown"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stagegate;
  if (size == 0) return 0;
  const std::string_view content(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= content.size()) {
      size_t end = content.find('\n', start);
      if (end == std::string_view::npos) end = content.size();
      lines.emplace_back(content.substr(start, end - start));
      start = end + 1;
    }
    const std::string field = lines.front();
    lines.erase(lines.begin());
    (void)privacy::ClassifyField(field, lines);
    for (const std::string& line : lines) {
      (void)privacy::ParseRetentionDays(line);
      (void)privacy::NormaliseArticle9Condition(line);
    }
    return 0;
  }
  static const bundle::Bundle* kBundle = [] {
    auto* bundle = new bundle::Bundle();
    bundle->files.push_back({"contract.yaml", kContract});
    return bundle;
  }();
  static const contracts::ContractSet* kContracts = new contracts::ContractSet(contracts::LoadContracts(*kBundle));
  subjects::SubjectSet set;
  set.AddFile("fuzz.yaml", content);
  set.Finish();
  privacy::PrivacyOptions options;
  options.samples = privacy::ReadContractExamples(*kBundle);
  std::vector<std::string> errors;
  std::shared_ptr<const privacy::PrivacyReview> review =
      privacy::PrivacyReview::Create(*kContracts, &set, &errors, std::move(options));
  if (!review) return 0;
  subjects::FactProviderRegistry registry;
  review->RegisterProviders(&registry);
  for (const subjects::Subject* flow : set.OfKind(facts::SubjectKind::kDataflow)) {
    for (const char* fact : kFacts) {
      const subjects::FactProvider* provider = registry.Find(facts::SubjectKind::kDataflow, fact);
      if (provider != nullptr) (void)provider->Compute(*flow, fact);
    }
  }
  return 0;
}
