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
    models.push_back({{"model", model.model}, {"facts", facts}});
  }
  return Json{{"zones", zones},
              {"certificate_expiry", expiry},
              {"devices_without_certificate", panels.devices_without_certificate},
              {"models", models}};
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
      panels.models.push_back(std::move(facts));
    }
  } catch (const nlohmann::json::exception& e) {
    *error = fmt::format("panels: {}", e.what());
    return std::nullopt;
  }
  return panels;
}

}  // namespace stagegate::reports
