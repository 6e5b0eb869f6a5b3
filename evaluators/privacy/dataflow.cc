#include "evaluators/privacy/dataflow.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <span>

#include <fmt/format.h>
#include <re2/re2.h>

namespace stagegate::privacy {

namespace {

// EU member states and the other EEA states (Iceland, Liechtenstein, Norway).
constexpr std::string_view kEeaCountries[] = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",
                                              "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
                                              "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"};
// Countries with an adequacy decision under Art. 45 (or Directive 95/46/EC):
// Andorra, Argentina, Canada (commercial organisations), Faroe Islands,
// Guernsey, Israel, Isle of Man, Japan, Jersey, New Zealand, Republic of
// Korea, Switzerland, United Kingdom, Uruguay; the United States separately
// (Data Privacy Framework participants only).
constexpr std::string_view kAdequateCountries[] = {"AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP",
                                                   "JE", "NZ", "KR", "CH", "GB", "UY"};

bool Contains(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads the document's fields, reporting the first mistake with the
// document's location.
class Reader {
 public:
  Reader(const subjects::Subject& subject, std::string* error) : subject_(subject), error_(error) {}

  bool Fail(const std::string& message) {
    *error_ = fmt::format("{}:{}: dataflow '{}': {}", subject_.location.file, subject_.location.line, subject_.id,
                          message);
    return false;
  }

  // A string field; "" when absent or null. False (after Fail) when it is not a string.
  bool String(const nlohmann::json& object, const char* key, const std::string& where, std::string* out) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_string()) return Fail(fmt::format("'{}{}' must be a string", where, key));
    *out = it->get<std::string>();
    return true;
  }

  bool Bool(const nlohmann::json& object, const char* key, const std::string& where, std::optional<bool>* out) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_boolean()) return Fail(fmt::format("'{}{}' must be true or false", where, key));
    *out = it->get<bool>();
    return true;
  }

  // A list field: absent or null is empty; a non-list is an error.
  bool List(const nlohmann::json& object, const char* key, const char* shape, const nlohmann::json** out) {
    static const nlohmann::json kEmpty = nlohmann::json::array();
    *out = &kEmpty;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_array()) return Fail(fmt::format("'{}' must be a list of {}", key, shape));
    *out = &*it;
    return true;
  }

  bool Region(const std::string& text, const std::string& where, std::string* out) {
    std::string code;
    for (char c : text) code += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (code == "UK") code = "GB";
    if (code == "EL") code = "GR";
    if (code.size() != 2 || !std::isalpha(static_cast<unsigned char>(code[0])) ||
        !std::isalpha(static_cast<unsigned char>(code[1]))) {
      return Fail(fmt::format("{} '{}' is not an ISO 3166-1 alpha-2 country code; write e.g. DE, IE or US", where,
                              text));
    }
    *out = code;
    return true;
  }

  bool Mechanism(const std::string& text, const std::string& where, std::string* out) {
    if (text.empty()) return true;
    const std::string lower = Lower(text);
    if (!Contains(kTransferMechanisms, lower)) {
      return Fail(fmt::format("{} mechanism '{}' is not one of adequacy, scc, bcr, derogation (Art. 45-49)", where,
                              text));
    }
    *out = lower;
    return true;
  }

  bool ReadParty(const nlohmann::json& item, const char* list, size_t index, privacy::Party* out) {
    const std::string where = fmt::format("{}[{}].", list, index);
    if (item.is_string()) {
      out->name = item.get<std::string>();
      return true;
    }
    if (!item.is_object()) return Fail(fmt::format("'{}[{}]' must be a name or {{name, dpa, region}}", list, index));
    if (!String(item, "name", where, &out->name)) return false;
    if (out->name.empty()) return Fail(fmt::format("'{}[{}]' needs a 'name'", list, index));
    if (!String(item, "dpa", where, &out->dpa)) return false;
    std::string region, mechanism;
    if (!String(item, "region", where, &region) || !String(item, "mechanism", where, &mechanism)) return false;
    if (!region.empty() && !Region(region, fmt::format("'{}region'", where), &out->region)) return false;
    if (!Mechanism(mechanism, fmt::format("'{}'", out->name), &out->mechanism)) return false;
    std::optional<bool> dpf;
    if (!Bool(item, "dpf_certified", where, &dpf)) return false;
    out->dpf_certified = dpf.value_or(false);
    return true;
  }

 private:
  const subjects::Subject& subject_;
  std::string* error_;
};

}  // namespace

