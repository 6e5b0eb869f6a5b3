#include "engine/cli/evidence_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/cli/evidence_support.h"
#include "engine/common/uuid.h"
#include "engine/common/encoding.h"
#include "engine/evidence/checkpoint.h"
#include "engine/evidence/merkle.h"
#include "engine/evidence/run_record.h"
#include "engine/evidence/verify.h"
#include "reports/evidence_exports.h"

namespace stagegate::cli {
namespace {

using evidence::EvidenceStore;
using Json = nlohmann::ordered_json;

constexpr int kOk = 0, kTampered = 1, kBadInput = 2;

std::string StorePath(const std::string& given) {
  return given.empty() ? evidence_support::DefaultStorePath() : given;
}

std::unique_ptr<EvidenceStore> OpenForReading(const std::string& given) {
  return evidence_support::OpenStore(StorePath(given), EvidenceStore::Mode::kReadOnly);
}

std::optional<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << fmt::format("error: {}: cannot read the {}; check the path\n", path, what);
    return std::nullopt;
  }
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

Json CheckpointJson(const evidence::Checkpoint& checkpoint) {
  return Json{{"treeSize", checkpoint.tree_size},
              {"rootHash", evidence::HashHex(checkpoint.root)},
              {"time", checkpoint.time},
              {"keyId", checkpoint.key_id},
              {"body", evidence::CheckpointBody(checkpoint)},
              {"signature", common::Base64Encode(checkpoint.signature)}};
}

std::optional<evidence::Checkpoint> CheckpointFromJson(const nlohmann::json& json, std::string* error) {
  if (!json.is_object() || !json.contains("body") || !json["body"].is_string() || !json.contains("signature") ||
      !json["signature"].is_string()) {
    *error = "the checkpoint needs 'body' and 'signature' strings";
    return std::nullopt;
  }
  std::optional<evidence::Checkpoint> checkpoint = evidence::ParseCheckpointBody(json["body"].get<std::string>());
  std::optional<std::string> signature = common::Base64Decode(json["signature"].get<std::string>());
  if (!checkpoint || !signature) {
    *error = "the checkpoint body or signature is malformed";
    return std::nullopt;
  }
  checkpoint->signature = *signature;
  if (json.contains("keyId") && json["keyId"].is_string()) checkpoint->key_id = json["keyId"].get<std::string>();
  return checkpoint;
}

Json Summary(const evidence::StoredRun& run) {
  return Json{{"sequence", run.sequence},         {"runId", run.run_id},
              {"kind", run.kind},                 {"decision", run.decision},
              {"startedAt", run.started_at},      {"finishedAt", run.finished_at},
              {"evaluatedAt", run.evaluated_at},  {"policyLocation", run.policy_location},
              {"policyCommit", run.policy_commit}, {"leafHash", evidence::HashHex(run.leaf_hash)}};
}

// ---- list ----------------------------------------------------------------

struct ListArguments {
  std::string store;
  evidence::ListFilter filter;
  bool json = false;
};

int RunList(const ListArguments& args) {
  if (!args.filter.decision.empty() && args.filter.decision != "allow" && args.filter.decision != "deny") {
    std::cerr << "error: --decision " << args.filter.decision << ": use allow or deny\n";
    return kBadInput;
  }
  std::unique_ptr<EvidenceStore> store = OpenForReading(args.store);
  if (!store) return kBadInput;
  std::string error;
  std::vector<evidence::StoredRun> runs = store->List(args.filter, &error);
  if (!error.empty()) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  if (args.json) {
    Json list = Json::array();
    for (const evidence::StoredRun& run : runs) list.push_back(Summary(run));
    std::cout << list.dump(2) << "\n";
    return kOk;
  }
  if (runs.empty()) {
    std::cout << "no runs match\n";
    return kOk;
  }
  std::cout << fmt::format("{:>6}  {:36}  {:5}  {:8}  {:27}  {}\n", "#", "run id", "kind", "decision", "started",
                           "policies");
  for (const evidence::StoredRun& run : runs) {
    std::string policies = run.policy_location;
    if (!run.policy_commit.empty()) policies += "@" + run.policy_commit.substr(0, 12);
    std::cout << fmt::format("{:>6}  {:36}  {:5}  {:8}  {:27}  {}\n", run.sequence, run.run_id, run.kind,
                             run.decision, run.started_at, policies);
  }
  std::cout << fmt::format("{} run(s)\n", runs.size());
  return kOk;
}

// ---- show ----------------------------------------------------------------

struct ShowArguments {
  std::string store;
  std::string run_id;
  bool json = false;
  bool canonical = false;
};

// The member `name` of `object` when it has that type, else an empty value of it.
const nlohmann::json& Member(const nlohmann::json& object, const char* name, nlohmann::json::value_t type) {
  static const nlohmann::json kEmptyObject = nlohmann::json::object();
  static const nlohmann::json kEmptyArray = nlohmann::json::array();
  if (object.is_object()) {
    auto it = object.find(name);
    if (it != object.end() && it->type() == type) return *it;
  }
  return type == nlohmann::json::value_t::array ? kEmptyArray : kEmptyObject;
}

void PrintRun(const evidence::StoredRun& run, const nlohmann::json& record) {
  using Type = nlohmann::json::value_t;
  const nlohmann::json& result = Member(record, "result", Type::object);
  std::cout << fmt::format("run {}  (position {} of the log)\n", run.run_id, run.sequence);
  std::cout << fmt::format("  kind:         {}\n  decision:     {}\n", run.kind, run.decision);
  std::cout << fmt::format("  evaluated at: {}\n  started:      {}\n  finished:     {}\n", run.evaluated_at,
                           run.started_at, run.finished_at);
  std::cout << fmt::format("  engine:       {}\n", result.value("engine_version", ""));
  const nlohmann::json& source = Member(result, "policy_source", Type::object);
  std::cout << fmt::format("  policies:     {} {}{}\n", source.value("kind", ""), source.value("location", ""),
                           source.value("ref", "").empty() ? "" : " @ " + source.value("ref", ""));
  if (!source.value("commit", "").empty()) {
    std::cout << fmt::format("  commit:       {}  tree {}{}\n", source.value("commit", ""), source.value("tree", ""),
                             source.value("dirty", false) ? "  (uncommitted changes)" : "");
  }
  std::cout << "  inputs:\n";
  for (const nlohmann::json& input : Member(result, "inputs", Type::array)) {
    std::cout << fmt::format("    {}  sha256:{}\n", input.value("path", ""), input.value("sha256", ""));
  }
  const nlohmann::json& counts = Member(result, "counts", Type::object);
  std::cout << fmt::format("  outcomes:     {} total, {} pass, {} fail, {} not_evaluable, {} error, {} waived, {} "
                           "not_applicable\n",
                           counts.value("total", 0), counts.value("pass", 0), counts.value("fail", 0),
                           counts.value("not_evaluable", 0), counts.value("error", 0), counts.value("waived", 0),
                           counts.value("not_applicable", 0));
  bool header = false;
  for (const nlohmann::json& outcome : Member(result, "outcomes", Type::array)) {
    const std::string what = outcome.value("outcome", "");
    if (what == "pass" || what == "not_applicable") continue;
    if (!header) std::cout << "  findings:\n";
    header = true;
    const nlohmann::json& subject = Member(outcome, "subject", Type::object);
    std::cout << fmt::format("    {} {}/{}: {}: {}\n", outcome.value("rule", ""), subject.value("kind", ""),
                             subject.value("id", ""), what, outcome.value("message", ""));
    for (const auto& [name, value] : Member(outcome, "evidence", Type::object).items()) {
      std::cout << fmt::format("      {} = {}\n", name, value.dump(-1, ' ', false,
                                                                   nlohmann::json::error_handler_t::replace));
    }
  }
  const nlohmann::json& personal = Member(record, "personalData", Type::object);
  if (!personal.empty()) {
    std::cout << fmt::format("  personal data: {} value(s) stored as keyed pseudonyms ({})\n",
                             Member(personal, "facts", Type::array).size(), personal.value("method", ""));
  }
  std::cout << fmt::format("  leaf hash:    {}\n", evidence::HashHex(run.leaf_hash));
}

int RunShow(const ShowArguments& args) {
  std::unique_ptr<EvidenceStore> store = OpenForReading(args.store);
  if (!store) return kBadInput;
  std::string error;
  std::optional<evidence::StoredRun> run = store->FindRun(args.run_id, &error);
  if (!run) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  if (args.canonical) {
    std::cout << run->record;
    return kOk;
  }
  nlohmann::json record = nlohmann::json::parse(run->record, nullptr, false);
  if (record.is_discarded()) {
    std::cerr << fmt::format("error: run {}: the stored record is not valid JSON; run 'stagegate evidence verify'\n",
                             run->run_id);
    return kTampered;
  }
  if (args.json) {
    std::cout << record.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    PrintRun(*run, record);
  }
  return kOk;
}

// ---- verify --------------------------------------------------------------

struct VerifyArguments {
  std::string store;
  std::string pubkey;
  bool json = false;
};

int RunVerify(const VerifyArguments& args) {
  std::optional<evidence::PublicKey> pubkey;
  if (!args.pubkey.empty()) {
    std::string error;
    pubkey = evidence::PublicKey::LoadFile(args.pubkey, &error);
    if (!pubkey) {
      std::cerr << "error: " << error << "\n";
      return kBadInput;
    }
  }
  std::unique_ptr<EvidenceStore> store = OpenForReading(args.store);
  if (!store) return kBadInput;
  evidence::VerifyReport report = evidence::VerifyStore(*store, pubkey ? &*pubkey : nullptr);
  if (args.json) {
    Json problems = Json::array();
    for (const evidence::Problem& problem : report.problems) {
      problems.push_back(Json{{"kind", evidence::TamperName(problem.kind)},
                              {"sequence", problem.sequence},
                              {"runId", problem.run_id},
                              {"detail", problem.detail}});
    }
    Json out{{"intact", report.intact()},  {"runs", report.runs},   {"checkpoints", report.checkpoints},
             {"keyId", report.key_id},     {"keyFromLog", report.key_from_log}, {"problems", problems}};
    if (report.latest) out["latestCheckpoint"] = CheckpointJson(*report.latest);
    std::cout << out.dump(2) << "\n";
  } else if (report.intact()) {
    std::cout << fmt::format("evidence log intact: {} runs, {} signed checkpoints, key id {}\n", report.runs,
                             report.checkpoints, report.key_id);
    if (report.latest) {
      std::cout << fmt::format("latest checkpoint: {} runs, root {}, signed {}\n", report.latest->tree_size,
                               evidence::HashHex(report.latest->root), report.latest->time);
    }
  } else {
    const evidence::Problem& first = report.problems.front();
    std::cout << fmt::format("evidence log TAMPERED: {} at position {}{}: {}\n", evidence::TamperName(first.kind),
                             first.sequence, first.run_id.empty() ? "" : " (run " + first.run_id + ")",
                             first.detail);
    for (size_t i = 1; i < report.problems.size() && i < 10; ++i) {
      const evidence::Problem& problem = report.problems[i];
      std::cout << fmt::format("  also: {} at position {}: {}\n", evidence::TamperName(problem.kind),
                               problem.sequence, problem.detail);
    }
    if (report.problems.size() > 10) {
      std::cout << fmt::format("  ... and {} more problem(s)\n", report.problems.size() - 10);
    }
  }
  if (report.key_from_log) {
    std::cerr << "note: checked against the public key stored in the log; pass --pubkey signing.pub (the key you "
                 "hold) to rule out a replaced key\n";
  }
  return report.intact() ? kOk : kTampered;
}

// ---- prove / verify-proof -------------------------------------------------

struct ProveArguments {
  std::string store;
  std::string run_id;
};

int RunProve(const ProveArguments& args) {
  std::unique_ptr<EvidenceStore> store = OpenForReading(args.store);
  if (!store) return kBadInput;
  std::string error;
  std::optional<evidence::StoredRun> run = store->FindRun(args.run_id, &error);
  if (!run) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  std::optional<evidence::Checkpoint> checkpoint = store->LatestCheckpoint();
  if (!checkpoint || checkpoint->tree_size <= run->sequence) {
    std::cerr << fmt::format("error: no signed checkpoint covers run {}; run 'stagegate evidence verify'\n",
                             run->run_id);
    return kTampered;
  }
  std::vector<evidence::Hash> path;
  try {
    path = store->InclusionProof(run->sequence, checkpoint->tree_size);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kTampered;
  }
  Json audit_path = Json::array();
  for (const evidence::Hash& hash : path) audit_path.push_back(evidence::HashHex(hash));
  Json proof{{"proofVersion", "stagegate.evidence.inclusion/v1"},
             {"runId", run->run_id},
             {"sequence", run->sequence},
             {"treeSize", checkpoint->tree_size},
             {"leafHash", evidence::HashHex(run->leaf_hash)},
             {"auditPath", audit_path},
             {"checkpoint", CheckpointJson(*checkpoint)},
             {"entry", run->record}};
  std::cout << proof.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  return kOk;
}

struct VerifyProofArguments {
  std::string proof;
  std::string pubkey;
  std::string record;
};

int RunVerifyProof(const VerifyProofArguments& args) {
  std::string error;
  std::optional<evidence::PublicKey> pubkey = evidence::PublicKey::LoadFile(args.pubkey, &error);
  if (!pubkey) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  std::optional<std::string> text = ReadFile(args.proof, "proof");
  if (!text) return kBadInput;
  nlohmann::json proof = nlohmann::json::parse(*text, nullptr, false);
  auto fail_input = [&](std::string_view why) {
    std::cerr << fmt::format("error: {}: {}; give the output of 'stagegate evidence prove RUN_ID'\n", args.proof,
                             why);
    return kBadInput;
  };
  if (!proof.is_object()) return fail_input("not a JSON proof");
  if (!proof.contains("sequence") || !proof["sequence"].is_number_unsigned() || !proof.contains("auditPath") ||
      !proof["auditPath"].is_array() || !proof.contains("entry") || !proof["entry"].is_string() ||
      !proof.contains("checkpoint")) {
    return fail_input("it needs 'sequence', 'auditPath', 'entry' and 'checkpoint'");
  }
  std::optional<evidence::Checkpoint> checkpoint = CheckpointFromJson(proof["checkpoint"], &error);
  if (!checkpoint) return fail_input(error);
  std::vector<evidence::Hash> path;
  for (const nlohmann::json& item : proof["auditPath"]) {
    std::optional<evidence::Hash> hash = item.is_string() ? evidence::ParseHashHex(item.get<std::string>())
                                                          : std::nullopt;
    if (!hash) return fail_input("an audit path entry is not a 64-digit hex hash");
    path.push_back(*hash);
  }
  std::string entry = proof["entry"].get<std::string>();
  if (!args.record.empty()) {
    std::optional<std::string> record_text = ReadFile(args.record, "run record");
    if (!record_text) return kBadInput;
    nlohmann::json record = nlohmann::json::parse(*record_text, nullptr, false);
    if (record.is_discarded()) {
      std::cerr << fmt::format("error: {}: not JSON; give the record from 'stagegate evidence show RUN_ID --json'\n",
                               args.record);
      return kBadInput;
    }
    const std::string canonical = evidence::CanonicalJson(record);
    if (canonical != entry) {
      std::cout << "proof INVALID: the run record you hold differs from the one the proof is for\n";
      return kTampered;
    }
  }
  const uint64_t sequence = proof["sequence"].get<uint64_t>();
  const evidence::Hash leaf = evidence::LeafHash(entry);
  if (!evidence::VerifyCheckpoint(*checkpoint, *pubkey)) {
    std::cout << fmt::format("proof INVALID: the checkpoint's signature does not verify under key id {}\n",
                             pubkey->KeyId());
    return kTampered;
  }
  if (!evidence::VerifyInclusion(sequence, checkpoint->tree_size, leaf, path, checkpoint->root)) {
    std::cout << fmt::format("proof INVALID: the run at position {} is not included in the signed tree of {} runs\n",
                             sequence, checkpoint->tree_size);
    return kTampered;
  }
  std::cout << fmt::format("proof valid: run {} is leaf {} of the log's signed tree of {} runs (root {}, signed {} "
                           "by key id {})\n",
                           evidence::CanonicalStringMember(entry, "runId").value_or("?"), sequence,
                           checkpoint->tree_size, evidence::HashHex(checkpoint->root), checkpoint->time,
                           pubkey->KeyId());
  return kOk;
}

// ---- consistency -----------------------------------------------------------

struct ConsistencyArguments {
  std::string store;
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  std::string old_root;
};

int RunConsistency(const ConsistencyArguments& args) {
  std::optional<evidence::Hash> expected_old_root;
  if (!args.old_root.empty()) {
    expected_old_root = evidence::ParseHashHex(args.old_root);
    if (!expected_old_root) {
      std::cerr << "error: --old-root " << args.old_root << ": give the 64-digit hex root of the checkpoint you kept\n";
      return kBadInput;
    }
  }
  std::unique_ptr<EvidenceStore> store = OpenForReading(args.store);
  if (!store) return kBadInput;
  std::optional<evidence::Checkpoint> latest = store->LatestCheckpoint();
  if (!latest) {
    std::cerr << "error: the evidence log has no signed checkpoint yet\n";
    return kBadInput;
  }
  std::optional<evidence::Checkpoint> target = args.new_size == 0 ? latest : store->CheckpointAt(args.new_size);
  if (!target) {
    std::cerr << fmt::format("error: --to {}: the log has no checkpoint of that size; omit --to for the latest\n",
                             args.new_size);
    return kBadInput;
  }
  if (args.old_size == 0 || args.old_size > target->tree_size) {
    std::cerr << fmt::format("error: OLD_SIZE {} must be between 1 and {} (the newer tree's size)\n", args.old_size,
                             target->tree_size);
    return kBadInput;
  }
  std::vector<evidence::Hash> proof;
  evidence::Hash old_root{};
  try {
    proof = store->ConsistencyProof(args.old_size, target->tree_size);
    old_root = store->RootAt(args.old_size);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kTampered;
  }
  Json path = Json::array();
  for (const evidence::Hash& hash : proof) path.push_back(evidence::HashHex(hash));
  const bool consistent =
      evidence::VerifyConsistency(args.old_size, target->tree_size, old_root, target->root, proof);
  Json out{{"proofVersion", "stagegate.evidence.consistency/v1"},
           {"oldSize", args.old_size},
           {"oldRoot", evidence::HashHex(old_root)},
           {"newSize", target->tree_size},
           {"newRoot", evidence::HashHex(target->root)},
           {"proof", path},
           {"checkpoint", CheckpointJson(*target)}};
  std::cout << out.dump(2) << "\n";
  if (!consistent) {
    std::cerr << "consistency proof INVALID: the stored tree is damaged; run 'stagegate evidence verify'\n";
    return kTampered;
  }
  if (expected_old_root && *expected_old_root != old_root) {
    std::cerr << fmt::format("log NOT consistent with your checkpoint: the log's tree of {} runs has root {}, yours "
                             "is {}: the log was rewritten since\n",
                             args.old_size, evidence::HashHex(old_root), args.old_root);
    return kTampered;
  }
  std::cerr << fmt::format("consistent: the tree of {} runs{} is a prefix of the signed tree of {} runs\n",
                           args.old_size, expected_old_root ? " (your root)" : "", target->tree_size);
  return kOk;
}

// ---- export ----------------------------------------------------------------

struct ExportArguments {
  std::string store;
  std::string run_id;
  std::string format;
  std::string out;
  std::string signing_key;
};

int RunExport(const ExportArguments& args) {
  if (args.format != "intoto" && args.format != "oscal") {
    std::cerr << "error: --format " << args.format << ": use intoto (a signed in-toto statement in a DSSE envelope) "
                                                      "or oscal (OSCAL assessment results)\n";
    return kBadInput;
  }
  std::unique_ptr<EvidenceStore> store = OpenForReading(args.store);
  if (!store) return kBadInput;
  std::string error;
  std::optional<evidence::StoredRun> run = store->FindRun(args.run_id, &error);
  if (!run) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  // Exports say what the log recorded: the record must still hash to its leaf.
  const evidence::Hash leaf = evidence::LeafHash(run->record);
  nlohmann::json record = nlohmann::json::parse(run->record, nullptr, false);
  if (leaf != run->leaf_hash || record.is_discarded()) {
    std::cerr << fmt::format("error: run {}: the stored record does not match its leaf hash; run 'stagegate "
                             "evidence verify'\n", run->run_id);
    return kTampered;
  }
  const std::string leaf_hex = evidence::HashHex(leaf);
  std::optional<std::string> document;
  if (args.format == "intoto") {
    const std::string key_path = !args.signing_key.empty() ? args.signing_key
                                                           : evidence_support::DefaultKeyPath(StorePath(args.store));
    std::optional<evidence::SigningKey> key = evidence_support::LoadSigningKey(key_path, false);
    if (!key) return kBadInput;
    std::optional<std::string> log_key = store->LogPublicKeyPem();
    std::string ignored;
    std::optional<evidence::PublicKey> log_public = log_key ? evidence::PublicKey::FromPem(*log_key, &ignored)
                                                            : std::nullopt;
    if (log_public && log_public->KeyId() != key->KeyId()) {
      std::cerr << fmt::format("error: {}: key id {} is not the log's key ({}); sign exports with the log's key\n",
                               key_path, key->KeyId(), log_public->KeyId());
      return kBadInput;
    }
    document = reports::RenderInTotoEnvelope(record, leaf_hex, *key, &error);
  } else {
    reports::OscalOptions options;
    options.document_uuid = common::NewUuidV4();
    options.generated_at = evidence::NowRfc3339();
    document = reports::RenderOscal(record, leaf_hex, options, &error);
  }
  if (!document) {
    std::cerr << fmt::format("error: run {}: cannot export it as {}: {}\n", run->run_id, args.format, error);
    return kBadInput;
  }
  if (args.out.empty()) {
    std::cout << *document;
    return kOk;
  }
  // Written beside and renamed, so a reader never sees half a document.
  const std::string partial = args.out + ".partial";
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    file << *document;
    file.flush();
    if (!file) {
      std::cerr << fmt::format("error: {}: cannot write the export; check the folder exists and is writable\n",
                               args.out);
      std::remove(partial.c_str());
      return kBadInput;
    }
  }
  if (std::rename(partial.c_str(), args.out.c_str()) != 0) {
    std::cerr << fmt::format("error: {}: cannot write the export; check the folder is writable\n", args.out);
    std::remove(partial.c_str());
    return kBadInput;
  }
  std::cerr << fmt::format("exported run {} as {} to {}\n", run->run_id, args.format, args.out);
  return kOk;
}

