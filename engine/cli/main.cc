// The `stagegate` command line: one binary, one subcommand per verb.

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "engine/cli/baseline_command.h"
#include "engine/cli/check_command.h"
#include "engine/cli/diff_command.h"
#include "engine/cli/drift_command.h"
#include "engine/cli/evidence_command.h"
#include "engine/cli/facts_command.h"
#include "engine/cli/eval_command.h"
#include "engine/cli/audit_command.h"
#include "engine/cli/gate_command.h"
#include "engine/cli/ingest_command.h"
#include "engine/cli/keys_command.h"
#include "engine/cli/model_command.h"
#include "engine/cli/report_command.h"
#include "engine/cli/simulate_command.h"
#include "engine/cli/test_command.h"

int main(int argc, char** argv) {
  // A file-size limit reached while writing (ulimit -f) must fail the write
  // with an error the command reports, not kill the process mid-run.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"Stagegate: policy-as-code governance and compliance for AIoT fleets", "stagegate"};
  app.set_version_flag("--version,-V", std::string("stagegate ") + STAGEGATE_VERSION);
  app.require_subcommand(1);
  app.footer(R"(Examples:
  stagegate check --policies policies/examples
  stagegate gate --policies . --rev main --input inputs/ --format json,sarif --out gate-results
  stagegate test --policies policies/examples --coverage-min 80
  stagegate diff --policies . --from main --to HEAD --input inputs/
  stagegate evidence verify --pubkey .stagegate/signing.pub
  stagegate eval 'stream.quality.missing_ratio <= 0.02' --input docs/examples/stream.yaml
  stagegate COMMAND --help

Exit codes: 0 success or allow; 1 deny (gate) or failing tests (test); 2 bad input
or policy (the message names the file, line and what to do); 3 internal error.)");

  int exit_code = 0;
  stagegate::cli::AddEvalCommand(app, &exit_code);
  stagegate::cli::AddCheckCommand(app, &exit_code);
  stagegate::cli::AddFactsCommand(app, &exit_code);
  stagegate::cli::AddTestCommand(app, &exit_code);
  stagegate::cli::AddDiffCommand(app, &exit_code);
  stagegate::cli::AddGateCommand(app, &exit_code);
  stagegate::cli::AddAuditCommand(app, &exit_code);
  stagegate::cli::AddKeysCommand(app, &exit_code);
  stagegate::cli::AddEvidenceCommand(app, &exit_code);
  stagegate::cli::AddReportCommand(app, &exit_code);
  stagegate::cli::AddIngestCommand(app, &exit_code);
  stagegate::cli::AddSimulateCommand(app, &exit_code);
  stagegate::cli::AddBaselineCommand(app, &exit_code);
  stagegate::cli::AddDriftCommand(app, &exit_code);
  stagegate::cli::AddModelCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage mistakes are bad input: one clear line and exit 2.
    std::cerr << "error: " << e.what() << "\nRun 'stagegate --help' for usage.\n";
    return 2;
  }
  return exit_code;
}
