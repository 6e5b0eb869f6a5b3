#pragma once
// Verification of a whole evidence store: every leaf recomputed from its
// record, the tree rebuilt, every checkpoint's signature checked against the
// auditor's public key, every checkpoint matched against the rebuilt tree
// (so each older tree is a prefix of every newer one), and the latest
// checkpoint required to cover every run.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/evidence/signing.h"
#include "engine/evidence/store.h"

namespace stagegate::evidence {

enum class Tamper {
  kEditedContent,     // a record, its columns or its leaf hash differ from what was signed
  kMissingRun,        // a leaf is absent
  kReorderedRuns,     // a record sits at another position than the one it was recorded at
  kBadSignature,      // a checkpoint's signature does not verify under the key
  kRolledBack,        // a checkpoint was replaced by an older one, or the latest does not cover every run
  kKeyMismatch,       // the log names another key than the auditor's
  kDamagedTree,       // a stored Merkle node differs from the one rebuilt from the leaves
};
std::string_view TamperName(Tamper tamper);

struct Problem {
  Tamper kind;
  uint64_t sequence = 0;  // the first run the problem touches (position in the log)
  std::string run_id;     // when known
  std::string detail;     // one line
};

struct VerifyReport {
  uint64_t runs = 0;
  uint64_t checkpoints = 0;
  std::string key_id;          // the key the signatures were checked against
  bool key_from_log = false;   // no --pubkey: the key stored in the log was used
  std::optional<Checkpoint> latest;
  std::vector<Problem> problems;  // sorted by sequence; empty when intact
  bool intact() const { return problems.empty(); }
};

// `pubkey`: the auditor's key; null to use the key the log recorded (which
// proves integrity only against someone who did not also replace the key).
VerifyReport VerifyStore(EvidenceStore& store, const PublicKey* pubkey, unsigned threads = 0);

}  // namespace stagegate::evidence
