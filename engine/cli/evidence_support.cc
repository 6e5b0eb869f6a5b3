#include "engine/cli/evidence_support.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "engine/evidence/merkle.h"
#include "engine/evidence/run_record.h"
#include "reports/reports.h"

namespace stagegate::cli::evidence_support {

std::string DefaultStorePath() {
  const char* from_environment = std::getenv("STAGEGATE_EVIDENCE");
  if (from_environment != nullptr && *from_environment != '\0') return from_environment;
  return ".stagegate/evidence.db";
}

std::string DefaultKeyPath(const std::string& store_path) {
  const char* from_environment = std::getenv("STAGEGATE_SIGNING_KEY");
  if (from_environment != nullptr && *from_environment != '\0') return from_environment;
  return (std::filesystem::path(store_path).parent_path() / "signing.key").string();
}

void AddStoreOption(CLI::App* command, std::string* path) {
  command->add_option("--evidence", *path,
                      "Evidence store (default: $STAGEGATE_EVIDENCE, else .stagegate/evidence.db)");
}

std::optional<evidence::SigningKey> LoadSigningKey(const std::string& path, bool create_if_missing) {
  std::error_code ec;
  std::string error;
  if (create_if_missing && !std::filesystem::exists(path, ec)) {
    std::optional<evidence::SigningKey> key = evidence::SigningKey::Generate(&error);
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (key && std::filesystem::path(path).filename() == "signing.key" &&
        evidence::WriteKeyPair(*key, folder.empty() ? "." : folder.string(), &error)) {
      std::cerr << fmt::format("evidence: created the signing key {} (key id {}); give auditors {}\n", path,
                               key->Public().KeyId(), (folder / "signing.pub").string());
      return key;
    }
    if (error.empty()) {
      error = fmt::format("{}: no signing key here; create one with 'stagegate keys init --out DIR' and pass "
                          "--signing-key DIR/signing.key", path);
    }
    std::cerr << "error: " << error << "\n";
    return std::nullopt;
  }
  std::optional<evidence::SigningKey> key = evidence::SigningKey::LoadFile(path, &error);
  if (!key) std::cerr << "error: " << error << "\n";
  return key;
}

std::unique_ptr<evidence::EvidenceStore> OpenStore(const std::string& path, evidence::EvidenceStore::Mode mode) {
  std::string error;
  std::unique_ptr<evidence::EvidenceStore> store = evidence::EvidenceStore::Open(path, mode, &error);
  if (!store) std::cerr << "error: " << error << "\n";
  return store;
}

std::unique_ptr<Recorder> Recorder::Open(RecordRequest request) {
  std::optional<evidence::SigningKey> key = LoadSigningKey(request.key_path, !request.key_given);
  if (!key) return nullptr;
  std::unique_ptr<evidence::EvidenceStore> store =
      OpenStore(request.store_path, evidence::EvidenceStore::Mode::kReadWrite);
  if (!store) return nullptr;
  return std::unique_ptr<Recorder>(new Recorder(std::move(request), std::move(*key), std::move(store)));
}

bool Recorder::Record(const eval::RunResult& result, Recorded* recorded, const nlohmann::json& audit_parts) {
  evidence::RecordContext context;
  context.run_id = request_.run_id;
  context.kind = result.kind;
  context.parameters = request_.parameters;
  context.schema = request_.schema;
  context.pseudonym_key = key_.PseudonymKey();
  context.key_id = key_.Public().KeyId();
  context.audit = audit_parts;
  nlohmann::json record = evidence::BuildRunRecord(nlohmann::json::parse(reports::RenderJson(result)), context);
  std::string error;
  std::optional<evidence::AppendResult> appended = store_->Append(std::move(record), key_, &error);
  if (!appended) {
    std::cerr << "error: " << error << "\n";
    return false;
  }
  if (recorded != nullptr) {
    recorded->run_id = appended->run_id;
    recorded->sequence = appended->sequence;
    recorded->leaf_hash_hex = evidence::HashHex(appended->leaf_hash);
    recorded->record = std::move(appended->record);  // with its sequence, as hashed
  }
  std::cerr << fmt::format("evidence: run {} recorded in {} at position {} (signed checkpoint of {} run(s), key {})\n",
                           appended->run_id, request_.store_path, appended->sequence, appended->checkpoint.tree_size,
                           appended->checkpoint.key_id.substr(0, 16));
  return true;
}

}  // namespace stagegate::cli::evidence_support
