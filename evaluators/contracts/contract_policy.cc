#include "evaluators/contracts/contract_policy.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace stagegate::contracts {
namespace {

// ODCS severities (error, warning, info) and Stagegate's.
std::string SeverityOf(const std::string& written, const std::string& fallback) {
  if (written.empty()) return fallback;
  if (written == "error") return "high";
  if (written == "warning" || written == "warn") return "medium";
  if (written == "info") return "info";
  return written;  // low, medium, high, critical (checked by the policy loader)
}

std::string Slug(std::string_view text) {
  std::string slug;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    slug.push_back(std::isalnum(u) || c == '.' || c == '_' || c == '-' ? static_cast<char>(std::tolower(u)) : '-');
  }
  return slug.empty() ? "unnamed" : slug;
}

// A CEL string literal (JSON's quoting is valid CEL); invalid UTF-8 in a
// contract becomes U+FFFD instead of an exception.
std::string Quoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Number(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // a CEL double literal
  return text;
}

struct MetricTerm {
  std::string expression;  // CEL over `stream`
  std::string label;       // for messages
  std::string unit;        // "%" or ""
};

MetricTerm TermOf(const QualityCheck& check) {
  const bool percent = check.unit == "percent";
  if (check.metric == "missingValues" || check.metric == "nullValues") {
    return percent ? MetricTerm{"stream.quality.missing_ratio * 100.0", "missing samples", "%"}
                   : MetricTerm{"stream.quality.missing_ratio * stream.quality.expected_samples", "missing samples", ""};
  }
  if (check.metric == "duplicateValues") {
    // The ratio is dropped / (kept + dropped); kept rows are received_samples.
    return percent ? MetricTerm{"stream.quality.duplicate_ratio * 100.0", "duplicate samples", "%"}
                   : MetricTerm{"stream.quality.duplicate_ratio * double(stream.quality.received_samples) / "
                                "(1.0 - stream.quality.duplicate_ratio)",
                                "duplicate samples", ""};
  }
  if (check.metric == "invalidValues") {
    return percent ? MetricTerm{"stream.quality.out_of_range_ratio * 100.0", "out-of-range samples", "%"}
                   : MetricTerm{"stream.quality.out_of_range_ratio * double(stream.stats.count)",
                                "out-of-range samples", ""};
  }
  return {"double(stream.quality.received_samples)", "received samples", ""};  // rowCount
}

// The assertion and a readable statement of the limit.
std::pair<std::string, std::string> Comparison(const std::string& term, const QualityCheck& check,
                                               const std::string& unit) {
  const std::vector<double>& v = check.operands;
  auto n = [&](size_t i) { return Number(v[i]); };
  auto shown = [&](size_t i) { return fmt::format("{}{}", v[i], unit); };
  if (check.op == "mustBe") return {term + " == " + n(0), "must be " + shown(0)};
  if (check.op == "mustNotBe") return {term + " != " + n(0), "must not be " + shown(0)};
  if (check.op == "mustBeGreaterThan") return {term + " > " + n(0), "must be above " + shown(0)};
  if (check.op == "mustBeGreaterOrEqualTo") return {term + " >= " + n(0), "must be at least " + shown(0)};
  if (check.op == "mustBeLessThan") return {term + " < " + n(0), "must be below " + shown(0)};
  if (check.op == "mustBeLessOrEqualTo") return {term + " <= " + n(0), "must be at most " + shown(0)};
  if (check.op == "mustBeBetween") {
    return {term + " >= " + n(0) + " && " + term + " <= " + n(1), "must be between " + shown(0) + " and " + shown(1)};
  }
  return {term + " < " + n(0) + " || " + term + " > " + n(1), "must not be between " + shown(0) + " and " + shown(1)};
}

class Generator {
 public:
  Generator(const DataContract& contract, GeneratedPolicies* out)
      : contract_(contract), out_(out), policy_(ContractPolicyName(contract)) {}

