#pragma once
// Reads a decision document (schema "stagegate.decision/v1", as
// reports::RenderJson writes it and the evidence log records it) back into
// the run it describes: the inverse of RenderJson, so that a recorded run's
// outputs can be rendered again (`stagegate report`).

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/eval/run_result.h"

namespace stagegate::reports {

// Returns the run of `document`, such that RenderJson of it gives the
// document again. Members RenderJson derives (counts' `total`, a rule's
// `repository_path`, a waiver's `expiring_soon`) are not read. Nullopt with
// `error` set ("decision: outcomes[2].outcome: \"maybe\" is not one of pass,
// …") when a member is missing, of the wrong type or an unknown name; never
// throws.
std::optional<eval::RunResult> ReadDecision(const nlohmann::json& document, std::string* error);

}  // namespace stagegate::reports
