// A Markdown summary for CI job pages such as GitHub's step summary
// (docs/formats/decision.md#markdown).

#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "reports/internal.h"
#include "reports/reports.h"

namespace stagegate::reports {
namespace {

namespace in = internal;
using in::Cell;

// Tables list at most this many rows; a line counts the rest, which the JSON
// and SARIF reports hold in full. Keeps step summaries readable (GitHub caps
// them at 1 MiB) for audits with thousands of failures.
constexpr size_t kMaxTableRows = 50;
// Evidence values longer than this are cut in tables.
constexpr size_t kMaxEvidenceValueChars = 80;

// Returns `text` cut to at most `max` bytes at a UTF-8 character boundary,
// with an ellipsis when cut.
std::string Cut(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

std::string Evidence(const eval::OutcomeRecord& outcome) {
  std::string out;
  for (const auto& [name, value] : outcome.evidence) {
    if (!out.empty()) out += "<br>";
    out += Cell(name) + " = " +
           Cell(Cut(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kMaxEvidenceValueChars));
  }
  return out;
}

std::string Reason(const eval::OutcomeRecord& outcome) {
  if (!outcome.message.empty()) return outcome.message;
  if (outcome.outcome == eval::Outcome::kNotEvaluable && !outcome.missing_fact.empty()) {
    return "fact " + outcome.missing_fact + " is missing";
  }
  return std::string(in::OutcomeText(outcome.outcome));
}

void More(std::string& out, size_t total, std::string_view what) {
  if (total > kMaxTableRows) {
    out += fmt::format("\n...and {} more {} (see the JSON or SARIF report).\n", total - kMaxTableRows, what);
  }
}

}  // namespace

std::string RenderMarkdown(const eval::RunResult& result) {
  std::unordered_map<std::string, const eval::RuleInfo*> rules;
  for (const auto& rule : result.rules) rules.emplace(rule.id, &rule);
  std::vector<const eval::OutcomeRecord*> failures, errors;
  for (const auto& outcome : result.outcomes) {
    if (outcome.outcome == eval::Outcome::kFail) failures.push_back(&outcome);
    if (outcome.outcome == eval::Outcome::kError || outcome.outcome == eval::Outcome::kNotEvaluable) {
      errors.push_back(&outcome);
    }
  }
  const eval::Counts& counts = result.counts;
  const std::string decision = result.decision == eval::Decision::kDeny ? "DENY" : "ALLOW";
  const std::string kind = result.kind.empty() ? "gate" : result.kind;

  std::string out = fmt::format("## Stagegate {}: {}\n\n", Cell(kind), decision);
  out += fmt::format("**Decision: {}** · fail {} · error {} · not evaluable {} · waived {} · pass {} · "
                     "fail-on: {}\n\n",
                     decision, counts.fail, counts.error, counts.not_evaluable, counts.waived, counts.pass,
                     in::SeverityText(result.fail_on));
  if (!result.deny_reasons.empty()) {
    out += "Denied because:\n\n";
    for (size_t i = 0; i < result.deny_reasons.size() && i < kMaxTableRows; ++i) {
      out += "- " + Cell(result.deny_reasons[i]) + "\n";
    }
    More(out, result.deny_reasons.size(), "reasons");
    out += "\n";
  }

  out += "| Outcome | Count |\n|---|---:|\n";
  out += fmt::format("| pass | {} |\n| fail | {} |\n| error | {} |\n| not evaluable | {} |\n| waived | {} |\n"
                     "| not applicable | {} |\n| **total** | **{}** |\n\n",
                     counts.pass, counts.fail, counts.error, counts.not_evaluable, counts.waived,
                     counts.not_applicable, counts.total());

  const bundle::SourceInfo& source = result.policy_source;
  out += fmt::format("Policies: {} `{}`", Cell(source.kind), Cell(source.location));
  if (!source.ref.empty()) out += fmt::format(" at `{}`", Cell(source.ref));
  if (!source.commit.empty()) out += fmt::format(", commit `{}`", Cell(source.commit));
  if (source.dirty) out += " (uncommitted changes)";
  out += fmt::format(". Evaluated at {}", Cell(result.evaluated_at));
  if (!result.engine_version.empty()) out += fmt::format(" by Stagegate {}", Cell(result.engine_version));
  out += ".\n";

  if (!failures.empty()) {
    out += fmt::format("\n### Failures ({})\n\n| Rule | Subject | Reason | Evidence | Severity |\n|---|---|---|---|---|\n",
                       failures.size());
    for (size_t i = 0; i < failures.size() && i < kMaxTableRows; ++i) {
      const eval::OutcomeRecord& o = *failures[i];
      auto it = rules.find(o.rule_id);
      std::string severity = it == rules.end() ? "" : std::string(in::SeverityText(it->second->severity));
      if (it != rules.end() && it->second->enforcement != eval::Enforcement::kDeny) {
        severity += fmt::format(" ({})", in::EnforcementText(it->second->enforcement));
      }
      out += fmt::format("| {} | {} | {} | {} | {} |\n", Cell(o.rule_id), Cell(in::SubjectName(o)), Cell(Reason(o)),
                         Evidence(o), severity);
    }
    More(out, failures.size(), "failures");
  }

  if (!errors.empty()) {
    out += fmt::format("\n### Errors and not evaluable ({})\n\n| Rule | Subject | Outcome | Reason |\n|---|---|---|---|\n",
                       errors.size());
    for (size_t i = 0; i < errors.size() && i < kMaxTableRows; ++i) {
      const eval::OutcomeRecord& o = *errors[i];
      out += fmt::format("| {} | {} | {} | {} |\n", Cell(o.rule_id), Cell(in::SubjectName(o)),
                         Cell(in::OutcomeText(o.outcome)), Cell(Reason(o)));
    }
    More(out, errors.size(), "errors");
  }

  std::vector<const eval::WaiverInfo*> waivers;
  for (const auto& waiver : result.waivers) {
    if (waiver.expired || in::ExpiringSoon(waiver)) waivers.push_back(&waiver);
  }
  if (!waivers.empty()) {
    out += fmt::format("\n### Waivers expired or expiring within {} days ({})\n\n"
                       "| Waiver | Rule | Expires | Status | Approver | Reason |\n|---|---|---|---|---|---|\n",
                       in::kWaiverExpiringSoonDays, waivers.size());
    for (size_t i = 0; i < waivers.size() && i < kMaxTableRows; ++i) {
      const eval::WaiverInfo& w = *waivers[i];
      std::string status = w.expired ? fmt::format("expired {} days ago", -w.days_left)
                                     : fmt::format("{} days left", w.days_left);
      if (w.expired && w.days_left == 0) status = "expired";
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", Cell(w.id), Cell(w.rule_id), Cell(w.expires), status,
                         Cell(w.approver), Cell(w.reason));
    }
    More(out, waivers.size(), "waivers");
  }
  return out;
}

}  // namespace stagegate::reports
