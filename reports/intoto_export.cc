// The in-toto export of a recorded run: a Statement v1 whose predicate is the
// test-result v0.1 predicate (https://in-toto.io/attestation/test-result/v0.1),
// signed as a DSSE envelope. docs/formats/evidence.md, section "Exports".

#include <set>
#include <string>
#include <utility>

#include "engine/evidence/dsse.h"
#include "reports/evidence_exports.h"
#include "reports/export_internal.h"

namespace stagegate::reports {
namespace {

using Json = nlohmann::ordered_json;
using exports::OutcomeView;
using exports::RunView;

// The digest-set algorithm of the last-resort subject (a run with no input
// files and no clean git revision): the run's RFC 6962 leaf hash,
// SHA-256(0x00 || canonical record), in lowercase hex. in-toto allows
// producer-defined algorithms that document their encoding (DigestSet v1).
constexpr std::string_view kLeafDigestAlgorithm = "stagegateLeafHash";

// The name of the predicate's extension field that carries what the
// test-result predicate has no field for.
constexpr std::string_view kExtensionField = "stagegate";

// Returns the name of the policy bundle in descriptors: its path in the
// repository, or its location when it is the repository's top level or not
// in git.
std::string SourceName(const exports::PolicySourceView& source) {
  std::string_view inner = source.path_in_repo;
  while (!inner.empty() && inner.back() == '/') inner.remove_suffix(1);
  if (source.in_git || source.kind == "git") {
    if (!inner.empty() && inner != ".") return std::string(inner);
  }
  return source.location;
}

// The policy source as a ResourceDescriptor: a clean git revision carries its
// commit and the tree of the bundle root as digests; a directory outside git,
// or with uncommitted changes, has no immutable identity and carries its URI
// only.
Json SourceDescriptor(const RunView& run) {
  const exports::PolicySourceView& source = run.policy_source;
  Json descriptor;
  descriptor["name"] = SourceName(source);
  descriptor["uri"] = exports::PolicySourceUri(source);
  if (exports::IsCleanGitSource(source)) {
    Json digest;
    digest["gitCommit"] = source.commit;
    if (!source.tree.empty()) digest["gitTree"] = source.tree;
    descriptor["digest"] = std::move(digest);
  }
  Json annotations;
  annotations["sourceKind"] = source.kind;
  if (!source.ref.empty()) annotations["ref"] = source.ref;
  if (!source.commit.empty()) annotations["commit"] = source.commit;
  annotations["dirty"] = source.dirty;
  descriptor["annotations"] = std::move(annotations);
  return descriptor;
}

Json Subjects(const RunView& run) {
  Json subjects = Json::array();
  std::set<std::pair<std::string, std::string>> seen;
  for (const exports::InputView& input : run.inputs) {
    if (!seen.emplace(input.path, input.sha256).second) continue;
    Json subject;
    subject["name"] = input.path;
    subject["digest"]["sha256"] = input.sha256;
    subjects.push_back(std::move(subject));
  }
  if (!subjects.empty()) return subjects;
  // A statement needs at least one subject with a digest. Without input files
  // the run judged the policy bundle alone: its revision is the subject.
  if (exports::IsCleanGitSource(run.policy_source)) {
    Json subject = SourceDescriptor(run);
    subject.erase("annotations");
    subjects.push_back(std::move(subject));
    return subjects;
  }
  // Nothing immutable is left but the run's own entry in the log.
  Json subject;
  subject["name"] = "stagegate-run-record";
  subject["uri"] = exports::LeafUri(run.leaf_hash);
  subject["digest"][std::string(kLeafDigestAlgorithm)] = run.leaf_hash;
  subjects.push_back(std::move(subject));
  return subjects;
}

Json Extension(const RunView& run, const Json& not_applicable) {
  Json extension;
  extension["recordSchema"] = exports::kRunRecordSchema;
  extension["runId"] = run.run_id;
  extension["sequence"] = run.sequence;
  extension["leafHash"] = run.leaf_hash;
  extension["kind"] = run.kind;
  extension["decision"] = run.decision;
  extension["failOn"] = run.fail_on;
  extension["evaluatedAt"] = run.evaluated_at;
  extension["startedAt"] = run.started_at;
  extension["finishedAt"] = run.finished_at;
  extension["engineVersion"] = run.engine_version;
  // The counts in the decision document's order, then any unknown to this version.
  Json counts;
  for (const char* name : {"total", "pass", "fail", "not_evaluable", "error", "waived", "not_applicable"}) {
    if (run.counts.contains(name)) counts[name] = run.counts[name];
  }
  for (const auto& [name, value] : run.counts.items()) {
    if (!counts.contains(name)) counts[name] = value;
  }
  extension["counts"] = std::move(counts);
  extension["denyReasons"] = run.deny_reasons;
  extension["notApplicableTests"] = not_applicable;
  return extension;
}

}  // namespace

std::optional<nlohmann::ordered_json> InTotoStatement(const nlohmann::json& record, std::string_view leaf_hash_hex,
                                                      std::string* error) {
  const std::optional<RunView> run = exports::ReadRun(record, leaf_hash_hex, error);
  if (!run) return std::nullopt;

  // Denying outcomes fail the test run; the other failures, and waived
  // outcomes, are warnings: the gate let them through.
  Json passed = Json::array(), warned = Json::array(), failed = Json::array(), not_applicable = Json::array();
  for (const OutcomeView& outcome : run->outcomes) {
    const std::string name = exports::TestName(outcome);
    if (outcome.outcome == "pass") {
      passed.push_back(name);
    } else if (outcome.outcome == "not_applicable") {
      not_applicable.push_back(name);
    } else if (exports::Denies(run->FindRule(outcome.rule), outcome.outcome, run->fail_on)) {
      failed.push_back(name);
    } else {
      warned.push_back(name);
    }
  }
  std::string result = "PASSED";
  if (run->decision == "deny" || !failed.empty()) {
    result = "FAILED";
  } else if (!warned.empty()) {
    result = "WARNED";
  }

  Json predicate;
  predicate["result"] = result;
  predicate["configuration"] = Json::array({SourceDescriptor(*run)});
  predicate["passedTests"] = std::move(passed);
  predicate["warnedTests"] = std::move(warned);
  predicate["failedTests"] = std::move(failed);
  predicate[std::string(kExtensionField)] = Extension(*run, not_applicable);

  Json statement;
  statement["_type"] = kInTotoStatementType;
  statement["subject"] = Subjects(*run);
  statement["predicateType"] = kTestResultPredicateType;
  statement["predicate"] = std::move(predicate);
  return statement;
}

std::optional<std::string> RenderInTotoEnvelope(const nlohmann::json& record, std::string_view leaf_hash_hex,
                                                const evidence::SigningKey& key, std::string* error) {
  const std::optional<Json> statement = InTotoStatement(record, leaf_hash_hex, error);
  if (!statement) return std::nullopt;
  const nlohmann::json envelope = evidence::SignEnvelope(kInTotoPayloadType, exports::Compact(*statement), key);
  return envelope.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace stagegate::reports
