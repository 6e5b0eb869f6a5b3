#pragma once
// Where the evidence log and its signing key live, and recording a run in
// it: shared by `gate`, `audit`, `keys` and the `evidence` verbs.

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "engine/eval/run_result.h"
#include "engine/evidence/signing.h"
#include "engine/evidence/store.h"
#include "engine/facts/fact_schema.h"

namespace stagegate::cli::evidence_support {

// Default store: $STAGEGATE_EVIDENCE, else .stagegate/evidence.db under the
// working directory.
std::string DefaultStorePath();
// Default key: $STAGEGATE_SIGNING_KEY, else signing.key beside the store.
std::string DefaultKeyPath(const std::string& store_path);

// Adds --evidence PATH to a command.
void AddStoreOption(CLI::App* command, std::string* path);

// Loads the signing key; when `create_if_missing` and the file does not
// exist, creates the key pair there (printing where on stderr). Prints the
// error and returns nullopt on failure.
std::optional<evidence::SigningKey> LoadSigningKey(const std::string& path, bool create_if_missing);

// Opens the store; prints the error and returns null on failure.
std::unique_ptr<evidence::EvidenceStore> OpenStore(const std::string& path, evidence::EvidenceStore::Mode mode);

struct RecordRequest {
  std::string store_path;
  std::string key_path;
  bool key_given = false;            // --signing-key given: never create it
  std::string run_id;
  nlohmann::json parameters;
  const facts::FactSchema* schema = nullptr;
};

// The log and key a run will be recorded with, opened before the run starts
// so that a missing key or an unwritable store stops it before any work.
class Recorder {
 public:
  // Prints the error and returns null when the key or the store cannot be used.
  static std::unique_ptr<Recorder> Open(RecordRequest request);

  // What the log holds for a recorded run: the exports read it.
  struct Recorded {
    std::string run_id;
    uint64_t sequence = 0;
    std::string leaf_hash_hex;  // the RFC 6962 leaf hash of the record
    nlohmann::json record;      // the stagegate.evidence.run/v1 record as stored
  };

  // Records `result` (rendered with reports::RenderJson) as the next run of
  // the log and prints one line on stderr naming it. Returns false (after
  // printing the error) when nothing was recorded. `recorded`, when given,
  // receives the stored record and its leaf hash. `audit_parts` (audits
  // only: reports::AuditPartsJson) becomes the record's `audit` member.
  bool Record(const eval::RunResult& result, Recorded* recorded = nullptr,
              const nlohmann::json& audit_parts = nullptr);

 private:
  Recorder(RecordRequest request, evidence::SigningKey key, std::unique_ptr<evidence::EvidenceStore> store)
      : request_(std::move(request)), key_(std::move(key)), store_(std::move(store)) {}
  RecordRequest request_;
  evidence::SigningKey key_;
  std::unique_ptr<evidence::EvidenceStore> store_;
};

}  // namespace stagegate::cli::evidence_support
