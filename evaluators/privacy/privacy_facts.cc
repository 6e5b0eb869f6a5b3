#include "evaluators/privacy/privacy_facts.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/cel/bindings/yaml_documents.h"
#include "engine/cel/bindings/yaml_limits.h"
#include "evaluators/privacy/dataflow.h"

namespace stagegate::privacy {

using facts::FactDef;
using facts::FactOrigin;
using facts::SubjectKind;
using subjects::ComputedFact;

namespace {

constexpr double kSecondsPerDay = 86400;

// Every computed fact is its own provider prefix.
constexpr std::string_view kDataflowFacts[] = {
    "lawful_basis_valid",       "special_categories_condition_valid", "special_categories_without_condition",
    "processors_without_dpa",   "transfers_unsafe",                   "cross_border",
    "dpia_required",            "dpia_reasons",                       "dpia_present",
    "retention_days",           "contract_retention_days",            "retention_exceeds_contract",
    "personal_fields",          "undeclared_personal_fields",         "encryption_complete",
    "automated_decision_safeguarded", "automated_decisions_unsafeguarded", "data_categories",
    "contracts_unknown"};

// Safeguards that satisfy Art. 22(3): the right to obtain human
// intervention, to express one's point of view and to contest the decision.
constexpr std::string_view kArticle22Safeguards[] = {"human_review", "human_intervention", "contest",
                                                     "express_view"};

nlohmann::json Strings(const std::vector<std::string>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& value : values) out.push_back(value);
  return out;
}

nlohmann::json SortedStrings(std::set<std::string> values) {
  return Strings(std::vector<std::string>(values.begin(), values.end()));
}

}  // namespace

void RegisterPrivacyFacts(facts::FactSchema& schema) {
  const SubjectKind df = SubjectKind::kDataflow;
  auto add = [&](std::string name, cel::Type type, std::string unit, std::string description) {
    FactDef def;
    def.name = std::move(name);
    def.type = std::move(type);
    def.unit = std::move(unit);
    def.description = std::move(description);
    def.origin = FactOrigin::kComputed;
    schema.Add(df, std::move(def));
  };
  auto declare = [&](std::string name, cel::Type type, std::string description) {
    FactDef def;
    def.name = std::move(name);
    def.type = std::move(type);
    def.description = std::move(description);
    def.origin = FactOrigin::kInput;
    schema.Add(df, std::move(def));
  };
  const cel::Type i = cel::Type::Int(), s = cel::Type::String(), b = cel::Type::Bool();
  const cel::Type strings = cel::Type::List(cel::Type::String());
  add("lawful_basis_valid", b, "",
      "True when legal_basis is one of the six bases of Art. 6(1): consent, contract, legal_obligation, "
      "vital_interests, public_task, legitimate_interests.");
  add("special_categories_condition_valid", b, "",
      "True when every special category (Art. 9(1)) names the Art. 9(2) condition, (a) to (j), it relies on.");
  add("special_categories_without_condition", strings, "", "Special categories that name no Art. 9(2) condition.");
  add("processors_without_dpa", strings, "", "Processors (Art. 28) without a data processing agreement reference.");
  add("transfers_unsafe", strings, "",
      "Destination countries outside the EU/EEA with neither an adequacy decision nor SCCs, BCRs or a derogation "
      "(Art. 44-49), sorted.");
  add("cross_border", b, "", "True when some destination or processor region is outside the EU/EEA.");
  add("dpia_required", b, "",
      "True when Art. 35 calls for a DPIA: special categories, an automated decision with significant effects, or "
      "large-scale monitoring.");
  add("dpia_reasons", strings, "", "Why a DPIA is required: special_categories, automated_decisions, monitoring.");
  add("dpia_present", b, "", "True when the flow names its DPIA ('dpia').");
  add("retention_days", i, "days", "How long the data is kept: 'retention' (90d, 12w, 6mo, 1y) in days.");
  add("contract_retention_days", i, "days",
      "The shortest retention SLA of the covered data contracts, in whole days.");
  add("retention_exceeds_contract", b, "",
      "True when the flow keeps the data longer than the retention SLA of a contract it covers.");
  add("personal_fields", cel::Type::List(cel::Type::Map(s, s)), "",
      "Fields of the covered contracts that look like personal data: {contract, field, category, detector, "
      "evidence}, one entry per match.");
  add("undeclared_personal_fields", strings, "",
      "'contract.field' of the covered contracts that look like personal data but that no dataflow covering the "
      "contract declares in its 'fields'.");
  add("encryption_complete", b, "", "True when the flow declares encryption both at rest and in transit (Art. 32).");
  add("automated_decision_safeguarded", b, "",
      "True when every automated decision with significant effects (Art. 22) has an Art. 22(2) basis and a "
      "safeguard: human_review, contest or express_view.");
  add("automated_decisions_unsafeguarded", strings, "", "Automated decisions that lack a basis or a safeguard.");
  add("data_categories", strings, "", "Categories of the declared fields and special categories, sorted.");
  add("contracts_unknown", strings, "", "Contract ids the flow covers that no DataContract of the bundle has.");

  declare("retention", s, "How long the data is kept, with its unit: 90d, 12w, 6mo, 1y.");
  declare("dpia", s, "Reference of the data protection impact assessment (Art. 35).");
  declare("large_scale_monitoring", b, "Whether the flow monitors people systematically on a large scale.");
  declare("pseudonymisation", b, "Whether identifiers are pseudonymised (Art. 25, 32).");
  declare("encryption.at_rest", b, "Whether the data is encrypted at rest (Art. 32).");
  declare("encryption.in_transit", b, "Whether the data is encrypted in transit (Art. 32).");
  declare("contracts", strings, "Ids of the DataContracts whose fields the flow covers.");
}

