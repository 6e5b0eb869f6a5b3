#pragma once
// Contract rules as policies: every ODCS quality rule, SLA and time-series
// expectation of a data contract becomes a rule of a generated policy named
// `contract-<id>`, so a plain ODCS contract is enforceable without writing
// CEL. The policies are generated as stagegate/v1 documents, loaded and
// type-checked like any other, then located at the contract's lines (so
// SARIF results point into the contract file).

#include <map>
#include <string>
#include <vector>

#include "engine/bundle/bundle_source.h"
#include "engine/policy/model.h"
#include "evaluators/contracts/data_contract.h"

namespace stagegate::contracts {

struct GeneratedPolicies {
  // One generated document per contract, as a virtual file of the bundle
  // ("<contract file>#contract-<id>.yaml").
  std::vector<bundle::BundleFile> files;
  // Where each generated rule ("policy/rule") and policy comes from in the contract file.
  std::map<std::string, eval::FileLocation> rule_locations;
  std::map<std::string, eval::FileLocation> policy_locations;
};

// The policy name of a contract: "contract-" and the id, lowercased, with
// characters other than letters, digits, '.', '_' and '-' replaced by '-'.
std::string ContractPolicyName(const DataContract& contract);

GeneratedPolicies GenerateContractPolicies(const ContractSet& contracts);

// Points the generated policies' rules at the contract lines they come from.
void LocateContractRules(const GeneratedPolicies& generated, policy::LoadedBundle* bundle);

}  // namespace stagegate::contracts
