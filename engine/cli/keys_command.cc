#include "engine/cli/keys_command.h"

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "engine/evidence/signing.h"

namespace stagegate::cli {

void AddKeysCommand(CLI::App& app, int* exit_code) {
  CLI::App* keys = app.add_subcommand("keys", "Manage the evidence log's signing key");
  keys->require_subcommand(1);
  auto out = std::make_shared<std::string>();
  CLI::App* init = keys->add_subcommand("init", "Create an Ed25519 key pair: DIR/signing.key (0600) and DIR/signing.pub");
  init->add_option("--out", *out, "Folder for signing.key and signing.pub (created if needed)")->required();
  init->footer(R"(Keep signing.key secret (it signs every checkpoint of the log); give signing.pub to auditors:
'stagegate evidence verify --pubkey signing.pub' checks the log against it.
Example:
  stagegate keys init --out .stagegate)");
  init->callback([out, exit_code]() {
    std::string error;
    std::optional<evidence::SigningKey> key = evidence::SigningKey::Generate(&error);
    if (!key || !evidence::WriteKeyPair(*key, *out, &error)) {
      std::cerr << "error: " << error << "\n";
      *exit_code = 2;
      return;
    }
    const std::filesystem::path folder(*out);
    std::cout << fmt::format("signing key: {} (keep secret)\npublic key:  {} (give to auditors)\nkey id:      {}\n",
                             (folder / "signing.key").string(), (folder / "signing.pub").string(),
                             key->Public().KeyId());
    *exit_code = 0;
  });
}

}  // namespace stagegate::cli
