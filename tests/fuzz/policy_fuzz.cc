// Fuzzes the policy loader: the input is one YAML policy file of a bundle,
// loaded against the core fact schema. Every outcome must be a model or a
// list of diagnostics; nothing may crash, leak or hang.

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/bundle/bundle_source.h"
#include "engine/facts/fact_schema.h"
#include "engine/policy/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const stagegate::facts::FactSchema* schema = [] {
    auto* s = new stagegate::facts::FactSchema();
    stagegate::facts::RegisterCoreFacts(*s);
    return s;
  }();
  stagegate::bundle::Bundle bundle;
  bundle.source.kind = "directory";
  bundle.files.push_back({"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)});
  stagegate::policy::LoadOptions options;
  options.undeclared_facts_are_warnings = (size % 2) == 0;
  stagegate::policy::LoadResult result = stagegate::policy::LoadPolicies(bundle, *schema, options);
  (void)stagegate::policy::FormatDiagnostics(result.diagnostics);
  return 0;
}
