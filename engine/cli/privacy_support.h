#pragma once
// Wires the GDPR data-flow review into a run: the dataflow subjects, the data
// contracts they cover (and the contracts' ODCS examples), and the providers
// of the dataflow facts.

#include "engine/bundle/bundle_source.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"
#include "evaluators/contracts/data_contract.h"

namespace stagegate::cli::privacy_support {

// Parses the run's dataflow subjects and registers the providers of their
// facts against `contracts`. When `bundle` is given, the ODCS `examples` of
// its contracts' properties are sampled by the personal-data detectors too.
// Does nothing when the run has no dataflow subject. False after printing
// errors ("error: file:line: dataflow 'id': ...").
bool AddPrivacyProviders(const contracts::ContractSet& contracts, subjects::SubjectSet* subjects,
                         subjects::FactProviderRegistry* registry, const bundle::Bundle* bundle = nullptr);

}  // namespace stagegate::cli::privacy_support
