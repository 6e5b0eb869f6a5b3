#pragma once
// The run record: what the evidence log stores for one gate or audit run
// (docs/formats/evidence.md), its canonical serialisation (the Merkle leaf
// entry), and the protection of personal data before anything is stored.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/facts/fact_schema.h"

namespace stagegate::evidence {

inline constexpr std::string_view kRunRecordSchema = "stagegate.evidence.run/v1";

// Canonical JSON: keys sorted by their UTF-8 bytes, no insignificant
// whitespace, invalid UTF-8 replaced by U+FFFD. The same value always gives
// the same bytes.
std::string CanonicalJson(const nlohmann::json& value);

struct RecordContext {
  std::string run_id;               // UUID v4
  std::string kind;                 // "gate" or "audit"
  nlohmann::json parameters = nlohmann::json::object();
  // Facts declared personal_data in the loaded bundle's schema; may be null.
  const facts::FactSchema* schema = nullptr;
  // SigningKey::PseudonymKey(): the HMAC key for personal data.
  std::string pseudonym_key;
  std::string key_id;
  // Audits only: what the audit report shows besides the run ({coverage,
  // rollups, trend}, reports::AuditPartsJson), stored as the record's
  // `audit` member so the report can be rendered again. Null for gates: no
  // member.
  nlohmann::json audit;
};

// Builds the record of a run from its decision document (the
// stagegate.decision/v1 JSON of reports::RenderJson, parsed), replacing
// personal data by keyed pseudonyms. `sequence` is filled in by the store.
nlohmann::json BuildRunRecord(nlohmann::json decision_document, const RecordContext& context);

// "hmac-sha256:<hex>" of the canonical JSON of `value` under `key`.
std::string Pseudonym(const nlohmann::json& value, std::string_view key);

// Fast access to canonical records without parsing them whole: the raw JSON
// text of member `name` of the object `object_text` (itself canonical), or
// nullopt when absent or not an object. Used by verification, which reads
// hundreds of thousands of records.
std::optional<std::string_view> CanonicalMember(std::string_view object_text, std::string_view name);
// The string value of a member (unescaped only if it has no escapes; nullopt otherwise or when not a string).
std::optional<std::string_view> CanonicalStringMember(std::string_view object_text, std::string_view name);
std::optional<int64_t> CanonicalIntegerMember(std::string_view object_text, std::string_view name);

}  // namespace stagegate::evidence
