#include "evaluators/zones/zone_document.h"

#include <fmt/format.h>

namespace stagegate::zones {
namespace {

constexpr const char* kKnownKeys[] = {"kind", "id", "title", "description", "owner", "security_level_target",
                                      "device_selector", "device_ids", "conduits", "exclusions"};

// A value for an error message; invalid UTF-8 in user text is replaced, not thrown on.
std::string Show(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsLevel(const nlohmann::json& value) {
  return value.is_number_integer() && value.get<int64_t>() >= 0 && value.get<int64_t>() <= 4;
}

bool ReadTargets(const nlohmann::json& value, ZoneDocument* zone, std::string* error) {
  if (IsLevel(value)) {
    zone->target.fill(value.get<int>());
    return true;
  }
  if (!value.is_object()) {
    *error = "'security_level_target' must be a level 0..4 for every FR, or a map {FR1: 2, ..., FR7: 1}";
    return false;
  }
  for (const auto& [key, level] : value.items()) {
    int fr = 0;
    if (key.size() == 3 && key[0] == 'F' && key[1] == 'R' && key[2] >= '1' && key[2] <= '7') fr = key[2] - '0';
    if (fr == 0) {
      *error = fmt::format("'security_level_target' has key '{}'; the keys are FR1 to FR7", key);
      return false;
    }
    if (!IsLevel(level)) {
      *error = fmt::format("'security_level_target.{}' must be an integer security level from 0 to 4, found {}", key,
                           Show(level));
      return false;
    }
    zone->target[static_cast<size_t>(fr - 1)] = level.get<int>();
  }
  return true;
}

bool ReadStrings(const nlohmann::json& value, std::string_view what, std::vector<std::string>* out,
                 std::string* error) {
  if (!value.is_array()) {
    *error = fmt::format("'{}' must be a list of strings", what);
    return false;
  }
  for (const nlohmann::json& item : value) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      *error = fmt::format("'{}' must be a list of non-empty strings, found {}", what, Show(item));
      return false;
    }
    out->push_back(item.get<std::string>());
  }
  return true;
}

bool ReadConduits(const nlohmann::json& value, ZoneDocument* zone, std::string* error) {
  if (!value.is_array()) {
    *error = "'conduits' must be a list of {to: ZONE, protocols: [mqtts, ...]}";
    return false;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const nlohmann::json& item = value[i];
    const std::string where = fmt::format("conduits[{}]", i);
    if (!item.is_object()) {
      *error = fmt::format("'{}' must be a map {{to: ZONE, protocols: [mqtts, ...]}}", where);
      return false;
    }
    for (const auto& [key, unused] : item.items()) {
      if (key != "to" && key != "protocols" && key != "description") {
        *error = fmt::format("'{}' has unknown key '{}'; the keys are to, protocols and description", where, key);
        return false;
      }
    }
    Conduit conduit;
    auto to = item.find("to");
    if (to == item.end() || !to->is_string() || to->get_ref<const std::string&>().empty()) {
      *error = fmt::format("'{}.to' must name the zone at the other end", where);
      return false;
    }
    conduit.to = to->get<std::string>();
    auto protocols = item.find("protocols");
    if (protocols == item.end()) {
      *error = fmt::format("'{}.protocols' is required: the protocols the conduit allows, e.g. [mqtts, https]", where);
      return false;
    }
    if (!ReadStrings(*protocols, where + ".protocols", &conduit.protocols, error)) return false;
    if (conduit.protocols.empty()) {
      *error = fmt::format("'{}.protocols' is empty: list the protocols the conduit allows", where);
      return false;
    }
    zone->conduits.push_back(std::move(conduit));
  }
  return true;
}

bool ReadExclusions(const nlohmann::json& value, ZoneDocument* zone, std::string* error) {
  if (!value.is_array()) {
    *error = "'exclusions' must be a list of {requirement: SR-1.6, reason: ...}";
    return false;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const nlohmann::json& item = value[i];
    auto requirement = item.is_object() ? item.find("requirement") : item.end();
    auto reason = item.is_object() ? item.find("reason") : item.end();
    if (!item.is_object() || requirement == item.end() || !requirement->is_string() || reason == item.end() ||
        !reason->is_string() || reason->get_ref<const std::string&>().empty()) {
      *error = fmt::format(
          "'exclusions[{}]' must be {{requirement: SR-1.6, reason: ...}}: a requirement excluded from the zone needs "
          "the reason an assessor will read",
          i);
      return false;
    }
    zone->exclusions.push_back({requirement->get<std::string>(), reason->get<std::string>()});
  }
  return true;
}

}  // namespace

std::optional<ZoneDocument> ParseZoneDocument(const subjects::Subject& subject, std::string* error) {
  const nlohmann::json& doc = subject.document;
  ZoneDocument zone;
  zone.subject = &subject;
  for (const auto& [key, unused] : doc.items()) {
    bool known = false;
    for (const char* k : kKnownKeys) known = known || key == k;
    if (!known) {
      *error = fmt::format(
          "unknown key '{}'; a zone has security_level_target, device_selector or device_ids, conduits, exclusions, "
          "title, description and owner",
          key);
      return std::nullopt;
    }
  }
  auto target = doc.find("security_level_target");
  if (target == doc.end()) {
    *error = "'security_level_target' is required: the zone's SL-T, e.g. {FR1: 2, FR2: 2, FR3: 3, FR4: 2, FR5: 2, "
             "FR6: 1, FR7: 2}";
    return std::nullopt;
  }
  if (!ReadTargets(*target, &zone, error)) return std::nullopt;
  auto selector = doc.find("device_selector");
  auto ids = doc.find("device_ids");
  if (selector != doc.end() && ids != doc.end()) {
    *error = "give either 'device_selector' or 'device_ids', not both";
    return std::nullopt;
  }
  if (selector != doc.end()) {
    if (!selector->is_object() || selector->empty()) {
      *error = "'device_selector' must map device fields to values, e.g. {site: plant-a, class: controller}";
      return std::nullopt;
    }
    zone.device_selector = *selector;
  }
  if (ids != doc.end()) {
    std::vector<std::string> list;
    if (!ReadStrings(*ids, "device_ids", &list, error)) return std::nullopt;
    zone.device_ids = std::move(list);
  }
  if (auto conduits = doc.find("conduits"); conduits != doc.end() && !ReadConduits(*conduits, &zone, error)) {
    return std::nullopt;
  }
  if (auto exclusions = doc.find("exclusions"); exclusions != doc.end() && !ReadExclusions(*exclusions, &zone, error)) {
    return std::nullopt;
  }
  return zone;
}

}  // namespace stagegate::zones
