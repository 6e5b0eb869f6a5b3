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

namespace stagegate::cli::model_support {

struct ManifestInspection {
  std::string manifest;   // a YAML or JSON file holding `kind: model` documents
  std::string policies;   // the policy repository with KeySets and DeviceProfiles ("" when none)
  std::string revision;   // git revision of `policies` ("" for the working tree)
  std::string store;      // telemetry store with the input-drift baselines ("" when none)
  bool json = false;
};

// Prints every computed fact of each model in the manifest, as a gate would
// compute it. Returns the exit code: 0, or 2 after printing what is wrong.
int InspectManifest(const ManifestInspection& request);

// Prints the base64 signature of `file`'s raw SHA-256 with the PEM private
// key at `key_path` (Ed25519, or ECDSA P-256 with SHA-256), the scheme model
// and firmware signatures use. Returns the exit code.
int SignArtifact(const std::string& file, const std::string& key_path);

}  // namespace stagegate::cli::model_support
