#include "engine/evidence/run_record.h"

#include <algorithm>
#include <set>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine/common/encoding.h"

namespace stagegate::evidence {
namespace {

constexpr std::string_view kVariablesPrefix = "variables.";

// "device.owner.name" style names of every personal fact of the schema.
std::vector<std::string> PersonalFactNames(const facts::FactSchema& schema) {
  std::vector<std::string> names;
  for (facts::SubjectKind kind : facts::kAllSubjectKinds) {
    for (const facts::FactDef* fact : schema.FactsOf(kind)) {
      if (fact->personal_data) names.push_back(std::string(facts::SubjectKindName(kind)) + "." + fact->name);
    }
  }
  return names;
}

bool StartsWithPath(std::string_view name, std::string_view prefix) {
  return name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix && name[prefix.size()] == '.';
}

// An evidence entry is personal when it is a personal fact, lies inside one
// (a field of a personal object), or is a group holding one.
bool IsPersonal(std::string_view evidence_name, const std::vector<std::string>& personal) {
  for (const std::string& fact : personal) {
    if (evidence_name == fact || StartsWithPath(evidence_name, fact) || StartsWithPath(fact, evidence_name)) {
      return true;
    }
  }
  return false;
}

// Clear text forms of a value a message could have printed.
void CollectClearTexts(const nlohmann::json& value, std::vector<std::string>* texts) {
  if (value.is_string()) {
    if (!value.get_ref<const std::string&>().empty()) texts->push_back(value.get<std::string>());
  } else if (value.is_number()) {
    texts->push_back(value.dump());
  } else if (value.is_structured()) {
    for (const nlohmann::json& item : value) CollectClearTexts(item, texts);
  }
}

void ReplaceAll(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

using Replacements = std::vector<std::pair<std::string, std::string>>;  // clear text → pseudonym

// Replaces every clear-text personal value in `text`, longest first, so a
// value that contains another is replaced whole.
void Scrub(std::string& text, Replacements& replacements) {
  std::sort(replacements.begin(), replacements.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [clear, pseudonym] : replacements) ReplaceAll(text, clear, "[" + pseudonym + "]");
}

void ProtectOutcome(nlohmann::json& outcome, const std::vector<std::string>& personal, const std::string& key,
                    std::set<std::string>* protected_names, Replacements* run_replacements) {
  auto evidence = outcome.find("evidence");
  if (evidence == outcome.end() || !evidence->is_object()) return;
  bool read_personal = false;
  Replacements replacements;
  for (auto& [name, value] : evidence->items()) {
    if (name.rfind(kVariablesPrefix, 0) == 0 || !IsPersonal(name, personal)) continue;
    read_personal = true;
    const std::string pseudonym = Pseudonym(value, key);
    std::vector<std::string> texts;
    CollectClearTexts(value, &texts);
    for (std::string& text : texts) replacements.emplace_back(std::move(text), pseudonym);
    value = pseudonym;
    protected_names->insert(name);
  }
  if (!read_personal) return;
  // A variable may carry a personal value under another name: once a rule
  // has read personal data, none of its variables is stored in clear.
  for (auto& [name, value] : evidence->items()) {
    if (name.rfind(kVariablesPrefix, 0) != 0) continue;
    std::vector<std::string> texts;
    CollectClearTexts(value, &texts);
    const std::string pseudonym = Pseudonym(value, key);
    for (std::string& text : texts) replacements.emplace_back(std::move(text), pseudonym);
    value = pseudonym;
    protected_names->insert(name);
  }
  auto message = outcome.find("message");
  if (message != outcome.end() && message->is_string()) {
    std::string text = message->get<std::string>();
    Scrub(text, replacements);
    *message = text;
  }
  run_replacements->insert(run_replacements->end(), replacements.begin(), replacements.end());
}

// Skips one JSON value of canonical text starting at `at`; returns the index
// just past it, or npos when the text is malformed.
size_t SkipValue(std::string_view text, size_t at) {
  if (at >= text.size()) return std::string_view::npos;
  const char first = text[at];
  if (first == '"') {
    for (size_t i = at + 1; i < text.size(); ++i) {
      if (text[i] == '\\') {
        ++i;
      } else if (text[i] == '"') {
        return i + 1;
      }
    }
    return std::string_view::npos;
  }
  if (first == '{' || first == '[') {
    int depth = 0;
    for (size_t i = at; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"') {
        i = SkipValue(text, i);
        if (i == std::string_view::npos) return i;
        --i;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  size_t i = at;
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']') ++i;
  return i == at ? std::string_view::npos : i;
}

}  // namespace

std::string CanonicalJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Pseudonym(const nlohmann::json& value, std::string_view key) {
  const std::string data = CanonicalJson(value);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &length);
  return "hmac-sha256:" + common::HexEncode(std::string_view(reinterpret_cast<const char*>(mac), length));
}

nlohmann::json BuildRunRecord(nlohmann::json decision_document, const RecordContext& context) {
  std::set<std::string> protected_names;
  if (context.schema != nullptr) {
    const std::vector<std::string> personal = PersonalFactNames(*context.schema);
    if (!personal.empty()) {
      Replacements replacements;
      auto outcomes = decision_document.find("outcomes");
      if (outcomes != decision_document.end() && outcomes->is_array()) {
        for (nlohmann::json& outcome : *outcomes) {
          ProtectOutcome(outcome, personal, context.pseudonym_key, &protected_names, &replacements);
        }
      }
      // The deny reasons repeat the messages.
      auto reasons = decision_document.find("deny_reasons");
      if (!replacements.empty() && reasons != decision_document.end() && reasons->is_array()) {
        for (nlohmann::json& reason : *reasons) {
          if (!reason.is_string()) continue;
          std::string text = reason.get<std::string>();
          Scrub(text, replacements);
          reason = text;
        }
      }
    }
  }
  nlohmann::json record = nlohmann::json::object();
  record["schemaVersion"] = kRunRecordSchema;
  record["runId"] = context.run_id;
  record["kind"] = context.kind;
  record["parameters"] = context.parameters;
  record["personalData"] = nlohmann::json::object();
  if (!protected_names.empty()) {
    record["personalData"] = {{"method", "hmac-sha256"},
                              {"keyId", context.key_id},
                              {"facts", std::vector<std::string>(protected_names.begin(), protected_names.end())}};
  }
  record["result"] = std::move(decision_document);
  if (!context.audit.is_null()) record["audit"] = context.audit;
  return record;
}

std::optional<std::string_view> CanonicalMember(std::string_view object_text, std::string_view name) {
  if (object_text.size() < 2 || object_text.front() != '{') return std::nullopt;
  size_t at = 1;
  while (at < object_text.size() && object_text[at] == '"') {
    const size_t key_end = SkipValue(object_text, at);
    if (key_end == std::string_view::npos || key_end >= object_text.size() || object_text[key_end] != ':') {
      return std::nullopt;
    }
    const std::string_view key = object_text.substr(at + 1, key_end - at - 2);
    const size_t value_end = SkipValue(object_text, key_end + 1);
    if (value_end == std::string_view::npos) return std::nullopt;
    if (key == name) return object_text.substr(key_end + 1, value_end - key_end - 1);
    if (value_end >= object_text.size() || object_text[value_end] != ',') return std::nullopt;
    at = value_end + 1;
  }
  return std::nullopt;
}

std::optional<std::string_view> CanonicalStringMember(std::string_view object_text, std::string_view name) {
  std::optional<std::string_view> raw = CanonicalMember(object_text, name);
  if (!raw || raw->size() < 2 || raw->front() != '"' || raw->find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  return raw->substr(1, raw->size() - 2);
}

std::optional<int64_t> CanonicalIntegerMember(std::string_view object_text, std::string_view name) {
  std::optional<std::string_view> raw = CanonicalMember(object_text, name);
  if (!raw || raw->empty() || raw->size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : *raw) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace stagegate::evidence
