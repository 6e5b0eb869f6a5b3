#pragma once
// The model and deployment facts: one registration of their schema, and the
// providers that compute them lazily from the artifacts the manifests name.
//
// A run builds one ModelGate from the input subjects: it reads every model
// manifest and deployment document, loads each named artifact once (model,
// deployed model, golden dataset, firmware) and records it with its digest as
// an input of the run, so that the evidence names exactly the bytes judged.
// The expensive facts (running the golden dataset, input drift) are computed
// once per model on first read, whichever fact asks first.

#include <memory>
#include <string>
#include <vector>

#include "engine/facts/fact_schema.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"
#include "evaluators/models/model_evaluation.h"
#include "evaluators/models/repository_documents.h"

namespace stagegate::models {

// Registers the computed facts of the `model` and `deployment` subjects.
void RegisterModelFacts(facts::FactSchema& schema);

struct ModelGateOptions {
  std::string store_path;  // the telemetry store holding the baselines of input drift ("" when none)
  EvaluationOptions evaluation;
};

class ModelGate {
 public:
  // Reads the manifests of `subjects`' models and deployments and loads their
  // artifacts, recording each in `subjects`' inputs. Null with `errors` set
  // for malformed manifests (an artifact that cannot be read or run is not
  // an error here: the facts that need it report it).
  static std::shared_ptr<const ModelGate> Create(RepositoryDocuments documents, subjects::SubjectSet* subjects,
                                                 ModelGateOptions options, std::vector<std::string>* errors);
  ~ModelGate();
  // Registers the providers of the model and deployment facts.
  void RegisterProviders(subjects::FactProviderRegistry* registry) const;

  struct State;

 private:
  ModelGate() = default;
  std::shared_ptr<State> state_;
};

}  // namespace stagegate::models
