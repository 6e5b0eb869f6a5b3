#pragma once
// Field-equality selectors over input documents, as deployment targets and
// zone memberships write them: {site: plant-a, labels.region: eu} selects
// the documents whose dotted fields equal those values.

#include <string_view>

#include <nlohmann/json.hpp>

namespace stagegate::subjects {

// The value at the dotted path `dotted` ("labels.region") of `document`, or
// null when a step is missing or not an object. An empty path is the document.
const nlohmann::json* FindField(const nlohmann::json& document, std::string_view dotted);

// True when every dotted field of `selector` (an object) is present in
// `document` with an equal value.
bool MatchesFields(const nlohmann::json& document, const nlohmann::json& selector);

}  // namespace stagegate::subjects
