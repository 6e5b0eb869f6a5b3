#pragma once
// Personal-data detection: does a contract field, by its name or by the values
// it holds, look like personal data (GDPR Art. 4(1))? Heuristics, documented
// with their patterns in docs/privacy.md: a match is a reason to ask, never a
// proof, and the absence of a match proves nothing either.
//
// The patterns are RE2 expressions compiled once, on first use, and shared;
// every function here is thread-safe.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::privacy {

// One reason to believe a field holds personal data.
struct PersonalDataMatch {
  std::string field;     // the field (contract property) the match is about
  std::string category;  // "contact", "device_identifier", "online_identifier", "location", "vehicle_identifier", "identity"
  std::string detector;  // "name:email", "value:imei", ...: which pattern matched
  std::string evidence;  // one sentence naming the field and the pattern (and the value for value detectors)
};

// Matches `field`'s name against the field-name patterns. camelCase, '-',
// '.' and spaces are normalised to snake_case tokens first, so "driverEmail",
// "driver-email" and "driver_email" all match the e-mail pattern.
std::vector<PersonalDataMatch> ClassifyFieldName(std::string_view field);

// Matches one sampled `value` of `field` against the value detectors (e-mail,
// MAC address, IMEI with its Luhn check, GPS coordinate pair, E.164 phone
// number, EU licence plate formats, VIN, IPv4/IPv6, "Firstname Lastname").
// At most one match per detector; values longer than kMaxSampleLength are
// not examined.
std::vector<PersonalDataMatch> ClassifyValue(std::string_view field, std::string_view value);

// Both: the name, then every value (one match per detector and field).
std::vector<PersonalDataMatch> ClassifyField(std::string_view field, std::span<const std::string> values);

// True when `digits` (digits only) passes the Luhn check, as IMEIs do.
bool LuhnValid(std::string_view digits);

// Longest sampled value the detectors examine (longer values are free text
// that the patterns, all anchored, cannot match anyway).
inline constexpr size_t kMaxSampleLength = 256;

}  // namespace stagegate::privacy