template <typename Arguments, typename Runner>
void OnRun(CLI::App* command, std::shared_ptr<Arguments> args, int* exit_code, Runner runner) {
  command->callback([args, exit_code, runner]() {
    try {
      *exit_code = runner(*args);
    } catch (const std::exception& e) {
      std::cerr << "internal error: " << e.what() << "\n";
      *exit_code = 3;
    }
  });
}

}  // namespace

void AddEvidenceCommand(CLI::App& app, int* exit_code) {
  CLI::App* evidence = app.add_subcommand("evidence", "Read, verify, prove and export the signed evidence log");
  evidence->require_subcommand(1);
  evidence->footer(R"(The log is a Merkle tree of every gate and audit run with signed checkpoints
(docs/formats/evidence.md). Exit codes: 0 success (verify: intact), 1 tampered or
invalid proof, 2 bad input.
Examples:
  stagegate evidence list --since 2025-06-01 --decision deny
  stagegate evidence verify --pubkey signing.pub
  stagegate evidence prove 3f2a9c1e > proof.json
  stagegate evidence verify-proof --proof proof.json --pubkey signing.pub
  stagegate evidence export 3f2a9c1e --format oscal --out run.oscal.json)");

  auto list = std::make_shared<ListArguments>();
  CLI::App* list_command = evidence->add_subcommand("list", "List recorded runs, oldest first");
  evidence_support::AddStoreOption(list_command, &list->store);
  list_command->add_option("--since", list->filter.since, "Runs started at or after this time (RFC 3339 or date)");
  list_command->add_option("--policy", list->filter.policy,
                           "Runs that evaluated this policy name, or whose policy source is this path or commit");
  list_command->add_option("--decision", list->filter.decision, "allow or deny");
  list_command->add_option("--kind", list->filter.kind, "gate or audit");
  list_command->add_option("--limit", list->filter.limit, "At most this many runs");
  list_command->add_flag("--json", list->json, "JSON array instead of a table");
  OnRun(list_command, list, exit_code, RunList);

  auto show = std::make_shared<ShowArguments>();
  CLI::App* show_command = evidence->add_subcommand("show", "Show one recorded run");
  evidence_support::AddStoreOption(show_command, &show->store);
  show_command->add_option("RUN_ID", show->run_id, "Run id, or a unique prefix of at least 4 characters")->required();
  show_command->add_flag("--json", show->json, "The full run record as JSON");
  show_command->add_flag("--canonical", show->canonical, "The exact stored bytes (the Merkle leaf entry)");
  OnRun(show_command, show, exit_code, RunShow);

  auto verify = std::make_shared<VerifyArguments>();
  CLI::App* verify_command =
      evidence->add_subcommand("verify", "Check the whole log: every run, the tree and every signed checkpoint");
  evidence_support::AddStoreOption(verify_command, &verify->store);
  verify_command->add_option("--pubkey", verify->pubkey, "The log's public key as you hold it (signing.pub)");
  verify_command->add_flag("--json", verify->json, "Machine-readable report");
  OnRun(verify_command, verify, exit_code, RunVerify);

  auto prove = std::make_shared<ProveArguments>();
  CLI::App* prove_command =
      evidence->add_subcommand("prove", "Print an inclusion proof of a run against the latest signed checkpoint");
  evidence_support::AddStoreOption(prove_command, &prove->store);
  prove_command->add_option("RUN_ID", prove->run_id, "Run id, or a unique prefix")->required();
  OnRun(prove_command, prove, exit_code, RunProve);

  auto verify_proof = std::make_shared<VerifyProofArguments>();
  CLI::App* verify_proof_command = evidence->add_subcommand(
      "verify-proof", "Check an inclusion proof without the log: needs only the proof and the public key");
  verify_proof_command->add_option("--proof", verify_proof->proof, "Output of 'evidence prove'")->required();
  verify_proof_command->add_option("--pubkey", verify_proof->pubkey, "The log's public key (signing.pub)")
      ->required();
  verify_proof_command->add_option("--record", verify_proof->record,
                                   "The run record you hold (JSON); must be the one the proof is for");
  OnRun(verify_proof_command, verify_proof, exit_code, RunVerifyProof);

  auto consistency = std::make_shared<ConsistencyArguments>();
  CLI::App* consistency_command = evidence->add_subcommand(
      "consistency", "Prove that the tree of OLD_SIZE runs is a prefix of the latest (or --to) signed tree");
  evidence_support::AddStoreOption(consistency_command, &consistency->store);
  consistency_command->add_option("OLD_SIZE", consistency->old_size, "Size of the older tree (a checkpoint you kept)")
      ->required();
  consistency_command->add_option("--to", consistency->new_size, "Size of the newer tree (default: the latest)");
  consistency_command->add_option("--old-root", consistency->old_root,
                                  "Root hash (hex) of the checkpoint you kept: exit 1 unless the log still has it");
  OnRun(consistency_command, consistency, exit_code, RunConsistency);

  auto export_args = std::make_shared<ExportArguments>();
  CLI::App* export_command = evidence->add_subcommand(
      "export", "Export a run: a signed in-toto statement (DSSE envelope) or OSCAL assessment results");
  evidence_support::AddStoreOption(export_command, &export_args->store);
  export_command->add_option("RUN_ID", export_args->run_id, "Run id, or a unique prefix")->required();
  export_command->add_option("--format", export_args->format, "intoto or oscal")->required();
  export_command->add_option("--out", export_args->out, "Write to this file (default: stdout)");
  export_command->add_option("--signing-key", export_args->signing_key,
                             "intoto: the log's signing key (default: $STAGEGATE_SIGNING_KEY, else signing.key beside "
                             "the store)");
  OnRun(export_command, export_args, exit_code, RunExport);
}

}  // namespace stagegate::cli
