#pragma once
// The decision document ("stagegate.decision/v1", docs/formats/decision.md)
// in two steps, so that report.json can nest it: the document with a slot for
// its outcomes, then the text with the outcomes written one at a time.
// Private to reports/.

#include <string>

#include <nlohmann/json.hpp>

#include "engine/eval/run_result.h"
#include "reports/streamed_json.h"

namespace stagegate::reports::internal {

// Every member of the decision, with `outcomes` holding the slot of its
// outcomes array.
nlohmann::ordered_json DecisionJson(const eval::RunResult& result, StreamedArray* outcomes);
// `document` (holding DecisionJson's tree somewhere) as text, the outcomes of
// `result` in the slot.
std::string DumpDecision(const nlohmann::ordered_json& document, const eval::RunResult& result,
                         const StreamedArray& outcomes);

}  // namespace stagegate::reports::internal
