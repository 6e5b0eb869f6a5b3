#include "engine/cli/gate_command.h"

#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/cli/authoring_support.h"
#include "engine/cli/device_support.h"
#include "engine/cli/privacy_support.h"
#include "engine/cli/zone_support.h"
#include "engine/cli/evidence_support.h"
#include "engine/cli/fleet_support.h"
#include "engine/cli/model_support.h"
#include "engine/common/uuid.h"
#include "engine/eval/engine.h"
#include "engine/policy/loader.h"
#include "engine/subjects/inputs.h"
#include "reports/reports.h"

namespace stagegate::cli {
namespace {

// Failures listed in the summary; the outputs hold all of them.
constexpr size_t kSummaryFailures = 10;

struct GateArguments {
  std::string policies;
  std::string revision;
  std::vector<std::string> inputs;
  std::string formats = "json";
  std::string out;
  std::string at;
  std::string fail_on = "low";
  int jobs = 0;
  std::string evidence;
  std::string signing_key;
  bool no_evidence = false;
  fleet_support::FleetArguments fleet;
};

struct OutputFile {
  std::string format;
  std::string file;
};

bool ParseFormats(const std::string& text, std::vector<OutputFile>* out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string name = text.substr(start, comma - start);
    start = comma + 1;
    if (name == "json") {
      out->push_back({name, "decision.json"});
    } else if (name == "sarif") {
      out->push_back({name, "findings.sarif"});
    } else if (name == "junit") {
      out->push_back({name, "junit.xml"});
    } else if (name == "markdown") {
      out->push_back({name, "summary.md"});
    } else {
      std::cerr << "error: --format " << text << ": unknown format '" << name
                << "'; use a comma-separated list of json, sarif, junit, markdown\n";
      return false;
    }
    if (comma == text.size()) break;
  }
  return true;
}

std::string Render(const std::string& format, const eval::RunResult& result) {
  if (format == "sarif") return reports::RenderSarif(result);
  if (format == "junit") return reports::RenderJUnit(result);
  if (format == "markdown") return reports::RenderMarkdown(result);
  return reports::RenderJson(result);
}

void PrintSummary(const eval::RunResult& result) {
  const eval::Counts& c = result.counts;
  std::cerr << fmt::format("gate: {} (fail-on {}, evaluated at {})\n",
                           result.decision == eval::Decision::kDeny ? "DENY" : "ALLOW",
                           eval::SeverityName(result.fail_on), result.evaluated_at);
  std::cerr << fmt::format("  {} rules, {} outcomes: {} pass, {} fail, {} not_evaluable, {} error, {} waived, {} not_applicable\n",
                           result.rules.size(), c.total(), c.pass, c.fail, c.not_evaluable, c.error, c.waived,
                           c.not_applicable);
  if (!result.deny_reasons.empty()) {
    std::cerr << "denied by:\n";
    for (size_t i = 0; i < result.deny_reasons.size() && i < kSummaryFailures; ++i) {
      std::cerr << "  " << result.deny_reasons[i] << "\n";
    }
    if (result.deny_reasons.size() > kSummaryFailures) {
      std::cerr << fmt::format("  ... and {} more (see the outputs)\n", result.deny_reasons.size() - kSummaryFailures);
    }
  }
  // Findings that do not deny (warn / audit enforcement, below --fail-on).
  std::vector<const eval::OutcomeRecord*> other;
  for (const eval::OutcomeRecord& o : result.outcomes) {
    if (o.outcome != eval::Outcome::kFail && o.outcome != eval::Outcome::kError &&
        o.outcome != eval::Outcome::kNotEvaluable) {
      continue;
    }
    other.push_back(&o);
  }
  if (other.size() > result.deny_reasons.size()) {
    std::cerr << fmt::format("  {} other finding(s) do not deny (warn/audit enforcement or below --fail-on)\n",
                             other.size() - result.deny_reasons.size());
  }
  for (const eval::WaiverInfo& w : result.waivers) {
    if (w.expired) {
      std::cerr << fmt::format("waiver {} ({}) expired on {}: it no longer applies\n", w.id, w.rule_id, w.expires);
    }
  }
  for (const eval::WaiverInfo* w : eval::ExpiringSoon(result)) {
    std::cerr << fmt::format("waiver {} ({}) expires on {} ({} days left)\n", w->id, w->rule_id, w->expires,
                             w->days_left);
  }
}

int RunGate(const GateArguments& args) {
  std::vector<OutputFile> outputs;
  if (!ParseFormats(args.formats, &outputs)) return 2;
  std::optional<eval::Severity> fail_on = policy::ParseSeverity(args.fail_on);
  if (!fail_on) {
    std::cerr << "error: --fail-on " << args.fail_on << ": unknown severity; use info, low, medium, high or critical\n";
    return 2;
  }
  if (args.jobs < 0) {
    std::cerr << "error: --jobs " << args.jobs << ": must be 0 (all cores) or a positive number of threads\n";
    return 2;
  }
  std::optional<std::chrono::sys_seconds> at = authoring::ParseAt(args.at);
  if (!at) return 2;

  if (args.inputs.empty() && args.fleet.store.empty() && args.fleet.inventory.empty()) {
    std::cerr << "error: nothing to judge: give --input documents, or a fleet with --store and --inventory\n";
    return 2;
  }
  // Inputs first: their fields extend the fact schema the policies are checked against.
  subjects::SubjectSet inputs = subjects::LoadInputs(args.inputs);
  if (!inputs.ok()) {
    for (const subjects::InputError& error : inputs.errors()) std::cerr << subjects::FormatInputError(error) << "\n";
    return 2;
  }
  bundle::Bundle bundle;
  if (!authoring::ReadSource(args.policies, args.revision, &bundle)) return 2;
  // Data contracts become policies; the fleet's devices and streams become subjects.
  fleet_support::ContractRun contract_run;
  if (!fleet_support::AddContractPolicies(&bundle, &contract_run)) return 2;
  if (!fleet_support::LoadFleet(args.fleet, *at, &inputs, &contract_run)) return 2;
  if (!model_support::AddModelProviders(bundle, args.fleet.store, &inputs, &contract_run.providers)) return 2;
  if (!device_support::AddDeviceProviders(bundle, *at, &inputs, &contract_run.providers)) return 2;
  if (!privacy_support::AddPrivacyProviders(contract_run.contracts, &inputs, &contract_run.providers, &bundle)) return 2;
  if (!inputs.ok()) {
    for (const subjects::InputError& error : inputs.errors()) std::cerr << subjects::FormatInputError(error) << "\n";
    return 2;
  }
  facts::FactSchema schema = authoring::CoreSchema();
  subjects::InferFacts(inputs, &schema);
  policy::LoadOptions load_options;
  load_options.now = *at;
  std::unique_ptr<policy::LoadedBundle> loaded =
      authoring::TakeLoaded(policy::LoadPolicies(bundle, schema, load_options));
  if (!loaded) return 2;
  contracts::LocateContractRules(contract_run.generated, loaded.get());
  if (!fleet_support::AddDriftProviders(*loaded, policy::Stage::kGate, &contract_run)) return 2;
  eval::ControlLedger control_ledger;
  if (!zone_support::AddZoneProviders(*loaded, inputs, &control_ledger, &contract_run.providers)) return 2;

  // The evidence log and its key are opened before the run, so that a
  // missing key or an unwritable store stops the gate before any work.
  std::unique_ptr<evidence_support::Recorder> recorder;
  if (!args.no_evidence) {
    evidence_support::RecordRequest request;
    request.store_path = args.evidence.empty() ? evidence_support::DefaultStorePath() : args.evidence;
    request.key_given = !args.signing_key.empty();
    request.key_path = request.key_given ? args.signing_key : evidence_support::DefaultKeyPath(request.store_path);
    request.run_id = common::NewUuidV4();
    request.schema = &loaded->schema;
    request.parameters = {{"policies", args.policies}, {"rev", args.revision}, {"inputs", args.inputs},
                          {"formats", args.formats},   {"out", args.out},      {"at", args.at},
                          {"failOn", args.fail_on},    {"stage", "gate"},      {"jobs", args.jobs}};
    if (!args.fleet.store.empty()) request.parameters["store"] = args.fleet.store;
    if (!args.fleet.inventory.empty()) request.parameters["inventory"] = args.fleet.inventory;
    if (!args.fleet.store.empty()) request.parameters["window"] = args.fleet.window;
    recorder = evidence_support::Recorder::Open(std::move(request));
    if (!recorder) return 2;
  }

  eval::EvalOptions options;
  options.kind = "gate";
  options.stage = policy::Stage::kGate;
  options.at = *at;
  options.fail_on = *fail_on;
  options.jobs = args.jobs;
  options.engine_version = STAGEGATE_VERSION;
  if (!contract_run.providers.empty()) options.providers = &contract_run.providers;
  if (!inputs.OfKind(facts::SubjectKind::kZone).empty()) options.control_ledger = &control_ledger;
  std::string internal_error;
  eval::RunResult result = eval::Evaluate(*loaded, inputs, options, &internal_error);
  if (!internal_error.empty()) {
    std::cerr << "internal error: " << internal_error << "\n";
    return 3;
  }

  if (args.out.empty()) {
    std::cout << reports::RenderJson(result);
  } else {
    std::error_code ec;
    std::filesystem::create_directories(args.out, ec);
    if (ec) {
      std::cerr << "error: --out " << args.out << ": cannot create the directory (" << ec.message()
                << "); choose a writable path\n";
      return 2;
    }
    for (const OutputFile& output : outputs) {
      const std::string path = (std::filesystem::path(args.out) / output.file).string();
      std::ofstream file(path, std::ios::binary | std::ios::trunc);
      file << Render(output.format, result);
      if (!file) {
        std::cerr << "error: " << path << ": cannot write the file; check the permissions of --out\n";
        return 2;
      }
    }
  }
  PrintSummary(result);
  if (recorder && !recorder->Record(result)) {
    std::cerr << "error: the decision was not recorded in the evidence log; fix the cause above, or pass "
                 "--no-evidence to run without recording\n";
    return 2;
  }
  return result.decision == eval::Decision::kDeny ? 1 : 0;
}

}  // namespace

void AddGateCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<GateArguments>();
  CLI::App* cmd = app.add_subcommand("gate", "Judge a release candidate against the policies; exit 0 allow, 1 deny");
  cmd->add_option("--policies", args->policies, "Policy bundle: a directory, or a git repository with --rev")
      ->required();
  cmd->add_option("--rev", args->revision, "Git revision of the --policies repository (branch, tag, commit)");
  cmd->add_option("--input", args->inputs, "Input file or directory (JSON, YAML, JSON Lines); repeatable");
  fleet_support::AddFleetOptions(cmd, &args->fleet);
  cmd->add_option("--format", args->formats, "Outputs: comma-separated json, sarif, junit, markdown (default json)");
  cmd->add_option("--out", args->out, "Directory for decision.json, findings.sarif, junit.xml, summary.md "
                                      "(default: the JSON on stdout)");
  cmd->add_option("--at", args->at, "Evaluation time, RFC 3339 or YYYY-MM-DD (default: now)");
  cmd->add_option("--fail-on", args->fail_on, "Lowest severity that denies: info, low, medium, high, critical");
  cmd->add_option("--jobs", args->jobs, "Worker threads (default 0: all cores)");
  evidence_support::AddStoreOption(cmd, &args->evidence);
  cmd->add_option("--signing-key", args->signing_key,
                  "Ed25519 key that signs the evidence log (default: $STAGEGATE_SIGNING_KEY, else signing.key beside "
                  "the store, created on first use)");
  cmd->add_flag("--no-evidence", args->no_evidence, "Do not record this run in the evidence log");
  cmd->footer(R"(Every run is recorded in the signed evidence log (see 'stagegate evidence --help') unless --no-evidence.
Exit codes: 0 allow, 1 deny, 2 bad input or policy (or the run could not be recorded), 3 internal error.
Example:
  stagegate gate --policies policies/ --input fleet/ --format json,sarif --out gate-out --at 2025-06-01T00:00:00Z)");
  cmd->callback([args, exit_code]() {
    try {
      *exit_code = RunGate(*args);
    } catch (const std::exception& e) {
      std::cerr << "internal error: " << e.what() << "\n";
      *exit_code = 3;
    } catch (...) {
      std::cerr << "internal error: unknown fault\n";
      *exit_code = 3;
    }
  });
}

}  // namespace stagegate::cli
