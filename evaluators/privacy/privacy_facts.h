#pragma once
// The GDPR facts of `dataflow` subjects: one registration of their schema,
// and the providers that compute them from the dataflow documents and the
// data contracts the flows cover.
//
// A run builds one PrivacyReview from the input subjects and the bundle's
// data contracts: it parses every dataflow document (a malformed one is an
// error naming file and line) and indexes the contracts. Which contract
// fields look like personal data is worked out once per contract, on the
// first fact that asks, and shared by every flow covering it.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bundle/bundle_source.h"
#include "engine/facts/fact_schema.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"
#include "evaluators/contracts/data_contract.h"
#include "evaluators/privacy/personal_data.h"

namespace stagegate::privacy {

// Registers the computed facts of the `dataflow` subject (and the input
// fields of its document that rules may read).
void RegisterPrivacyFacts(facts::FactSchema& schema);

// Sampled values: contract id → field (property) name → values.
using FieldSamples = std::map<std::string, std::map<std::string, std::vector<std::string>, std::less<>>, std::less<>>;

// Reads the ODCS `examples` of every property of every `kind: DataContract`
// document of `bundle` (numbers and booleans as their JSON text). Files that
// do not parse are skipped: the contract loader reports them.
FieldSamples ReadContractExamples(const bundle::Bundle& bundle);

struct PrivacyOptions {
  // Values the detectors examine besides the field names, e.g. the contracts'
  // examples (ReadContractExamples) or values sampled from the telemetry.
  FieldSamples samples;
};

class PrivacyReview {
 public:
  // Parses the dataflow subjects of `subjects` and indexes `contracts`
  // (copied: the review does not keep a reference). Null with `errors` set
  // ("file:line: dataflow 'id': ...") when a dataflow document is malformed.
  static std::shared_ptr<const PrivacyReview> Create(const contracts::ContractSet& contracts,
                                                     subjects::SubjectSet* subjects, std::vector<std::string>* errors,
                                                     PrivacyOptions options = {});
  ~PrivacyReview();
  // Registers the providers of the dataflow facts.
  void RegisterProviders(subjects::FactProviderRegistry* registry) const;
  // The fields of contract `contract_id` that look like personal data, one
  // entry per match (empty for an unknown contract).
  std::vector<PersonalDataMatch> PersonalFields(std::string_view contract_id) const;

  struct State;

 private:
  PrivacyReview() = default;
  std::shared_ptr<State> state_;
};

}  // namespace stagegate::privacy