// ---------------------------------------------------------------------------

FieldSamples ReadContractExamples(const bundle::Bundle& bundle) {
  FieldSamples out;
  for (const bundle::BundleFile& file : bundle.files) {
    if (file.content.find("DataContract") == std::string::npos) continue;
    if (cel::FindNulByte(file.content)) continue;  // the contract loader reports it
    std::vector<YAML::Node> documents;
    try {
      documents = cel::LoadYamlDocuments(file.content);
      for (const YAML::Node& root : documents) {
        if (!cel::YamlWithinBudget(root)) continue;
        if (!root.IsMap() || !root["kind"] || !root["kind"].IsScalar() || root["kind"].Scalar() != "DataContract") {
          continue;
        }
        if (!root["id"] || !root["id"].IsScalar()) continue;
        const std::string id = root["id"].Scalar();
        const YAML::Node schema = root["schema"];
        if (!schema || !schema.IsSequence()) continue;
        for (const YAML::Node& object : schema) {
          if (!object.IsMap() || !object["properties"] || !object["properties"].IsSequence()) continue;
          for (const YAML::Node& property : object["properties"]) {
            if (!property.IsMap() || !property["name"] || !property["name"].IsScalar()) continue;
            const YAML::Node examples = property["examples"];
            if (!examples || !examples.IsSequence()) continue;
            std::vector<std::string>& values = out[id][property["name"].Scalar()];
            for (const YAML::Node& example : examples) {
              if (example.IsScalar()) values.push_back(example.Scalar());
            }
          }
        }
      }
    } catch (const YAML::Exception&) {
      continue;  // the contract and policy loaders report syntax errors with their position
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

struct ContractEntry {
  std::vector<std::string> fields;
  std::optional<double> retention_seconds;  // the shortest retention SLA
  std::map<std::string, std::vector<std::string>, std::less<>> samples;

  std::once_flag scan_once;
  std::vector<PersonalDataMatch> personal;  // after scan_once
};

struct PrivacyReview::State {
  std::map<std::string, std::unique_ptr<ContractEntry>, std::less<>> contracts;
  std::map<std::string, Dataflow, std::less<>> flows;
  // contract id → the field names some dataflow covering it declares.
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> declared;

  const std::vector<PersonalDataMatch>& Personal(ContractEntry& entry) const {
    std::call_once(entry.scan_once, [&] {
      for (const std::string& field : entry.fields) {
        auto samples = entry.samples.find(field);
        const std::vector<std::string> none;
        for (PersonalDataMatch& match :
             ClassifyField(field, samples == entry.samples.end() ? std::span<const std::string>(none)
                                                                 : std::span<const std::string>(samples->second))) {
          entry.personal.push_back(std::move(match));
        }
      }
    });
    return entry.personal;
  }

  // The covered contracts, or an error naming the first unknown one.
  std::vector<std::pair<std::string, ContractEntry*>> Covered(const Dataflow& flow, std::string* error) const {
    std::vector<std::pair<std::string, ContractEntry*>> out;
    for (const std::string& id : flow.contracts) {
      auto it = contracts.find(id);
      if (it == contracts.end()) {
        std::string known;
        for (const auto& [name, unused] : contracts) known += (known.empty() ? "" : ", ") + name;
        *error = fmt::format("dataflow '{}' covers contract '{}', which is not a DataContract of the policy bundle ({})",
                             flow.id, id, known.empty() ? "it has none" : "it has " + known);
        return {};
      }
      out.emplace_back(id, it->second.get());
    }
    return out;
  }
};

namespace {

class DataflowProvider : public subjects::FactProvider {
 public:
  explicit DataflowProvider(std::shared_ptr<PrivacyReview::State> state) : state_(std::move(state)) {}

  ComputedFact Compute(const subjects::Subject& subject, std::string_view fact) const override {
    auto found = state_->flows.find(subject.id);
    if (found == state_->flows.end()) return ComputedFact::Missing();
    const Dataflow& flow = found->second;
    if (fact == "lawful_basis_valid") {
      return ComputedFact::Of(std::find(std::begin(kLawfulBases), std::end(kLawfulBases), flow.legal_basis) !=
                              std::end(kLawfulBases));
    }
    if (fact == "special_categories_condition_valid" || fact == "special_categories_without_condition") {
      std::set<std::string> without;
      for (const SpecialCategory& category : flow.special_categories) {
        if (category.condition.empty()) without.insert(category.category);
      }
      if (fact == "special_categories_condition_valid") return ComputedFact::Of(without.empty());
      return ComputedFact::Of(SortedStrings(std::move(without)));
    }
    if (fact == "processors_without_dpa") {
      std::set<std::string> without;
      for (const Party& processor : flow.processors) {
        if (processor.dpa.empty()) without.insert(processor.name);
      }
      return ComputedFact::Of(SortedStrings(std::move(without)));
    }
    if (fact == "transfers_unsafe") return ComputedFact::Of(Strings(UnsafeTransfers(flow)));
    if (fact == "cross_border") {
      return ComputedFact::Of(std::any_of(flow.destinations.begin(), flow.destinations.end(),
                                          [](const Destination& d) { return !IsEeaCountry(d.region); }));
    }
    if (fact == "dpia_required" || fact == "dpia_reasons") {
      std::vector<std::string> reasons;
      if (!flow.special_categories.empty()) reasons.push_back("special_categories");
      if (std::any_of(flow.automated_decisions.begin(), flow.automated_decisions.end(),
                      [](const AutomatedDecision& d) { return d.significant_effect; })) {
        reasons.push_back("automated_decisions");
      }
      if (flow.large_scale_monitoring) reasons.push_back("monitoring");
      if (fact == "dpia_required") return ComputedFact::Of(!reasons.empty());
      return ComputedFact::Of(Strings(reasons));
    }
    if (fact == "dpia_present") return ComputedFact::Of(!flow.dpia.empty());
    if (fact == "retention_days") {
      return flow.retention_days ? ComputedFact::Of(*flow.retention_days) : ComputedFact::Missing();
    }
    if (fact == "encryption_complete") {
      return ComputedFact::Of(flow.encryption_at_rest.value_or(false) && flow.encryption_in_transit.value_or(false));
    }
    if (fact == "automated_decision_safeguarded" || fact == "automated_decisions_unsafeguarded") {
      std::set<std::string> unsafeguarded;
      for (const AutomatedDecision& decision : flow.automated_decisions) {
        if (!decision.significant_effect) continue;
        const bool safeguard = std::any_of(decision.safeguards.begin(), decision.safeguards.end(), [](const auto& s) {
          return std::find(std::begin(kArticle22Safeguards), std::end(kArticle22Safeguards), s) !=
                 std::end(kArticle22Safeguards);
        });
        if (decision.basis.empty() || !safeguard) unsafeguarded.insert(decision.name);
      }
      if (fact == "automated_decision_safeguarded") return ComputedFact::Of(unsafeguarded.empty());
      return ComputedFact::Of(SortedStrings(std::move(unsafeguarded)));
    }
    if (fact == "data_categories") {
      std::set<std::string> categories;
      for (const DataField& field : flow.fields) {
        if (!field.category.empty()) categories.insert(field.category);
      }
      for (const SpecialCategory& category : flow.special_categories) categories.insert(category.category);
      return ComputedFact::Of(SortedStrings(std::move(categories)));
    }
    if (fact == "contracts_unknown") {
      std::set<std::string> unknown;
      for (const std::string& id : flow.contracts) {
        if (!state_->contracts.contains(id)) unknown.insert(id);
      }
      return ComputedFact::Of(SortedStrings(std::move(unknown)));
    }
    return ContractFact(flow, fact);
  }

 private:
  ComputedFact ContractFact(const Dataflow& flow, std::string_view fact) const {
    std::string error;
    const std::vector<std::pair<std::string, ContractEntry*>> covered = state_->Covered(flow, &error);
    if (!error.empty()) return ComputedFact::Error(error);
    if (fact == "contract_retention_days" || fact == "retention_exceeds_contract") {
      std::optional<double> shortest;
      for (const auto& [id, entry] : covered) {
        if (entry->retention_seconds && (!shortest || *entry->retention_seconds < *shortest)) {
          shortest = entry->retention_seconds;
        }
      }
      if (!shortest) return ComputedFact::Missing();
      if (fact == "contract_retention_days") {
        return ComputedFact::Of(static_cast<std::int64_t>(std::floor(*shortest / kSecondsPerDay)));
      }
      if (!flow.retention_days) return ComputedFact::Missing();
      return ComputedFact::Of(static_cast<double>(*flow.retention_days) * kSecondsPerDay > *shortest);
    }
    if (fact == "personal_fields") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& [id, entry] : covered) {
        for (const PersonalDataMatch& match : state_->Personal(*entry)) {
          out.push_back({{"contract", id},
                         {"field", match.field},
                         {"category", match.category},
                         {"detector", match.detector},
                         {"evidence", match.evidence}});
        }
      }
      return ComputedFact::Of(std::move(out));
    }
    if (fact == "undeclared_personal_fields") {
      std::set<std::string> undeclared;
      for (const auto& [id, entry] : covered) {
        auto declared = state_->declared.find(id);
        for (const PersonalDataMatch& match : state_->Personal(*entry)) {
          if (declared == state_->declared.end() || !declared->second.contains(match.field)) {
            undeclared.insert(id + "." + match.field);
          }
        }
      }
      return ComputedFact::Of(SortedStrings(std::move(undeclared)));
    }
    return ComputedFact::Missing();
  }

  std::shared_ptr<PrivacyReview::State> state_;
};

}  // namespace

PrivacyReview::~PrivacyReview() = default;

std::shared_ptr<const PrivacyReview> PrivacyReview::Create(const contracts::ContractSet& contracts,
                                                           subjects::SubjectSet* subjects,
                                                           std::vector<std::string>* errors, PrivacyOptions options) {
  auto state = std::make_shared<State>();
  for (const contracts::DataContract& contract : contracts.contracts) {
    auto entry = std::make_unique<ContractEntry>();
    for (const contracts::SensorSpec& sensor : contract.sensors) entry->fields.push_back(sensor.name);
    for (const contracts::SlaProperty& sla : contract.sla) {
      if (sla.property != "retention" || !sla.seconds) continue;
      if (!entry->retention_seconds || *sla.seconds < *entry->retention_seconds) entry->retention_seconds = sla.seconds;
    }
    if (auto samples = options.samples.find(contract.id); samples != options.samples.end()) {
      for (auto& [field, values] : samples->second) entry->samples[field] = values;
    }
    state->contracts.emplace(contract.id, std::move(entry));
  }
  for (const subjects::Subject* subject : subjects->OfKind(SubjectKind::kDataflow)) {
    Dataflow flow;
    std::string error;
    if (!ParseDataflow(*subject, &flow, &error)) {
      errors->push_back(std::move(error));
      continue;
    }
    for (const std::string& id : flow.contracts) {
      for (const DataField& field : flow.fields) state->declared[id].insert(field.name);
    }
    state->flows.emplace(subject->id, std::move(flow));
  }
  if (!errors->empty()) return nullptr;
  std::shared_ptr<PrivacyReview> review(new PrivacyReview());
  review->state_ = std::move(state);
  return review;
}

void PrivacyReview::RegisterProviders(subjects::FactProviderRegistry* registry) const {
  auto provider = std::make_shared<DataflowProvider>(state_);
  for (std::string_view fact : kDataflowFacts) registry->Register(SubjectKind::kDataflow, std::string(fact), provider);
}

std::vector<PersonalDataMatch> PrivacyReview::PersonalFields(std::string_view contract_id) const {
  auto it = state_->contracts.find(contract_id);
  if (it == state_->contracts.end()) return {};
  return state_->Personal(*it->second);
}

}  // namespace stagegate::privacy
