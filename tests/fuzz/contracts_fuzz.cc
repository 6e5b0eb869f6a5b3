// Fuzzes the data-contract reader: the input is one ODCS file of a bundle.
// Every contract read must generate policies the policy loader accepts or
// explains with diagnostics; nothing may crash, leak or hang. The input is
// also tried as a --window value.

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/bundle/bundle_source.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"
#include "evaluators/contracts/contract_policy.h"
#include "evaluators/contracts/data_contract.h"
#include "evaluators/contracts/fleet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace contracts = stagegate::contracts;
  static const stagegate::facts::FactSchema* schema = [] {
    auto* s = new stagegate::facts::FactSchema();
    stagegate::facts::RegisterCoreFacts(*s);
    contracts::RegisterContractFacts(*s);
    return s;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  (void)contracts::ParseWindow(text, 1'748'736'000'000'000, &error);

  stagegate::bundle::Bundle bundle;
  bundle.source.kind = "directory";
  bundle.files.push_back({"fuzz.odcs.yaml", text});
  contracts::ContractSet set = contracts::LoadContracts(bundle);
  for (const contracts::ContractDiagnostic& diagnostic : set.diagnostics) {
    (void)contracts::FormatContractDiagnostic(diagnostic);
  }
  if (!set.ok()) return 0;
  contracts::GeneratedPolicies generated = contracts::GenerateContractPolicies(set);
  for (const stagegate::bundle::BundleFile& file : generated.files) bundle.files.push_back(file);
  stagegate::policy::LoadResult result = stagegate::policy::LoadPolicies(bundle, *schema, {});
  (void)stagegate::policy::FormatDiagnostics(result.diagnostics);
  if (result.bundle) contracts::LocateContractRules(generated, result.bundle.get());
  return 0;
}
