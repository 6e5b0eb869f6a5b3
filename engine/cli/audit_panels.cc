#include "engine/cli/audit_panels.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "engine/subjects/field_selector.h"

namespace stagegate::cli {
namespace {

// A fact of `subject`: from its input document when it holds it, else from
// the provider serving it; nullopt when neither gives a value.
std::optional<nlohmann::json> FactOf(const subjects::FactProviderRegistry& providers, const subjects::Subject& subject,
                                     std::string_view fact) {
  const nlohmann::json* node = subjects::FindField(subject.document, fact);
  if (node != nullptr && !node->is_null() && !node->is_object()) return *node;
  const subjects::FactProvider* provider = providers.Find(subject.kind, fact);
  if (provider == nullptr) return std::nullopt;
  subjects::ComputedFact computed = provider->Compute(subject, fact);
  return computed.value;
}

// Weekly buckets for the first twelve weeks, then coarser ones: the renewals
// a team plans for soon, and the horizon beyond.
std::string ExpiryBucket(int64_t days) {
  if (days < 0) return "expired";
  if (days < 7) return "this week";
  if (days < 84) return fmt::format("{}-{} weeks", days / 7, days / 7 + 1);
  if (days < 182) return "3-6 months";
  if (days < 365) return "6-12 months";
  return "over a year";
}

std::vector<std::pair<std::string, int64_t>> OrderedBuckets(const std::map<std::string, int64_t>& counts) {
  std::vector<std::string> order = {"expired", "this week"};
  for (int week = 1; week < 12; ++week) order.push_back(fmt::format("{}-{} weeks", week, week + 1));
  order.insert(order.end(), {"3-6 months", "6-12 months", "over a year"});
  std::vector<std::pair<std::string, int64_t>> out;
  for (const std::string& label : order) {
    auto it = counts.find(label);
    out.emplace_back(label, it == counts.end() ? 0 : it->second);
  }
  // Trailing empty buckets say nothing.
  while (!out.empty() && out.back().second == 0) out.pop_back();
  return out;
}

constexpr std::string_view kModelFacts[] = {
    "eval.accuracy",       "baseline.accuracy",       "eval.f1",           "baseline.f1",
    "eval.roc_auc",        "baseline.roc_auc",        "eval.rmse",         "baseline.rmse",
    "eval.latency_p99_ms", "baseline.latency_p99_ms", "eval.memory_bytes", "digest_match",
    "signature_valid",     "device_fit.ok"};

// A rule's parameters as a reader sees its thresholds: "min_accuracy = 0.9, min_f1 = 0.85".
std::string ThresholdText(const nlohmann::json& params) {
  constexpr size_t kLongestValue = 60;
  std::string text;
  if (!params.is_object()) return text;
  for (const auto& [name, value] : params.items()) {
    std::string shown = value.is_string() ? value.get<std::string>()
                                          : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (shown.size() > kLongestValue) shown = shown.substr(0, kLongestValue - 1) + "…";
    text += (text.empty() ? "" : ", ") + name + " = " + shown;
  }
  return text;
}

// How each model rule judged `model`: its finding when it has one, else what
// the rule's counts allow to say. Passing outcomes are not recorded one by
// one, so with several models a rule that passed some and did not apply to
// others cannot tell which.
// What the model checks read of the run, gathered once for every model.
struct ModelRuleIndex {
  std::map<std::string, const nlohmann::json*> params;  // by rule id
  // The listed outcomes of model subjects: model id → rule id → outcome.
  std::map<std::string, std::map<std::string, const eval::OutcomeRecord*>> judged;
};

ModelRuleIndex IndexModelRules(const run_pipeline::Run& run) {
  ModelRuleIndex index;
  for (const policy::Policy& policy : run.loaded->policies) {
    for (const policy::RuleInstance& instance : policy.rules) {
      index.params[policy.name + "/" + instance.id] = &instance.params;
    }
  }
  for (const eval::OutcomeRecord& outcome : run.result.outcomes) {
    if (outcome.subject_kind == "model") index.judged[outcome.subject_id].emplace(outcome.rule_id, &outcome);
  }
  return index;
}

std::vector<reports::FleetPanels::ModelCheck> ModelChecks(const run_pipeline::Run& run, const ModelRuleIndex& index,
                                                          const subjects::Subject& model) {
  const auto& params = index.params;
  static const std::map<std::string, const eval::OutcomeRecord*> kNone;
  auto of_model = index.judged.find(model.id);
  const auto& judged = of_model == index.judged.end() ? kNone : of_model->second;
  std::vector<reports::FleetPanels::ModelCheck> checks;
  for (const eval::RuleInfo& rule : run.result.rules) {
    if (rule.subject_kind != "model") continue;
    reports::FleetPanels::ModelCheck check;
    check.rule = rule.id;
    check.title = rule.title;
    if (auto it = params.find(rule.id); it != params.end()) check.thresholds = ThresholdText(*it->second);
    if (auto it = judged.find(rule.id); it != judged.end()) {
      check.outcome = eval::OutcomeName(it->second->outcome);
      check.message = it->second->message;
    } else if (rule.counts.not_applicable == 0) {
      check.outcome = "pass";
    } else if (rule.counts.pass == 0) {
      check.outcome = "not_applicable";
    } else {
      check.outcome = "pass or not_applicable";
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

constexpr size_t kDriftCharts = 6;

// The streams a rule found drifted (its evidence says `stream.drift.drifted`),
// the largest effects first, with their histograms.
std::vector<reports::FleetPanels::DriftHistogram> DriftHistograms(const run_pipeline::Run& run,
                                                                  const subjects::FactProviderRegistry& providers) {
  std::map<std::string, reports::FleetPanels::DriftHistogram> drifted;
  for (const eval::OutcomeRecord& outcome : run.result.outcomes) {
    if (outcome.subject_kind != "stream" || outcome.outcome != eval::Outcome::kFail) continue;
    auto flag = outcome.evidence.find("stream.drift.drifted");
    if (flag == outcome.evidence.end() || flag->second != true) continue;
    reports::FleetPanels::DriftHistogram& h = drifted[outcome.subject_id];
    h.stream = outcome.subject_id;
    auto get = [&](const char* name) -> const nlohmann::json* {
      auto it = outcome.evidence.find(name);
      return it == outcome.evidence.end() ? nullptr : &it->second;
    };
    if (const nlohmann::json* v = get("stream.drift.effect"); v != nullptr && v->is_number()) h.effect = v->get<double>();
    if (const nlohmann::json* v = get("stream.drift.test"); v != nullptr && v->is_string()) h.test = v->get<std::string>();
    if (const nlohmann::json* v = get("stream.drift.effect_measure"); v != nullptr && v->is_string()) {
      h.effect_measure = v->get<std::string>();
    }
  }
  std::vector<reports::FleetPanels::DriftHistogram> ranked;
  for (auto& [id, h] : drifted) ranked.push_back(std::move(h));
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.effect > b.effect; });
  std::vector<reports::FleetPanels::DriftHistogram> out;
  for (reports::FleetPanels::DriftHistogram& h : ranked) {
    if (out.size() == kDriftCharts) break;
    const subjects::Subject* stream = run.inputs.Find(facts::SubjectKind::kStream, h.stream);
    if (stream == nullptr) continue;
    std::optional<nlohmann::json> histogram = FactOf(providers, *stream, "drift.histogram");
    if (!histogram || !histogram->is_object()) continue;
    h.edges = histogram->value("edges", std::vector<double>{});
    h.reference = histogram->value("reference", std::vector<double>{});
    h.current = histogram->value("current", std::vector<double>{});
    if (h.edges.size() == h.reference.size() + 1 && h.reference.size() == h.current.size()) out.push_back(std::move(h));
  }
  return out;
}

}  // namespace

reports::FleetPanels ComputeFleetPanels(const run_pipeline::Run& run) {
  reports::FleetPanels panels;
  const subjects::FactProviderRegistry& providers = run.contract_run.providers;
  for (const subjects::Subject* zone : run.inputs.OfKind(facts::SubjectKind::kZone)) {
    reports::FleetPanels::ZoneLevels levels;
    levels.zone = zone->id;
    for (int fr = 1; fr <= 7; ++fr) {
      std::optional<nlohmann::json> target = FactOf(providers, *zone, fmt::format("sl.target.fr{}", fr));
      std::optional<nlohmann::json> achieved = FactOf(providers, *zone, fmt::format("sl.achieved.fr{}", fr));
      if (target && target->is_number_integer()) levels.target[fr - 1] = target->get<int>();
      if (achieved && achieved->is_number_integer()) levels.achieved[fr - 1] = achieved->get<int>();
    }
    panels.zones.push_back(std::move(levels));
  }
  std::map<std::string, int64_t> expiry;
  bool any_certificate = false;
  for (const subjects::Subject* device : run.inputs.OfKind(facts::SubjectKind::kDevice)) {
    const nlohmann::json* identity = device->document.is_object() && device->document.contains("identity")
                                         ? &device->document["identity"]
                                         : nullptr;
    if (identity == nullptr || !identity->is_object() || !identity->contains("certificate")) {
      ++panels.devices_without_certificate;
      continue;
    }
    std::optional<nlohmann::json> days = FactOf(providers, *device, "identity.cert.days_to_expiry");
    if (!days || !days->is_number_integer()) {
      ++panels.devices_without_certificate;  // unreadable: the rules' outcomes say why
      continue;
    }
    any_certificate = true;
    ++expiry[ExpiryBucket(days->get<int64_t>())];
  }
  if (any_certificate) panels.certificate_expiry = OrderedBuckets(expiry);
  const ModelRuleIndex model_rules = IndexModelRules(run);
  for (const subjects::Subject* model : run.inputs.OfKind(facts::SubjectKind::kModel)) {
    reports::FleetPanels::ModelFacts facts;
    facts.model = model->id;
    for (std::string_view fact : kModelFacts) {
      std::optional<nlohmann::json> value = FactOf(providers, *model, fact);
      if (value && !value->is_null()) facts.facts.emplace_back(std::string(fact), value->dump());
    }
    facts.checks = ModelChecks(run, model_rules, *model);
    if (!facts.facts.empty() || !facts.checks.empty()) panels.models.push_back(std::move(facts));
  }
  panels.drift = DriftHistograms(run, providers);
  return panels;
}

}  // namespace stagegate::cli
