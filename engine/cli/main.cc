// The `stagegate` command line: one binary, one subcommand per verb.

#include <iostream>

#include <CLI/CLI.hpp>

#include "engine/cli/eval_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Stagegate: policy-as-code governance and compliance for AIoT fleets", "stagegate"};
  app.set_version_flag("--version,-V", std::string("stagegate ") + STAGEGATE_VERSION);
  app.require_subcommand(1);
  app.footer(R"(Examples:
  stagegate eval 'stream.quality.missing_ratio <= 0.02' --input docs/examples/stream.yaml
  stagegate eval '[1, 2, 3].exists(x, x > 2)'
  stagegate eval --help

Exit codes: 0 success, 2 bad input (the message names the file or position and what to do).)");

  int exit_code = 0;
  stagegate::cli::AddEvalCommand(app, &exit_code);
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