  void Generate() {
    for (const SensorSpec& sensor : contract_.sensors) {
      const std::string when = fmt::format("stream.sensor == {}", Quoted(sensor.name));
      for (const QualityCheck& check : contract_.quality) AddQuality(sensor.name, when, check);
      for (const QualityCheck& check : sensor.quality) AddQuality(sensor.name, when, check);
      AddTimeSeries(sensor, when);
      for (const SlaProperty& sla : contract_.sla) {
        if (sla.property != "latency" || !sla.seconds) continue;
        Add(sensor.name + ".sla-latency", when,
            fmt::format("stream.quality.freshness_s <= {}", Number(*sla.seconds)),
            fmt::format("last sample {{{{ stream.quality.freshness_s }}}} s old; the contract's latency SLA is {} {} "
                        "({} s)", sla.value, sla.unit, *sla.seconds),
            contract_.default_severity, fmt::format("Latency SLA of {}", sensor.name), sla.location);
      }
    }
    nlohmann::ordered_json document = {
        {"apiVersion", "stagegate/v1"},
        {"kind", "Policy"},
        {"metadata", {{"name", policy_},
                      {"title", fmt::format("Data contract {} {}", contract_.name.empty() ? contract_.id : contract_.name,
                                            contract_.version)},
                      {"owner", contract_.owner}}},
        {"spec", {{"enforcement", "deny"},
                  {"stages", {"gate", "audit"}},
                  {"selector", fmt::format("stream.contract.id == {}", Quoted(contract_.id))},
                  {"rules", rules_}}},
    };
    if (rules_.empty()) return;  // a contract without checks generates no policy
    out_->files.push_back({contract_.location.file + "#" + policy_ + ".yaml", document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"});
    out_->policy_locations[policy_] = contract_.location;
  }

 private:
  void Add(std::string id, const std::string& when, std::string assertion, std::string message, std::string severity,
           std::string title, const eval::FileLocation& location, const std::vector<std::string>& check_controls = {}) {
    id = Slug(id);
    for (int n = 2; ids_.contains(id); ++n) id = Slug(id) + "-" + std::to_string(n);
    ids_.insert(id);
    nlohmann::ordered_json rule = {{"id", id},
                                   {"subject", "stream"},
                                   {"title", title},
                                   {"when", when},
                                   {"assert", assertion},
                                   {"message", message},
                                   {"severity", severity}};
    std::vector<std::string> controls = contract_.controls;
    for (const std::string& control : check_controls) {
      if (std::find(controls.begin(), controls.end(), control) == controls.end()) controls.push_back(control);
    }
    if (!controls.empty()) rule["controls"] = controls;
    rules_.push_back(std::move(rule));
    out_->rule_locations[policy_ + "/" + id] = location;
  }

  void AddQuality(const std::string& sensor, const std::string& when, const QualityCheck& check) {
    const std::string severity = SeverityOf(check.severity, contract_.default_severity);
    if (!check.implementation.empty()) {
      Add(sensor + "." + (check.name.empty() ? "custom" : check.name), when, check.implementation,
          check.description.empty() ? fmt::format("custom check of contract {} failed", contract_.id)
                                    : check.description,
          severity, check.description.empty() ? "Custom contract check" : check.description, check.location,
          check.controls);
      return;
    }
    const MetricTerm term = TermOf(check);
    auto [assertion, limit] = Comparison(term.expression, check, term.unit);
    Add(sensor + "." + (check.name.empty() ? check.metric : check.name), when, assertion,
        fmt::format("{} {{{{ {} }}}}{}; contract {} says it {}", term.label, term.expression, term.unit,
                    contract_.id, limit),
        severity, check.description.empty() ? fmt::format("{} of {}", term.label, sensor) : check.description,
        check.location, check.controls);
  }

  void AddTimeSeries(const SensorSpec& sensor, const std::string& when) {
    const TimeSeriesSpec spec = contract_.ExpectationsFor(sensor.name);
    const std::string& severity = contract_.default_severity;
    const eval::FileLocation& at = sensor.location;
    if (spec.max_gap_s) {
      Add(sensor.name + ".max-gap", when, fmt::format("stream.quality.max_gap_s <= {}", Number(*spec.max_gap_s)),
          fmt::format("longest gap {{{{ stream.quality.max_gap_s }}}} s; the contract allows {} s", *spec.max_gap_s),
          severity, fmt::format("Gaps in {} within the contract", sensor.name), at);
    }
    if (spec.jitter_ms) {
      Add(sensor.name + ".jitter", when, fmt::format("stream.quality.jitter_ms_p99 <= {}", Number(*spec.jitter_ms)),
          fmt::format("p99 sampling jitter {{{{ stream.quality.jitter_ms_p99 }}}} ms; the contract allows {} ms",
                      *spec.jitter_ms),
          severity, fmt::format("Sampling jitter of {}", sensor.name), at);
    }
    if (spec.clock_skew_s) {
      const std::string limit = Number(*spec.clock_skew_s);
      // Receive times are optional in the telemetry: without them the skew is
      // unknown and the rule does not apply (rather than blocking every gate).
      Add(sensor.name + ".clock-skew", when + " && has(stream.quality.clock_skew_s)",
          fmt::format("stream.quality.clock_skew_s <= {0} && stream.quality.clock_skew_s >= -{0}", limit),
          fmt::format("clock skew {{{{ stream.quality.clock_skew_s }}}} s; the contract allows ±{} s",
                      *spec.clock_skew_s),
          severity, fmt::format("Device clock skew of {}", sensor.name), at);
    }
    if (spec.stuck_window_s) {
      Add(sensor.name + ".stuck", when,
          fmt::format("stream.quality.longest_stuck_s < {}", Number(*spec.stuck_window_s)),
          fmt::format("one value repeated for {{{{ stream.quality.longest_stuck_s }}}} s; the contract allows less "
                      "than {} s", *spec.stuck_window_s),
          severity, fmt::format("Stuck {} sensor", sensor.name), at);
    }
    if (sensor.minimum || sensor.maximum) {
      // Range limits are checked when a quality rule asks (invalidValues);
      // they always feed quality.out_of_range_ratio.
    }
  }

  const DataContract& contract_;
  GeneratedPolicies* out_;
  std::string policy_;
  nlohmann::ordered_json rules_ = nlohmann::ordered_json::array();
  std::set<std::string> ids_;
};

}  // namespace

std::string ContractPolicyName(const DataContract& contract) { return "contract-" + Slug(contract.id); }

GeneratedPolicies GenerateContractPolicies(const ContractSet& contracts) {
  GeneratedPolicies generated;
  for (const DataContract& contract : contracts.contracts) Generator(contract, &generated).Generate();
  return generated;
}

void LocateContractRules(const GeneratedPolicies& generated, policy::LoadedBundle* bundle) {
  for (policy::Policy& policy : bundle->policies) {
    auto policy_location = generated.policy_locations.find(policy.name);
    if (policy_location == generated.policy_locations.end()) continue;
    policy.location = policy_location->second;
    for (policy::RuleInstance& rule : policy.rules) {
      auto it = generated.rule_locations.find(policy.name + "/" + rule.id);
      if (it != generated.rule_locations.end()) rule.location = it->second;
    }
  }
  for (std::unique_ptr<policy::RuleTemplate>& rule : bundle->templates) {
    if (!rule->inline_rule) continue;
    auto it = generated.rule_locations.find(rule->owner_policy + "/" + rule->id);
    if (it != generated.rule_locations.end()) rule->location = it->second;
  }
}

}  // namespace stagegate::contracts
