#pragma once
// The `kind: zone` input document: an IEC 62443 zone with its target
// security level per foundational requirement, its member devices and its
// conduits to other zones (docs/devices.md, "Zones").
//
//   kind: zone
//   id: plant-a-cell
//   security_level_target: {FR1: 2, FR2: 2, FR3: 3, FR4: 2, FR5: 2, FR6: 1, FR7: 2}   # or one level for all
//   device_selector: {site: plant-a, class: controller}   # or device_ids: [...]; neither: devices whose zone is the id
//   conduits: [{to: cloud, protocols: [mqtts, https]}]
//   exclusions: [{requirement: SR-1.6, reason: no wireless network in the cell}]

#include <array>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/subjects/inputs.h"

namespace stagegate::zones {

inline constexpr int kFoundationalRequirements = 7;  // FR1..FR7

struct Conduit {
  std::string to;                      // the zone at the other end
  std::vector<std::string> protocols;  // as written
};

struct Exclusion {
  std::string requirement;  // a control id of the IEC 62443-3-3 catalog: "SR-1.6"
  std::string reason;
};

struct ZoneDocument {
  const subjects::Subject* subject = nullptr;
  std::array<int, kFoundationalRequirements> target{};  // SL-T per FR, 0..4
  nlohmann::json device_selector;       // object of dotted device field → value; null when absent
  std::optional<std::vector<std::string>> device_ids;
  std::vector<Conduit> conduits;
  std::vector<Exclusion> exclusions;
};

// Reads the zone document of `subject`. Nullopt with `error` set (what is
// wrong and how to write it) when the document is malformed.
std::optional<ZoneDocument> ParseZoneDocument(const subjects::Subject& subject, std::string* error);

}  // namespace stagegate::zones
