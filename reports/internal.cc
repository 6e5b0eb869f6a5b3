#include "reports/internal.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>

namespace stagegate::reports::internal {

std::string_view OutcomeText(eval::Outcome outcome) {
  switch (outcome) {
    case eval::Outcome::kPass: return "pass";
    case eval::Outcome::kFail: return "fail";
    case eval::Outcome::kNotEvaluable: return "not_evaluable";
    case eval::Outcome::kError: return "error";
    case eval::Outcome::kWaived: return "waived";
    case eval::Outcome::kNotApplicable: return "not_applicable";
  }
  return "unknown";
}

std::string_view SeverityText(eval::Severity severity) {
  switch (severity) {
    case eval::Severity::kInfo: return "info";
    case eval::Severity::kLow: return "low";
    case eval::Severity::kMedium: return "medium";
    case eval::Severity::kHigh: return "high";
    case eval::Severity::kCritical: return "critical";
  }
  return "unknown";
}

std::string_view EnforcementText(eval::Enforcement enforcement) {
  switch (enforcement) {
    case eval::Enforcement::kDeny: return "deny";
    case eval::Enforcement::kWarn: return "warn";
    case eval::Enforcement::kAudit: return "audit";
  }
  return "unknown";
}

std::string_view DecisionText(eval::Decision decision) {
  switch (decision) {
    case eval::Decision::kAllow: return "allow";
    case eval::Decision::kDeny: return "deny";
  }
  return "unknown";
}

bool ExpiringSoon(const eval::WaiverInfo& waiver) {
  return !waiver.expired && waiver.days_left <= kWaiverExpiringSoonDays;
}

bool Denies(const eval::RuleInfo& rule, eval::Outcome outcome, eval::Severity fail_on) {
  return eval::IsFinding(outcome) && rule.enforcement == eval::Enforcement::kDeny && rule.severity >= fail_on;
}

std::string RepositoryPath(const bundle::SourceInfo& source, const std::string& file) {
  std::string_view prefix = source.path_in_repo;
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  std::string_view rest = file;
  while (rest.starts_with("./")) rest.remove_prefix(2);
  if (prefix.empty() || prefix == ".") return std::string(rest);
  if (rest.empty()) return std::string(prefix);
  return std::string(prefix) + "/" + std::string(rest);
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000;
    }
    bool ok = length != 0 && i + length <= text.size();
    uint32_t code = ok ? (c & (0x7F >> length)) : 0;
    for (size_t k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      ok = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    ok = ok && code >= min && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    if (ok) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

std::string SubjectName(const eval::OutcomeRecord& outcome) {
  return outcome.subject_kind + "/" + outcome.subject_id;
}

std::vector<std::string> WaiverNotices(const eval::RunResult& result) {
  std::vector<std::string> notices;
  for (const eval::WaiverInfo& waiver : result.waivers) {
    if (waiver.expired) {
      notices.push_back(fmt::format("{} ({}): expired on {}; it no longer applies", waiver.id, waiver.rule_id,
                                    waiver.expires));
    } else if (ExpiringSoon(waiver)) {
      notices.push_back(fmt::format("{} ({}): expires {}, {} day{} left", waiver.id, waiver.rule_id, waiver.expires,
                                    waiver.days_left, waiver.days_left == 1 ? "" : "s"));
    }
  }
  return notices;
}

std::string Cell(std::string_view raw) {
  const std::string text = ValidUtf8(raw);
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '|': case '\\': case '`': case '*': case '_': case '[': case ']': case '#': case '~':
        out += '\\';
        out += c;
        break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;
        out += "<br>";
        break;
      case '\n': out += "<br>"; break;
      case '\t': out += ' '; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace stagegate::reports::internal
