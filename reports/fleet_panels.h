#pragma once
// The fleet panels of an audit report and their JSON form (the `panels`
// member of report.json, docs/formats/audit.md), written and read back so
// that a recorded audit can be re-rendered.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace stagegate::reports {

// What the audit saw of the fleet beyond the rules' outcomes, read from the
// evaluators' facts after the run (engine/cli/audit_panels.cc), for the
// report's charts. Plain values, so a recorded audit can be re-rendered.
struct FleetPanels {
  // Per IEC 62443 zone: SL-T and SL-A for FR1..FR7 (-1: not known).
  struct ZoneLevels {
    std::string zone;
    int target[7] = {-1, -1, -1, -1, -1, -1, -1};
    int achieved[7] = {-1, -1, -1, -1, -1, -1, -1};
  };
  std::vector<ZoneLevels> zones;
  // Device certificates by weeks to expiry: the label of each bucket and its
  // device count, in order ("expired", "this week", "1-2 weeks", ...).
  std::vector<std::pair<std::string, int64_t>> certificate_expiry;
  int64_t devices_without_certificate = 0;
  // Per model subject: the gate's measured facts (candidate and deployed).
  // Per model subject: each model rule's thresholds and how the model fared.
  struct ModelCheck {
    std::string rule;        // RuleInfo::id
    std::string title;
    std::string thresholds;  // the rule's parameters, "max_p99_ms = 50, ..." ("" when it has none)
    std::string outcome;     // "pass", "fail", ...; "pass or not_applicable" when the run's counts cannot tell
    std::string message;     // the finding's message, when the outcome is one
  };
  struct ModelFacts {
    std::string model;
    std::vector<std::pair<std::string, std::string>> facts;  // fact name, value as written in JSON
    std::vector<ModelCheck> checks;
  };
  std::vector<ModelFacts> models;
  // The most drifted input streams (by effect), reference against current
  // on the same bins (the stream's `drift.histogram` fact).
  struct DriftHistogram {
    std::string stream;
    std::string test;  // the deciding test, and its effect measure and size
    std::string effect_measure;
    double effect = 0;
    std::vector<double> edges, reference, current;  // edges has one more entry than the shares
  };
  std::vector<DriftHistogram> drift;
  bool empty() const { return zones.empty() && certificate_expiry.empty() && models.empty() && drift.empty(); }
};

nlohmann::ordered_json FleetPanelsJson(const FleetPanels& panels);
// The inverse of FleetPanelsJson; nullopt with `error` naming the member at fault.
std::optional<FleetPanels> ReadFleetPanels(const nlohmann::json& json, std::string* error);

}  // namespace stagegate::reports
