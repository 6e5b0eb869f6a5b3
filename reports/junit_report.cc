// A JUnit XML report as Jenkins, GitLab and GitHub test reporters read it
// (docs/formats/decision.md#junit-xml).

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "reports/internal.h"
#include "reports/reports.h"

namespace stagegate::reports {
namespace {

namespace in = internal;

// Returns `text` escaped for XML 1.0 character data or a double-quoted
// attribute: markup characters as entities, characters XML 1.0 forbids
// (C0 controls other than tab, newline and carriage return; U+FFFE, U+FFFF;
// invalid UTF-8) as U+FFFD. In attributes, tab and line breaks become
// character references so that parsers keep them.
std::string Escape(std::string_view raw, bool attribute) {
  const std::string text = in::ValidUtf8(raw);
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          // DEL is allowed by XML 1.0 but discouraged; both become visible.
          out += "\xEF\xBF\xBD";
        } else if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
                   (static_cast<unsigned char>(text[i + 2]) == 0xBE || static_cast<unsigned char>(text[i + 2]) == 0xBF)) {
          out += "\xEF\xBF\xBD";  // U+FFFE or U+FFFF
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string Attr(std::string_view text) { return Escape(text, true); }
std::string Text(std::string_view text) { return Escape(text, false); }

struct Case {
  const eval::OutcomeRecord* outcome;
  std::string name;
};

struct Suite {
  std::vector<Case> cases;
  int64_t failures = 0, errors = 0, skipped = 0;
};

std::string EvidenceBody(const eval::OutcomeRecord& outcome) {
  std::string body;
  for (const auto& [name, value] : outcome.evidence) {
    body += name + " = " + value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return body;
}

std::string PolicyOf(const eval::OutcomeRecord& outcome,
                     const std::unordered_map<std::string, const eval::RuleInfo*>& rules) {
  if (auto it = rules.find(outcome.rule_id); it != rules.end()) return it->second->policy;
  return outcome.rule_id.substr(0, outcome.rule_id.find('/'));
}

void WriteCase(std::string& out, const Case& c, const eval::RuleInfo* rule) {
  const eval::OutcomeRecord& o = *c.outcome;
  out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0\"", Attr(c.name), Attr(o.rule_id));
  std::string severity = rule ? std::string(in::SeverityText(rule->severity)) : "";
  switch (o.outcome) {
    case eval::Outcome::kPass:
      out += "/>\n";
      return;
    case eval::Outcome::kFail: {
      out += ">\n";
      std::string message = o.message.empty() ? "assertion failed" : o.message;
      out += fmt::format("      <failure message=\"{}\" type=\"fail\">", Attr(message));
      std::string body = fmt::format("{}\nsubject: {}/{}\nseverity: {}\n", message, o.subject_kind, o.subject_id,
                                     severity);
      if (rule && !rule->expression.empty()) body += "assert: " + rule->expression + "\n";
      if (!o.evidence.empty()) body += "evidence:\n" + EvidenceBody(o);
      out += Text(body) + "</failure>\n";
      break;
    }
    case eval::Outcome::kError:
    case eval::Outcome::kNotEvaluable: {
      out += ">\n";
      const bool missing = o.outcome == eval::Outcome::kNotEvaluable;
      std::string message = o.message;
      if (message.empty()) message = missing ? "fact " + o.missing_fact + " is missing" : "rule error";
      out += fmt::format("      <error message=\"{}\" type=\"{}\">", Attr(message), missing ? "not_evaluable" : "error");
      std::string body = message + "\n";
      if (missing && !o.missing_fact.empty()) body += "missing fact: " + o.missing_fact + "\n";
      if (!o.evidence.empty()) body += "evidence:\n" + EvidenceBody(o);
      out += Text(body) + "</error>\n";
      break;
    }
    case eval::Outcome::kWaived: {
      out += ">\n";
      std::string message = "waived by " + o.waiver + (o.message.empty() ? "" : ": " + o.message);
      out += fmt::format("      <skipped message=\"{}\"/>\n", Attr(message));
      break;
    }
    case eval::Outcome::kNotApplicable:
      out += ">\n";
      out += "      <skipped message=\"not applicable: the policy selector or the rule's when condition is false\"/>\n";
      break;
  }
  out += "    </testcase>\n";
}

}  // namespace

std::string RenderJUnit(const eval::RunResult& result) {
  std::unordered_map<std::string, const eval::RuleInfo*> rules;
  for (const auto& rule : result.rules) rules.emplace(rule.id, &rule);

  std::map<std::string, Suite> suites;  // by policy name: deterministic order
  for (const auto& rule : result.rules) suites.try_emplace(rule.policy);
  std::unordered_set<std::string> names;
  int64_t failures = 0, errors = 0, skipped = 0, tests = 0;
  for (const auto& outcome : result.outcomes) {
    Suite& suite = suites[PolicyOf(outcome, rules)];
    std::string name = fmt::format("{} [{}/{}]", outcome.rule_id, outcome.subject_kind, outcome.subject_id);
    // (rule, subject) pairs are unique in a RunResult; should one repeat,
    // its test case still gets a name of its own.
    // Compared as written (escaped), where replaced characters may coincide.
    for (int n = 2; !names.insert(Attr(name)).second; ++n) {
      name = fmt::format("{} [{}/{}] #{}", outcome.rule_id, outcome.subject_kind, outcome.subject_id, n);
    }
    suite.cases.push_back(Case{&outcome, std::move(name)});
    switch (outcome.outcome) {
      case eval::Outcome::kFail: ++suite.failures; break;
      case eval::Outcome::kError:
      case eval::Outcome::kNotEvaluable: ++suite.errors; break;
      case eval::Outcome::kWaived:
      case eval::Outcome::kNotApplicable: ++suite.skipped; break;
      case eval::Outcome::kPass: break;
    }
  }
  for (const auto& [_, suite] : suites) {
    tests += static_cast<int64_t>(suite.cases.size());
    failures += suite.failures, errors += suite.errors, skipped += suite.skipped;
  }

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\"",
                     Attr("stagegate " + (result.kind.empty() ? std::string("gate") : result.kind)), tests, failures,
                     errors, skipped);
  if (!result.evaluated_at.empty()) out += fmt::format(" timestamp=\"{}\"", Attr(result.evaluated_at));
  out += ">\n";
  const bundle::SourceInfo& source = result.policy_source;
  int id = 0;
  for (const auto& [policy, suite] : suites) {
    out += fmt::format("  <testsuite name=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\"",
                       Attr(policy), id++, suite.cases.size(), suite.failures, suite.errors, suite.skipped);
    if (!result.evaluated_at.empty()) out += fmt::format(" timestamp=\"{}\"", Attr(result.evaluated_at));
    out += ">\n    <properties>\n";
    auto property = [&out](std::string_view name, std::string_view value) {
      out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, Attr(value));
    };
    property("decision", in::DecisionText(result.decision));
    property("fail_on", in::SeverityText(result.fail_on));
    property("policy_source", source.kind + ":" + source.location);
    if (!source.ref.empty()) property("policy_ref", source.ref);
    if (!source.commit.empty()) property("policy_commit", source.commit);
    if (!source.tree.empty()) property("policy_tree", source.tree);
    if (!result.engine_version.empty()) property("engine_version", result.engine_version);
    for (const std::string& notice : in::WaiverNotices(result)) property("waiver_notice", notice);
    out += "    </properties>\n";
    for (const Case& c : suite.cases) {
      auto it = rules.find(c.outcome->rule_id);
      WriteCase(out, c, it == rules.end() ? nullptr : it->second);
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace stagegate::reports
