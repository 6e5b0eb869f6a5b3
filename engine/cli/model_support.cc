#include "engine/cli/model_support.h"

#include <iostream>
#include <vector>

#include "evaluators/models/model_facts.h"

namespace stagegate::cli::model_support {

bool AddModelProviders(const bundle::Bundle& bundle, const std::string& store_path, subjects::SubjectSet* subjects,
                       subjects::FactProviderRegistry* registry) {
  if (subjects->OfKind(facts::SubjectKind::kModel).empty() &&
      subjects->OfKind(facts::SubjectKind::kDeployment).empty()) {
    return true;
  }
  models::RepositoryDocuments documents = models::LoadRepositoryDocuments(bundle);
  if (!documents.ok()) {
    for (const models::DocumentError& error : documents.errors) std::cerr << models::FormatDocumentError(error) << "\n";
    return false;
  }
  models::ModelGateOptions options;
  options.store_path = store_path;
  std::vector<std::string> errors;
  std::shared_ptr<const models::ModelGate> gate =
      models::ModelGate::Create(std::move(documents), subjects, std::move(options), &errors);
  for (const std::string& error : errors) std::cerr << "error: " << error << "\n";
  if (!gate) return false;
  gate->RegisterProviders(registry);
  return true;
}

}  // namespace stagegate::cli::model_support