std::optional<std::int64_t> ParseRetentionDays(std::string_view text) {
  static const RE2 kDuration(R"(^\s*([0-9]{1,6})\s*(h|hours?|d|days?|w|weeks?|mo|months?|y|years?)\s*$)");
  std::string number, unit;
  if (!RE2::FullMatch(re2::StringPiece(text.data(), text.size()), kDuration, &number, &unit)) return std::nullopt;
  const std::int64_t value = std::stoll(number);
  switch (unit[0]) {
    case 'h': return (value + 23) / 24;
    case 'd': return value;
    case 'w': return value * 7;
    case 'm': return value * 30;
    case 'y': return value * 365;
    default: return std::nullopt;
  }
}

std::string NormaliseArticle9Condition(std::string_view text) {
  static const RE2 kCondition(R"(^\s*(?i:art(icle)?\.?\s*)?(?:9\s*[(.]?\s*2\s*[).]?\s*[(.]?\s*)?([a-jA-J])\s*\)?\s*$)");
  std::string letter, unused;
  if (!RE2::FullMatch(re2::StringPiece(text.data(), text.size()), kCondition, &unused, &letter)) return {};
  return fmt::format("9(2)({})", static_cast<char>(std::tolower(static_cast<unsigned char>(letter[0]))));
}

bool IsEeaCountry(std::string_view region) { return Contains(kEeaCountries, region); }

bool HasAdequacyDecision(std::string_view region, bool dpf_certified) {
  if (region == "US") return dpf_certified;
  return Contains(kAdequateCountries, region);
}

std::vector<std::string> UnsafeTransfers(const Dataflow& flow) {
  std::set<std::string> unsafe;
  for (const Destination& destination : flow.destinations) {
    if (IsEeaCountry(destination.region)) continue;
    const bool adequate = HasAdequacyDecision(destination.region, destination.dpf_certified);
    const bool safeguarded = destination.mechanism == "scc" || destination.mechanism == "bcr" ||
                             destination.mechanism == "derogation";
    if (safeguarded || (adequate && (destination.mechanism.empty() || destination.mechanism == "adequacy"))) continue;
    unsafe.insert(destination.region);
  }
  return {unsafe.begin(), unsafe.end()};
}

