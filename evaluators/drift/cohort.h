#pragma once
// Cohorts: streams grouped by a field of their device's inventory record
// (site, zone, class, firmware, labels.region, ...), as `baseline create
// --cohort-by` records them and the stream drift facts compare them.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace stagegate::drift {

// Returns the cohort a device belongs to for `field`, a '.'-separated path
// into its inventory record ("site", "labels.region"): the string as it is,
// a number or boolean as JSON writes it. nullopt when the record lacks the
// field or holds null, a list or a map there (the device is in no cohort).
std::optional<std::string> CohortValue(const nlohmann::json& device_document, std::string_view field);

}  // namespace stagegate::drift
