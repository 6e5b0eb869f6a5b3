#pragma once
// The recorded run the export tests start from (tests/data/evidence_exports/):
// a denied gate run from a git revision with every kind of outcome, rules
// that reference controls of four frameworks, a waiver and a pseudonymised
// personal fact; the test-only Ed25519 key that "signed" its log; and the
// fixed inputs of the OSCAL export.

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/evidence/signing.h"

namespace stagegate::reports::testing {

// The RFC 6962 leaf hash of run_record.json: SHA-256(0x00 || canonical JSON).
inline constexpr const char* kLeafHash = "6ea3e7ddae2edc7177b3a6848519fff6803989cb3e77afae4b7cf0b7ac871b17";
inline constexpr const char* kRunId = "3f1d9c2e-7a4b-4e8f-9c6d-2b5a8e1f0c47";
inline constexpr const char* kDocumentUuid = "5f0c3a1e-8b7d-4c2a-9e1f-0a1b2c3d4e5f";
inline constexpr const char* kGeneratedAt = "2026-03-01T12:05:00Z";

inline std::string DataPath(const std::string& name) {
  return std::string(STAGEGATE_EXPORTS_DATA_DIR) + "/" + name;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline nlohmann::json Record() { return nlohmann::json::parse(ReadFile(DataPath("run_record.json"))); }

inline evidence::SigningKey Key() {
  std::string error;
  auto key = evidence::SigningKey::FromPem(ReadFile(DataPath("signing.key")), &error);
  if (!key) ADD_FAILURE() << error;
  return key.value();  // throws, failing the test, when the file is unreadable
}

inline evidence::PublicKey PublicKey() {
  std::string error;
  auto key = evidence::PublicKey::FromPem(ReadFile(DataPath("signing.pub")), &error);
  if (!key) ADD_FAILURE() << error;
  return key.value();  // throws, failing the test, when the file is unreadable
}

// Returns the outcome of `rule` on `subject_id` in `record`.
inline nlohmann::json& Outcome(nlohmann::json& record, const std::string& rule, const std::string& subject_id) {
  for (auto& outcome : record["result"]["outcomes"]) {
    if (outcome["rule"] == rule && outcome["subject"]["id"] == subject_id) return outcome;
  }
  ADD_FAILURE() << "no outcome of " << rule << " on " << subject_id;
  static nlohmann::json none;
  return none;
}

}  // namespace stagegate::reports::testing
