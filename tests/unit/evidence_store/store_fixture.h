#pragma once
// Shared helpers of the evidence store tests: temporary folders, keys and
// run records shaped like real gate runs.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/evidence/run_record.h"
#include "engine/evidence/signing.h"
#include "engine/evidence/store.h"
#include "tests/support/scratch_dir.h"

namespace stagegate::evidence::testing {

using test_support::ScratchDir;

SigningKey NewKey();

// A run record with `outcomes` outcomes (a tenth failing), as `gate` builds
// it from a decision document; `tag` goes into the run id and a message.
nlohmann::json MakeRecord(const std::string& tag, int outcomes = 10);

// Opens a read-write store or fails the test.
std::unique_ptr<EvidenceStore> OpenStore(const std::string& path);

}  // namespace stagegate::evidence::testing