bool ParseDataflow(const subjects::Subject& subject, Dataflow* out, std::string* error) {
  Reader reader(subject, error);
  const nlohmann::json& doc = subject.document;
  *out = Dataflow();
  out->id = subject.id;
  if (!doc.is_object()) return reader.Fail("the document must be a mapping");
  if (!reader.String(doc, "purpose", "", &out->purpose)) return false;
  if (!reader.String(doc, "legal_basis", "", &out->legal_basis)) return false;
  if (out->legal_basis.empty() && !reader.String(doc, "lawful_basis", "", &out->legal_basis)) return false;
  out->legal_basis = Lower(out->legal_basis);

  const nlohmann::json* list = nullptr;
  if (!reader.List(doc, "special_categories", "{category, condition}", &list)) return false;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = (*list)[i];
    SpecialCategory category;
    if (item.is_string()) {
      category.category = item.get<std::string>();
    } else if (item.is_object()) {
      const std::string where = fmt::format("special_categories[{}].", i);
      std::string condition;
      if (!reader.String(item, "category", where, &category.category)) return false;
      if (!reader.String(item, "condition", where, &condition)) return false;
      if (!condition.empty()) {
        category.condition = NormaliseArticle9Condition(condition);
        if (category.condition.empty()) {
          return reader.Fail(fmt::format("special_categories[{}]: condition '{}' is not one of Art. 9(2)(a) to "
                                         "9(2)(j); write e.g. 9(2)(a) for explicit consent",
                                         i, condition));
        }
      }
    } else {
      return reader.Fail(fmt::format("'special_categories[{}]' must be a category or {{category, condition}}", i));
    }
    if (category.category.empty()) {
      return reader.Fail(fmt::format("'special_categories[{}]' needs a 'category' (health, biometric, ...)", i));
    }
    out->special_categories.push_back(std::move(category));
  }

  if (!reader.List(doc, "fields", "{name, category}", &list)) return false;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = (*list)[i];
    DataField field;
    if (item.is_string()) {
      field.name = item.get<std::string>();
    } else if (item.is_object()) {
      const std::string where = fmt::format("fields[{}].", i);
      if (!reader.String(item, "name", where, &field.name)) return false;
      if (!reader.String(item, "category", where, &field.category)) return false;
    } else {
      return reader.Fail(fmt::format("'fields[{}]' must be a field name or {{name, category}}", i));
    }
    if (field.name.empty()) return reader.Fail(fmt::format("'fields[{}]' needs a 'name'", i));
    out->fields.push_back(std::move(field));
  }

  if (auto retention = doc.find("retention"); retention != doc.end() && !retention->is_null()) {
    if (!retention->is_string()) {
      return reader.Fail("'retention' must be a duration with its unit, like 90d, 12w, 6mo or 1y");
    }
    out->retention_days = ParseRetentionDays(retention->get<std::string>());
    if (!out->retention_days) {
      return reader.Fail(fmt::format("'retention' '{}' is not a duration; write e.g. 90d, 12w, 6mo or 1y (hours: "
                                     "48h; 'm' is ambiguous, use 'mo' for months)",
                                     retention->get<std::string>()));
    }
  } else if (auto days = doc.find("retention_days"); days != doc.end() && !days->is_null()) {
    if (!days->is_number_integer() || days->get<std::int64_t>() < 0) {
      return reader.Fail("'retention_days' must be a whole number of days (0 or more)");
    }
    out->retention_days = days->get<std::int64_t>();
  }

  for (const char* key : {"recipients", "processors"}) {
    if (!reader.List(doc, key, "names or {name, dpa, region}", &list)) return false;
    std::vector<Party>& parties = std::string_view(key) == "recipients" ? out->recipients : out->processors;
    for (size_t i = 0; i < list->size(); ++i) {
      Party party;
      if (!reader.ReadParty((*list)[i], key, i, &party)) return false;
      if (!party.region.empty()) {
        out->destinations.push_back({party.region, party.mechanism, party.dpf_certified, party.name});
      }
      parties.push_back(std::move(party));
    }
  }

  if (!reader.List(doc, "destinations", "regions or {region, mechanism}", &list)) return false;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = (*list)[i];
    const std::string where = fmt::format("destinations[{}].", i);
    Destination destination;
    std::string region, mechanism;
    if (item.is_string()) {
      region = item.get<std::string>();
    } else if (item.is_object()) {
      if (!reader.String(item, "region", where, &region) || !reader.String(item, "mechanism", where, &mechanism)) {
        return false;
      }
      std::optional<bool> dpf;
      if (!reader.Bool(item, "dpf_certified", where, &dpf)) return false;
      destination.dpf_certified = dpf.value_or(false);
    } else {
      return reader.Fail(fmt::format("'destinations[{}]' must be a country code or {{region, mechanism}}", i));
    }
    if (region.empty()) return reader.Fail(fmt::format("'destinations[{}]' needs a 'region'", i));
    if (!reader.Region(region, fmt::format("'{}region'", where), &destination.region)) return false;
    if (!reader.Mechanism(mechanism, fmt::format("destination {}", destination.region), &destination.mechanism)) {
      return false;
    }
    out->destinations.push_back(std::move(destination));
  }

  if (auto dpia = doc.find("dpia"); dpia != doc.end() && !dpia->is_null()) {
    if (dpia->is_string()) {
      out->dpia = dpia->get<std::string>();
    } else if (dpia->is_object()) {
      if (!reader.String(*dpia, "reference", "dpia.", &out->dpia)) return false;
    } else {
      return reader.Fail("'dpia' must be the reference of the DPIA (Art. 35), e.g. DPIA-2026-04");
    }
  }
  std::optional<bool> flag;
  if (!reader.Bool(doc, "large_scale_monitoring", "", &flag)) return false;
  out->large_scale_monitoring = flag.value_or(false);
  flag.reset();
  if (!reader.Bool(doc, "pseudonymisation", "", &flag)) return false;
  if (!flag && !reader.Bool(doc, "pseudonymization", "", &flag)) return false;
  out->pseudonymisation = flag.value_or(false);
  if (auto encryption = doc.find("encryption"); encryption != doc.end() && !encryption->is_null()) {
    if (!encryption->is_object()) return reader.Fail("'encryption' must be {at_rest: true|false, in_transit: true|false}");
    if (!reader.Bool(*encryption, "at_rest", "encryption.", &out->encryption_at_rest)) return false;
    if (!reader.Bool(*encryption, "in_transit", "encryption.", &out->encryption_in_transit)) return false;
  }

  if (!reader.List(doc, "automated_decisions", "{name, significant_effect, basis, safeguards}", &list)) return false;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& item = (*list)[i];
    const std::string where = fmt::format("automated_decisions[{}].", i);
    if (!item.is_object()) {
      return reader.Fail(fmt::format("'automated_decisions[{}]' must be {{name, significant_effect, basis, "
                                     "safeguards}}",
                                     i));
    }
    AutomatedDecision decision;
    if (!reader.String(item, "name", where, &decision.name)) return false;
    if (decision.name.empty()) return reader.Fail(fmt::format("'automated_decisions[{}]' needs a 'name'", i));
    std::optional<bool> significant;
    if (!reader.Bool(item, "significant_effect", where, &significant)) return false;
    decision.significant_effect = significant.value_or(true);
    if (!reader.String(item, "basis", where, &decision.basis)) return false;
    decision.basis = Lower(decision.basis);
    if (!decision.basis.empty() && !Contains(kArticle22Bases, decision.basis)) {
      return reader.Fail(fmt::format("automated decision '{}': basis '{}' is not one of contract, law, "
                                     "explicit_consent (Art. 22(2))",
                                     decision.name, decision.basis));
    }
    const nlohmann::json* safeguards = nullptr;
    if (!reader.List(item, "safeguards", "safeguards (human_review, contest, express_view)", &safeguards)) return false;
    for (const nlohmann::json& safeguard : *safeguards) {
      if (!safeguard.is_string()) {
        return reader.Fail(fmt::format("automated decision '{}': each safeguard must be a string", decision.name));
      }
      decision.safeguards.push_back(safeguard.get<std::string>());
    }
    out->automated_decisions.push_back(std::move(decision));
  }

  if (auto contracts = doc.find("contracts"); contracts != doc.end() && !contracts->is_null()) {
    if (contracts->is_string()) {
      out->contracts.push_back(contracts->get<std::string>());
    } else if (contracts->is_array()) {
      for (const nlohmann::json& id : *contracts) {
        if (!id.is_string() || id.get<std::string>().empty()) {
          return reader.Fail("'contracts' must list DataContract ids (strings)");
        }
        out->contracts.push_back(id.get<std::string>());
      }
    } else {
      return reader.Fail("'contracts' must list DataContract ids (strings)");
    }
  }
  return true;
}

}  // namespace stagegate::privacy
