#pragma once
// Private helpers of the policy module (not part of its API).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::policy::internal {

// Levenshtein distance.
size_t EditDistance(std::string_view a, std::string_view b);
// Returns the candidate closest to `word` when it is close enough to be a
// likely typo, else "".
std::string Suggest(std::string_view word, const std::vector<std::string>& candidates);
// "'a', 'b', 'c'".
std::string JoinQuoted(const std::vector<std::string>& names);
// True for a CEL duration literal such as "5m", "1h30m", "1.5s", "-2h".
bool IsDuration(std::string_view text);

}  // namespace stagegate::policy::internal
