// Small pure helpers of the policy module: names, times, edit distance, diagnostics formatting.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "engine/policy/internal.h"
#include "engine/policy/loader.h"

namespace stagegate::policy {

std::optional<eval::Severity> ParseSeverity(std::string_view name) {
  if (name == "info") return eval::Severity::kInfo;
  if (name == "low") return eval::Severity::kLow;
  if (name == "medium") return eval::Severity::kMedium;
  if (name == "high") return eval::Severity::kHigh;
  if (name == "critical") return eval::Severity::kCritical;
  return std::nullopt;
}

std::optional<eval::Enforcement> ParseEnforcement(std::string_view name) {
  if (name == "deny") return eval::Enforcement::kDeny;
  if (name == "warn") return eval::Enforcement::kWarn;
  if (name == "audit") return eval::Enforcement::kAudit;
  return std::nullopt;
}

std::optional<Stage> ParseStage(std::string_view name) {
  if (name == "gate") return Stage::kGate;
  if (name == "audit") return Stage::kAudit;
  return std::nullopt;
}

std::optional<eval::Outcome> ParseOutcome(std::string_view name) {
  if (name == "pass") return eval::Outcome::kPass;
  if (name == "fail") return eval::Outcome::kFail;
  if (name == "not_evaluable") return eval::Outcome::kNotEvaluable;
  if (name == "error") return eval::Outcome::kError;
  if (name == "waived") return eval::Outcome::kWaived;
  if (name == "not_applicable") return eval::Outcome::kNotApplicable;
  return std::nullopt;
}

namespace {

bool Digits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

}  // namespace

std::optional<std::chrono::sys_seconds> ParseTime(std::string_view text) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0;
  if (!Digits(text, 0, 4, &y) || text.size() < 10 || text[4] != '-' || !Digits(text, 5, 2, &mo) || text[7] != '-' ||
      !Digits(text, 8, 2, &d)) {
    return std::nullopt;
  }
  year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  sys_seconds result = time_point_cast<seconds>(sys_days{date});
  if (text.size() == 10) return result;
  int h = 0, mi = 0, s = 0;
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !Digits(text, 11, 2, &h) ||
      text[13] != ':' || !Digits(text, 14, 2, &mi) || text[16] != ':' || !Digits(text, 17, 2, &s)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || s > 60) return std::nullopt;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos, ++digits;
    if (digits == 0) return std::nullopt;
  }
  result += hours{h} + minutes{mi} + seconds{s};
  if (pos >= text.size()) return std::nullopt;
  if ((text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) return result;
  int oh = 0, om = 0;
  if ((text[pos] == '+' || text[pos] == '-') && pos + 6 == text.size() && Digits(text, pos + 1, 2, &oh) &&
      text[pos + 3] == ':' && Digits(text, pos + 4, 2, &om)) {
    seconds offset = hours{oh} + minutes{om};
    return text[pos] == '+' ? result - offset : result + offset;
  }
  return std::nullopt;
}

namespace internal {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Suggest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& candidate : candidates) {
    size_t distance = EditDistance(word, candidate);
    if (distance < best_distance && distance < std::max(word.size(), candidate.size())) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string JoinQuoted(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

bool IsDuration(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  if (text.empty()) return false;
  if (text == "0") return true;
  while (!text.empty()) {
    size_t digits = 0;
    bool dot = false;
    while (!text.empty() && ((text[0] >= '0' && text[0] <= '9') || (text[0] == '.' && !dot))) {
      if (text[0] == '.') dot = true;
      else ++digits;
      text.remove_prefix(1);
    }
    if (digits == 0) return false;
    static constexpr std::string_view kUnits[] = {"ns", "us", "ms", "h", "m", "s"};
    bool matched = false;
    for (std::string_view unit : kUnits) {
      if (text.substr(0, unit.size()) == unit) {
        text.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

}  // namespace internal

std::string FormatDiagnostic(const PolicyDiagnostic& d) {
  std::string out = d.location.file + ":" + std::to_string(d.location.line) + ":" + std::to_string(d.location.column) +
                    (d.warning ? ": warning " : ": error ") + d.code + ": " + d.message + "\n";
  if (!d.snippet.empty()) out += d.snippet + "\n";
  return out;
}

std::string FormatDiagnostics(const std::vector<PolicyDiagnostic>& diagnostics) {
  std::string out;
  for (const PolicyDiagnostic& d : diagnostics) out += FormatDiagnostic(d);
  return out;
}

int LoadResult::errors() const {
  return static_cast<int>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                        [](const PolicyDiagnostic& d) { return !d.warning; }));
}

int LoadResult::warnings() const { return static_cast<int>(diagnostics.size()) - errors(); }

}  // namespace stagegate::policy
