#include "evaluators/privacy/personal_data.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <re2/re2.h>

namespace stagegate::privacy {

namespace {

struct PatternSpec {
  const char* detector;     // "email": reported as "name:email" or "value:email"
  const char* category;
  const char* description;  // what the pattern looks for, for the evidence
  const char* pattern;      // RE2, over the normalised name or the trimmed value
};

// Field names are normalised to lowercase snake_case tokens, so every pattern
// anchors on a token boundary: (^|_) ... (_|$).
constexpr PatternSpec kNamePatterns[] = {
    {"email", "contact", "an e-mail address", R"((^|_)(e_?mail|mail|email_?addr(ess)?)(_|$))"},
    {"phone", "contact", "a phone number", R"((^|_)(phone|telephone|tel|mobile|msisdn|cell_?phone)(_?(no|number))?(_|$))"},
    {"imei", "device_identifier", "a handset identifier (IMEI/IMSI/ICCID)", R"((^|_)(imei|imeisv|imsi|iccid)(_|$))"},
    {"mac", "device_identifier", "a MAC address", R"((^|_)(mac|mac_?addr(ess)?|bssid)(_|$))"},
    {"personal_device_serial", "device_identifier", "the serial number of a person's device",
     R"((^|_)(phone|handset|smartphone|wearable|badge|tracker|watch|personal_device)_?(serial|sn)(_?(no|number))?(_|$))"},
    {"location", "location", "a geographic position",
     R"((^|_)(lat|lon|lng|latitude|longitude|gps|geo|geolocation|geo_?position|coords?|coordinates)(_|$))"},
    {"licence_plate", "vehicle_identifier", "a vehicle licence plate",
     R"((^|_)(licen[cs]e_?plate|number_?plate|registration_?plate|plate(_?(no|number))?|licen[cs]e_?(no|number)|driv(ing|er)s?_?licen[cs]e)(_|$))"},
    {"vin", "vehicle_identifier", "a vehicle identification number", R"((^|_)vin(_?(no|number))?(_|$))"},
    {"person_name", "identity", "a person's name",
     R"(^((full|first|last|given|family|middle|sur|nick)_?)?name$|(^|_)(first|last|given|family|full|middle|sur|nick|person|customer|driver|owner|employee|patient|contact)_?name(_|$))"},
    {"person", "identity", "a reference to a person",
     R"((^|_)(driver|operator|technician|passenger|customer|employee|patient|person|owner|worker|resident|occupant)(_|$))"},
    {"user", "online_identifier", "a user account", R"((^|_)(user|username|user_?id|login|account_?id|userid)(_|$))"},
    {"ip_address", "online_identifier", "an IP address",
     R"((^|_)(ip|ip_?addr(ess)?|ipv4|ipv6|client_?ip|remote_?addr(ess)?|src_?ip|source_?ip)(_|$))"},
};

// Values are trimmed and matched whole (the patterns are anchored).
constexpr PatternSpec kValuePatterns[] = {
    {"email", "contact", "an e-mail address", R"(^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$)"},
    {"mac", "device_identifier", "a MAC address",
     R"(^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^([0-9A-Fa-f]{2}-){5}[0-9A-Fa-f]{2}$|^([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$)"},
    // 15 digits, optionally grouped 2-6-6-1 (TAC, serial, check digit); the
    // Luhn check then decides.
    {"imei", "device_identifier", "an IMEI (Luhn check digit valid)", R"(^[0-9]{2}[- ]?[0-9]{6}[- ]?[0-9]{6}[- ]?[0-9]$)"},
    // Decimal degrees with at least three decimals each (about 100 m), the
    // range checked after the match.
    {"gps", "location", "a GPS coordinate pair",
     R"(^\(?\s*([-+]?[0-9]{1,2}\.[0-9]{3,})\s*[,; ]\s*([-+]?[0-9]{1,3}\.[0-9]{3,})\s*\)?$)"},
    {"phone", "contact", "an international (E.164) phone number", R"(^\+[1-9][0-9 ]{7,17}$)"},
    // DE "M-AB 1234", "B MW 123E"; FR "AB-123-CD"; IT "AB 123 CD"; ES "1234 BCD";
    // NL sidecodes "12-ABC-3", "1-ABC-23", "AB-123-C", "A-123-BC"; UK "AB12 CDE".
    {"licence_plate", "vehicle_identifier", "an EU licence plate",
     R"(^[A-Z]{1,3}[- ][A-Z]{1,2} ?[0-9]{1,4}[EH]?$|^[A-Z]{2}-[0-9]{3}-[A-Z]{2}$|^[A-Z]{2} ?[0-9]{3} ?[A-Z]{2}$|)"
     R"(^[0-9]{4} ?[BCDFGHJKLMNPRSTVWXYZ]{3}$|^[0-9]{2}-[A-Z]{3}-[0-9]$|^[0-9]-[A-Z]{3}-[0-9]{2}$|)"
     R"(^[A-Z]{2}-[0-9]{3}-[A-Z]$|^[A-Z]-[0-9]{3}-[A-Z]{2}$|^[A-Z]{2}[0-9]{2} ?[A-Z]{3}$)"},
    // 17 characters without I, O, Q; at least one letter and one digit (checked after).
    {"vin", "vehicle_identifier", "a vehicle identification number (VIN)", R"(^[A-HJ-NPR-Z0-9]{17}$)"},
    {"ipv4", "online_identifier", "an IPv4 address",
     R"(^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$)"},
    // A candidate only: inet_pton decides.
    {"ipv6", "online_identifier", "an IPv6 address", R"(^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$)"},
    // Two or three capitalised words, any script with case: "Anna Müller",
    // "Jean-Luc Picard", "Seán O'Brien". Words of kNotNames veto the match.
    {"person_name", "identity", "a person's name (\"Firstname Lastname\" heuristic)",
     R"(^\p{Lu}\p{Ll}+([-']\p{Lu}?\p{Ll}+)?( \p{Lu}\p{Ll}*([-']\p{Lu}?\p{Ll}+)?){1,2}$)"},
};

// Capitalised words that make "Two Words" a place, a thing or a status, not a
// person (lowercase; compared with each word of the value).
const std::set<std::string, std::less<>>& NotNames() {
  static const std::set<std::string, std::less<>> kNotNames = {
      "alarm",    "area",     "avenue",  "bay",      "building", "center",   "centre",   "city",    "control",
      "data",     "east",     "engine",  "error",    "factory",  "fault",    "floor",    "gate",    "hall",
      "high",     "lane",     "level",   "line",     "low",      "main",     "motor",    "new",     "north",
      "ok",       "old",      "plant",   "port",     "pressure", "pump",     "road",     "room",    "sensor",
      "server",   "site",     "south",   "square",   "station",  "status",   "street",   "system",  "temperature",
      "test",     "unit",     "valve",   "warning",  "west",     "zone",     "inc",      "ltd",     "gmbh",
      "true",     "false",    "none",    "null",     "unknown",  "default",  "team",     "group",   "department"};
  return kNotNames;
}

struct Compiled {
  const PatternSpec* spec;
  std::unique_ptr<RE2> re;
};

std::vector<Compiled> Compile(std::span<const PatternSpec> specs) {
  std::vector<Compiled> out;
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  for (const PatternSpec& spec : specs) {
    auto re = std::make_unique<RE2>(spec.pattern, options);
    if (!re->ok()) {
      // A programmer error in the tables above, never caused by input.
      std::fprintf(stderr, "privacy: pattern %s does not compile: %s\n", spec.detector, re->error().c_str());
      std::abort();
    }
    out.push_back({&spec, std::move(re)});
  }
  return out;
}

// Compiled once, on first use (thread-safe static initialisation).
const std::vector<Compiled>& NamePatterns() {
  static const std::vector<Compiled> kCompiled = Compile(kNamePatterns);
  return kCompiled;
}
const std::vector<Compiled>& ValuePatterns() {
  static const std::vector<Compiled> kCompiled = Compile(kValuePatterns);
  return kCompiled;
}

// "driverEmail-Address" → "driver_email_address".
std::string NormaliseName(std::string_view name) {
  std::string out;
  char previous = 0;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isupper(u) && (std::islower(static_cast<unsigned char>(previous)) ||
                            std::isdigit(static_cast<unsigned char>(previous)))) {
      out += '_';
    }
    if (std::isalnum(u)) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
    previous = c;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// Shortens a value for the evidence text, so that a report never carries more
// of the personal data than needed to recognise it.
std::string Excerpt(std::string_view value) {
  constexpr size_t kShown = 40;
  if (value.size() <= kShown) return std::string(value);
  return std::string(value.substr(0, kShown)) + "...";
}

// The checks a regular expression cannot make.
bool Confirm(std::string_view detector, std::string_view value) {
  if (detector == "imei") {
    std::string digits;
    for (char c : value) {
      if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    }
    return LuhnValid(digits);
  }
  if (detector == "gps") {
    std::string lat, lon;
    static const RE2 kPair(R"(^\(?\s*([-+]?[0-9]{1,2}\.[0-9]{3,})\s*[,; ]\s*([-+]?[0-9]{1,3}\.[0-9]{3,})\s*\)?$)");
    if (!RE2::FullMatch(re2::StringPiece(value.data(), value.size()), kPair, &lat, &lon)) return false;
    const double latitude = std::strtod(lat.c_str(), nullptr), longitude = std::strtod(lon.c_str(), nullptr);
    return latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180;
  }
  if (detector == "vin") {
    const bool letter = std::any_of(value.begin(), value.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    const bool digit = std::any_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    return letter && digit;
  }
  if (detector == "ipv6") {
    if (value.size() > 45) return false;
    const std::string text(value);
    std::array<unsigned char, 16> address{};
    return inet_pton(AF_INET6, text.c_str(), address.data()) == 1;
  }
  if (detector == "person_name") {
    size_t start = 0;
    while (start < value.size()) {
      size_t end = value.find_first_of(" -'", start);
      if (end == std::string_view::npos) end = value.size();
      std::string word;
      for (char c : value.substr(start, end - start)) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (NotNames().contains(word)) return false;
      start = end + 1;
    }
    return true;
  }
  return true;
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (digits.size() < 2) return false;
  int sum = 0;
  bool twice = false;  // every second digit from the right, starting left of the check digit
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!std::isdigit(static_cast<unsigned char>(*it))) return false;
    int digit = *it - '0';
    if (twice) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::vector<PersonalDataMatch> ClassifyFieldName(std::string_view field) {
  std::vector<PersonalDataMatch> out;
  const std::string normalised = NormaliseName(field);
  if (normalised.empty()) return out;
  for (const Compiled& pattern : NamePatterns()) {
    if (!RE2::PartialMatch(normalised, *pattern.re)) continue;
    out.push_back({std::string(field), pattern.spec->category, fmt::format("name:{}", pattern.spec->detector),
                   fmt::format("field '{}': its name looks like {} (pattern name:{})", field,
                               pattern.spec->description, pattern.spec->detector)});
  }
  return out;
}

std::vector<PersonalDataMatch> ClassifyValue(std::string_view field, std::string_view value) {
  std::vector<PersonalDataMatch> out;
  value = Trim(value);
  if (value.empty() || value.size() > kMaxSampleLength) return out;
  const re2::StringPiece piece(value.data(), value.size());
  for (const Compiled& pattern : ValuePatterns()) {
    if (!RE2::PartialMatch(piece, *pattern.re)) continue;
    if (!Confirm(pattern.spec->detector, value)) continue;
    out.push_back({std::string(field), pattern.spec->category, fmt::format("value:{}", pattern.spec->detector),
                   fmt::format("field '{}': the value '{}' looks like {} (pattern value:{})", field, Excerpt(value),
                               pattern.spec->description, pattern.spec->detector)});
  }
  return out;
}

std::vector<PersonalDataMatch> ClassifyField(std::string_view field, std::span<const std::string> values) {
  std::vector<PersonalDataMatch> out = ClassifyFieldName(field);
  std::set<std::string> seen;  // one match per value detector
  for (const std::string& value : values) {
    for (PersonalDataMatch& match : ClassifyValue(field, value)) {
      if (seen.insert(match.detector).second) out.push_back(std::move(match));
    }
  }
  return out;
}

}  // namespace stagegate::privacy
