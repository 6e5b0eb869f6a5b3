#include "reports/fleet_panels.h"

#include <fmt/format.h>

namespace stagegate::reports {
namespace {

using Json = nlohmann::ordered_json;

Json Levels(const int (&levels)[7]) {
  Json out = Json::array();
  for (int level : levels) out.push_back(level);
  return out;
}

bool ReadLevels(const nlohmann::json& json, const char* name, int (&levels)[7], std::string* error) {
  if (!json.is_array() || json.size() != 7) {
    *error = fmt::format("panels.zones[].{}: expected an array of 7 levels", name);
    return false;
  }
  for (size_t i = 0; i < 7; ++i) {
    if (!json[i].is_number_integer()) {
      *error = fmt::format("panels.zones[].{}[{}]: expected an integer", name, i);
      return false;
    }
    levels[i] = json[i].get<int>();
  }
  return true;
}

}  // namespace

nlohmann::ordered_json FleetPanelsJson(const FleetPanels& panels) {
  Json zones = Json::array();
  for (const FleetPanels::ZoneLevels& zone : panels.zones) {
    zones.push_back({{"zone", zone.zone}, {"target", Levels(zone.target)}, {"achieved", Levels(zone.achieved)}});
  }
  Json expiry = Json::array();
  for (const auto& [label, devices] : panels.certificate_expiry) {
    expiry.push_back({{"bucket", label}, {"devices", devices}});
  }
  Json models = Json::array();
  for (const FleetPanels::ModelFacts& model : panels.models) {
    Json facts = Json::array();
    for (const auto& [name, value] : model.facts) facts.push_back({{"fact", name}, {"value", value}});
    Json checks = Json::array();
    for (const FleetPanels::ModelCheck& check : model.checks) {
      checks.push_back({{"rule", check.rule},
                        {"title", check.title},
                        {"thresholds", check.thresholds},
                        {"outcome", check.outcome},
                        {"message", check.message}});
    }
    models.push_back({{"model", model.model}, {"facts", facts}, {"checks", checks}});
  }
  Json drift = Json::array();
  for (const FleetPanels::DriftHistogram& h : panels.drift) {
    drift.push_back({{"stream", h.stream},
                     {"test", h.test},
                     {"effect_measure", h.effect_measure},
                     {"effect", h.effect},
                     {"edges", h.edges},
                     {"reference", h.reference},
                     {"current", h.current}});
  }
  return Json{{"zones", zones},
              {"certificate_expiry", expiry},
              {"devices_without_certificate", panels.devices_without_certificate},
              {"models", models},
              {"drift", drift}};
}

std::optional<FleetPanels> ReadFleetPanels(const nlohmann::json& json, std::string* error) {
  FleetPanels panels;
  if (json.is_null()) return panels;
  if (!json.is_object()) {
    *error = "panels: expected an object";
    return std::nullopt;
  }
  try {
    for (const nlohmann::json& zone : json.value("zones", nlohmann::json::array())) {
      FleetPanels::ZoneLevels levels;
      levels.zone = zone.at("zone").get<std::string>();
      if (!ReadLevels(zone.at("target"), "target", levels.target, error) ||
          !ReadLevels(zone.at("achieved"), "achieved", levels.achieved, error)) {
        return std::nullopt;
      }
      panels.zones.push_back(std::move(levels));
    }
    for (const nlohmann::json& bucket : json.value("certificate_expiry", nlohmann::json::array())) {
      panels.certificate_expiry.emplace_back(bucket.at("bucket").get<std::string>(), bucket.at("devices").get<int64_t>());
    }
    panels.devices_without_certificate = json.value("devices_without_certificate", int64_t{0});
    for (const nlohmann::json& model : json.value("models", nlohmann::json::array())) {
      FleetPanels::ModelFacts facts;
      facts.model = model.at("model").get<std::string>();
      for (const nlohmann::json& fact : model.at("facts")) {
        facts.facts.emplace_back(fact.at("fact").get<std::string>(), fact.at("value").get<std::string>());
      }
      // Records of audits before checks existed have none.
      for (const nlohmann::json& check : model.value("checks", nlohmann::json::array())) {
        facts.checks.push_back({check.at("rule").get<std::string>(), check.at("title").get<std::string>(),
                                check.at("thresholds").get<std::string>(), check.at("outcome").get<std::string>(),
                                check.at("message").get<std::string>()});
      }
      panels.models.push_back(std::move(facts));
    }
    for (const nlohmann::json& item : json.value("drift", nlohmann::json::array())) {
      FleetPanels::DriftHistogram h;
      h.stream = item.at("stream").get<std::string>();
      h.test = item.at("test").get<std::string>();
      h.effect_measure = item.at("effect_measure").get<std::string>();
      h.effect = item.at("effect").get<double>();
      h.edges = item.at("edges").get<std::vector<double>>();
      h.reference = item.at("reference").get<std::vector<double>>();
      h.current = item.at("current").get<std::vector<double>>();
      if (h.edges.size() != h.reference.size() + 1 || h.reference.size() != h.current.size()) {
        *error = "panels.drift[]: edges must have one more entry than reference and current, which match";
        return std::nullopt;
      }
      panels.drift.push_back(std::move(h));
    }
  } catch (const nlohmann::json::exception& e) {
    *error = fmt::format("panels: {}", e.what());
    return std::nullopt;
  }
  return panels;
}

}  // namespace stagegate::reports
