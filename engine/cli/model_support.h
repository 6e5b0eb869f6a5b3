#pragma once
// Wires the model gates into a run: the policy repository's key sets and
// device profiles, the model and deployment subjects' artifacts, and the
// providers of their facts.

#include <string>

#include "engine/bundle/bundle_source.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"

namespace stagegate::cli::model_support {

// Reads the KeySet and DeviceProfile documents of `bundle`, loads the
// artifacts the model and deployment subjects name (recording them as inputs
// of the run) and registers the model and deployment fact providers.
// `store_path` holds the baselines of input drift ("" when none). Does
// nothing when the run has no model or deployment subject. False after
// printing errors (file:line and what to do).
bool AddModelProviders(const bundle::Bundle& bundle, const std::string& store_path, subjects::SubjectSet* subjects,
                       subjects::FactProviderRegistry* registry);

}  // namespace stagegate::cli::model_support
