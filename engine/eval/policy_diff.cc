#include "engine/eval/policy_diff.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

namespace stagegate::eval {
namespace {

constexpr std::string_view kNone = "(none)";
// Field changes longer than this (before and after together) render on two
// lines in text output.
constexpr size_t kInlineChangeWidth = 64;

// Collapses runs of whitespace (block scalars) to one space.
std::string OneLine(std::string_view text) {
  std::string result;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !result.empty();
      continue;
    }
    if (space) result += ' ';
    space = false;
    result += c;
  }
  return result;
}

std::string List(const std::vector<std::string>& items) {
  std::string text = "[";
  for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + items[i];
  return text + "]";
}

std::string ShortId(const std::string& hex) { return hex.substr(0, 12); }

std::string RepoLocation(const FileLocation& location, const bundle::SourceInfo& source) {
  if (location.file.empty()) return "";
  std::string file = source.path_in_repo.empty() ? location.file : source.path_in_repo + "/" + location.file;
  if (location.line > 0) file += ":" + std::to_string(location.line);
  return file;
}

// Everything about a rule instance that affects its judgement, rendered.
struct RuleView {
  const policy::Policy* policy = nullptr;
  const policy::RuleInstance* instance = nullptr;

  std::vector<std::pair<std::string, std::string>> Fields() const {
    std::vector<std::pair<std::string, std::string>> fields;
    const policy::RuleTemplate& rule = *instance->rule;
    fields.emplace_back("subject", std::string(facts::SubjectKindName(rule.subject)));
    std::string selector(kNone);
    if (policy->selector && policy->selector_kind == rule.subject) selector = OneLine(policy->selector->text);
    fields.emplace_back("selector", selector);
    fields.emplace_back("when", rule.when ? OneLine(rule.when->text) : std::string(kNone));
    fields.emplace_back("assert", OneLine(rule.assertion.text));
    if (instance->params.is_object()) {
      for (const auto& [name, value] : instance->params.items()) fields.emplace_back("params." + name, value.dump());
    }
    for (const policy::Variable* variable : instance->variables) {
      if (variable != nullptr) fields.emplace_back("variables." + variable->name, OneLine(variable->expression.text));
    }
    fields.emplace_back("severity", std::string(SeverityName(instance->severity)));
    fields.emplace_back("enforcement", std::string(EnforcementName(policy->enforcement)));
    std::vector<std::string> stages;
    for (policy::Stage stage : policy->stages) stages.emplace_back(policy::StageName(stage));
    fields.emplace_back("stages", List(stages));
    std::vector<std::string> controls = instance->controls;
    std::sort(controls.begin(), controls.end());
    fields.emplace_back("controls", List(controls));
    std::string message = rule.message_expression ? "expression: " + OneLine(rule.message_expression->text)
                                                  : OneLine(rule.message.text);
    fields.emplace_back("message", message.empty() ? std::string(kNone) : message);
    return fields;
  }
};

std::map<std::string, RuleView> RulesOf(const policy::LoadedBundle& bundle) {
  std::map<std::string, RuleView> rules;
  for (const policy::Policy& policy : bundle.policies) {
    for (const policy::RuleInstance& instance : policy.rules) {
      rules[policy.name + "/" + instance.id] = RuleView{&policy, &instance};
    }
  }
  return rules;
}

// The changed fields, in the order of `before`'s fields with fields only
// `after` has (new params, new variables) after them.
std::vector<FieldChange> CompareFields(const RuleView& before, const RuleView& after) {
  const auto a = before.Fields();
  const auto b = after.Fields();
  std::vector<FieldChange> changes;
  auto find = [](const auto& fields, const std::string& name) -> const std::string* {
    for (const auto& [field, value] : fields) {
      if (field == name) return &value;
    }
    return nullptr;
  };
  for (const auto& [field, value] : a) {
    const std::string* other = find(b, field);
    if (other == nullptr) {
      changes.push_back({field, value, std::string(kNone)});
    } else if (*other != value) {
      changes.push_back({field, value, *other});
    }
  }
  for (const auto& [field, value] : b) {
    if (find(a, field) == nullptr) changes.push_back({field, std::string(kNone), value});
  }
  return changes;
}

bool Blocking(std::optional<Outcome> outcome) {
  return outcome && IsFinding(*outcome);
}

std::string OutcomeText(std::optional<Outcome> outcome) {
  return outcome ? std::string(OutcomeName(*outcome)) : std::string("(absent)");
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string Pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

// ---- Markdown helpers

// Escapes text for a Markdown table cell.
std::string Cell(std::string_view text) {
  std::string result;
  for (char c : text) {
    if (c == '|') {
      result += "\\|";
    } else if (c == '\n') {
      result += "<br>";
    } else {
      result += c;
    }
  }
  return result;
}

// Wraps text in a code span that survives backticks inside it.
std::string Code(std::string_view text) {
  if (text.empty()) return "";
  const std::string fence = text.find('`') == std::string_view::npos ? "`" : "``";
  const std::string pad = fence.size() > 1 ? " " : "";
  return fence + pad + Cell(text) + pad + fence;
}

std::string RevisionLabel(const bundle::SourceInfo& source) {
  std::string label = source.ref.empty() ? source.location : source.ref;
  if (!source.commit.empty()) label += " (" + ShortId(source.commit) + ")";
  return label;
}

std::string InputsSummary(const PolicyDiff& diff) {
  return Plural(static_cast<int64_t>(diff.inputs.size()), "input file", "input files") + ", " +
         Plural(diff.subjects, "subject", "subjects");
}

nlohmann::json SourceJson(const bundle::SourceInfo& source) {
  return {{"kind", source.kind}, {"location", source.location}, {"ref", source.ref},
          {"commit", source.commit}, {"tree", source.tree}, {"path", source.path_in_repo}};
}

nlohmann::json CountsJson(const Counts& counts) {
  return {{"pass", counts.pass},   {"fail", counts.fail},     {"not_evaluable", counts.not_evaluable},
          {"error", counts.error}, {"waived", counts.waived}, {"not_applicable", counts.not_applicable}};
}

nlohmann::json OutcomeJson(std::optional<Outcome> outcome) {
  return outcome ? nlohmann::json(std::string(OutcomeName(*outcome))) : nlohmann::json(nullptr);
}

}  // namespace

std::string_view RuleChangeKindName(RuleChangeKind kind) {
  switch (kind) {
    case RuleChangeKind::kAdded: return "added";
    case RuleChangeKind::kRemoved: return "removed";
    case RuleChangeKind::kChanged: return "changed";
  }
  return "changed";
}

bool OutcomeFlip::worse() const { return Blocking(after) && !Blocking(before); }

PolicyDiff DiffPolicies(const policy::LoadedBundle& from, const policy::LoadedBundle& to) {
  PolicyDiff diff;
  diff.from = from.source;
  diff.to = to.source;
  const auto before = RulesOf(from);
  const auto after = RulesOf(to);
  for (const auto& [id, view] : before) {
    auto other = after.find(id);
    if (other == after.end()) {
      diff.rules.push_back({RuleChangeKind::kRemoved, id, view.instance->rule->title,
                            RepoLocation(view.instance->location, from.source), {}});
      ++diff.removed;
      continue;
    }
    std::vector<FieldChange> changes = CompareFields(view, other->second);
    if (changes.empty()) {
      ++diff.unchanged;
      continue;
    }
    diff.rules.push_back({RuleChangeKind::kChanged, id, other->second.instance->rule->title,
                          RepoLocation(other->second.instance->location, to.source), std::move(changes)});
    ++diff.changed;
  }
  for (const auto& [id, view] : after) {
    if (before.count(id) != 0) continue;
    diff.rules.push_back(
        {RuleChangeKind::kAdded, id, view.instance->rule->title, RepoLocation(view.instance->location, to.source), {}});
    ++diff.added;
  }
  std::sort(diff.rules.begin(), diff.rules.end(),
            [](const RuleChange& a, const RuleChange& b) { return a.rule < b.rule; });
  return diff;
}

void AddOutcomeDiff(const RunResult& before, const RunResult& after, int64_t subjects, PolicyDiff* diff) {
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, std::pair<const OutcomeRecord*, const OutcomeRecord*>> joined;
  for (const OutcomeRecord& record : before.outcomes) {
    joined[{record.rule_id, record.subject_kind, record.subject_id}].first = &record;
  }
  for (const OutcomeRecord& record : after.outcomes) {
    joined[{record.rule_id, record.subject_kind, record.subject_id}].second = &record;
  }
  diff->flips.clear();
  for (const auto& [key, pair] : joined) {
    const auto& [old_record, new_record] = pair;
    std::optional<Outcome> a, b;
    if (old_record != nullptr) a = old_record->outcome;
    if (new_record != nullptr) b = new_record->outcome;
    if (a == b) continue;
    auto quiet = [](std::optional<Outcome> o) { return o && (*o == Outcome::kPass || *o == Outcome::kNotApplicable); };
    if ((!a && quiet(b)) || (!b && quiet(a))) continue;
    OutcomeFlip flip;
    std::tie(flip.rule, flip.subject_kind, flip.subject_id) = key;
    flip.before = a;
    flip.after = b;
    // Explain with the side that does not pass: after, unless only before blocks.
    const OutcomeRecord* explain = new_record;
    if (explain == nullptr || (b && (*b == Outcome::kPass || *b == Outcome::kNotApplicable))) explain = old_record;
    if (explain != nullptr) {
      flip.message = explain->message;
      flip.evidence = explain->evidence;
    }
    diff->flips.push_back(std::move(flip));
  }
  diff->evaluated = true;
  diff->inputs = after.inputs;
  diff->subjects = subjects;
  diff->evaluated_at = after.evaluated_at;
  diff->decision_before = before.decision;
  diff->decision_after = after.decision;
  diff->counts_before = before.counts;
  diff->counts_after = after.counts;
}

// ---------------------------------------------------------------------------
// Text

std::string RenderDiffText(const PolicyDiff& diff) {
  std::ostringstream out;
  out << "policy diff of " << diff.to.location << (diff.to.path_in_repo.empty() ? "" : "/" + diff.to.path_in_repo)
      << "\n";
  out << "  from  " << RevisionLabel(diff.from) << "\n";
  out << "  to    " << RevisionLabel(diff.to) << "\n\n";

  out << "rules: " << diff.added << " added, " << diff.removed << " removed, " << diff.changed << " changed, "
      << diff.unchanged << " unchanged\n";
  size_t width = 0;
  for (const RuleChange& change : diff.rules) width = std::max(width, change.rule.size());
  for (const RuleChange& change : diff.rules) {
    const char mark = change.kind == RuleChangeKind::kAdded ? '+' : change.kind == RuleChangeKind::kRemoved ? '-' : '~';
    out << "  " << mark << " " << Pad(change.rule, width) << "  " << change.where << "\n";
    size_t field_width = 0;
    for (const FieldChange& field : change.changes) field_width = std::max(field_width, field.field.size());
    for (const FieldChange& field : change.changes) {
      if (field.before.size() + field.after.size() <= kInlineChangeWidth) {
        out << "      " << Pad(field.field, field_width) << "  " << field.before << " → " << field.after << "\n";
      } else {
        out << "      " << field.field << "\n";
        out << "        - " << field.before << "\n";
        out << "        + " << field.after << "\n";
      }
    }
  }

  if (!diff.evaluated) {
    out << "\n(no --input given: decisions were not compared; add --input to see which outcomes flip)\n";
    return out.str();
  }
  out << "\ndecision on " << InputsSummary(diff) << ": " << DecisionName(diff.decision_before) << " → "
      << DecisionName(diff.decision_after) << (diff.decision_before == diff.decision_after ? " (unchanged)" : "")
      << "\n";
  const Counts& a = diff.counts_before;
  const Counts& b = diff.counts_after;
  out << "  pass " << a.pass << " → " << b.pass << ", fail " << a.fail << " → " << b.fail << ", not_evaluable "
      << a.not_evaluable << " → " << b.not_evaluable << ", error " << a.error << " → " << b.error << ", waived "
      << a.waived << " → " << b.waived << "\n";
  if (diff.flips.empty()) {
    out << "\nno outcome flips\n";
    return out.str();
  }
  for (bool worse : {true, false}) {
    std::vector<const OutcomeFlip*> group;
    for (const OutcomeFlip& flip : diff.flips) {
      if (flip.worse() == worse) group.push_back(&flip);
    }
    if (group.empty()) continue;
    out << "\n" << (worse ? "now failing" : "other flips") << " (" << group.size() << "):\n";
    size_t rule_width = 0, subject_width = 0, change_width = 0;
    for (const OutcomeFlip* flip : group) {
      rule_width = std::max(rule_width, flip->rule.size());
      subject_width = std::max(subject_width, flip->subject_kind.size() + 1 + flip->subject_id.size());
      change_width = std::max(change_width, OutcomeText(flip->before).size() + 5 + OutcomeText(flip->after).size());
    }
    for (const OutcomeFlip* flip : group) {
      std::string line = "  " + Pad(flip->rule, rule_width) + "  " +
                         Pad(flip->subject_kind + "/" + flip->subject_id, subject_width) + "  " +
                         Pad(OutcomeText(flip->before) + " → " + OutcomeText(flip->after), change_width + 2);
      if (!flip->message.empty()) line += "  " + flip->message;
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << "\n";
      for (const auto& [name, value] : flip->evidence) out << "      " << name << " = " << value.dump() << "\n";
    }
  }
  return out.str();
}

// ---------------------------------------------------------------------------
// Markdown

std::string RenderDiffMarkdown(const PolicyDiff& diff) {
  std::ostringstream out;
  out << "### Policy diff: " << Code(RevisionLabel(diff.from)) << " → " << Code(RevisionLabel(diff.to)) << "\n\n";
  out << "**Rules:** " << diff.added << " added, " << diff.removed << " removed, " << diff.changed << " changed, "
      << diff.unchanged << " unchanged\n\n";
  if (!diff.rules.empty()) {
    out << "| change | rule | what changed | where |\n|---|---|---|---|\n";
    for (const RuleChange& change : diff.rules) {
      std::string what;
      if (change.kind == RuleChangeKind::kChanged) {
        for (const FieldChange& field : change.changes) {
          if (!what.empty()) what += "<br>";
          what += Code(field.field) + ": " + Code(field.before) + " → " + Code(field.after);
        }
      } else {
        what = Cell(change.title);
      }
      out << "| " << RuleChangeKindName(change.kind) << " | " << Code(change.rule) << " | " << what << " | "
          << Code(change.where) << " |\n";
    }
    out << "\n";
  }
  if (!diff.evaluated) {
    out << "_Decisions were not compared: run with `--input` to see which outcomes flip._\n";
    return out.str();
  }
  const bool same = diff.decision_before == diff.decision_after;
  out << "**Decision** on " << InputsSummary(diff) << ": " << Code(DecisionName(diff.decision_before)) << " → "
      << (same ? "" : "**") << Code(DecisionName(diff.decision_after)) << (same ? " (unchanged)" : "**") << "\n\n";
  const Counts& a = diff.counts_before;
  const Counts& b = diff.counts_after;
  out << "| outcome | before | after |\n|---|---:|---:|\n";
  const std::pair<std::string_view, std::pair<int64_t, int64_t>> rows[] = {
      {"pass", {a.pass, b.pass}},       {"fail", {a.fail, b.fail}},
      {"not_evaluable", {a.not_evaluable, b.not_evaluable}}, {"error", {a.error, b.error}},
      {"waived", {a.waived, b.waived}}, {"not_applicable", {a.not_applicable, b.not_applicable}}};
  for (const auto& [name, counts] : rows) {
    out << "| " << name << " | " << counts.first << " | " << counts.second << " |\n";
  }
  out << "\n";
  if (diff.flips.empty()) {
    out << "No outcome flips.\n";
    return out.str();
  }
  for (bool worse : {true, false}) {
    std::vector<const OutcomeFlip*> group;
    for (const OutcomeFlip& flip : diff.flips) {
      if (flip.worse() == worse) group.push_back(&flip);
    }
    if (group.empty()) continue;
    out << "#### " << (worse ? "Now failing" : "Other flips") << " (" << group.size() << ")\n\n";
    out << "| rule | subject | before | after | reason |\n|---|---|---|---|---|\n";
    for (const OutcomeFlip* flip : group) {
      std::string reason = Cell(flip->message);
      for (const auto& [name, value] : flip->evidence) {
        reason += (reason.empty() ? "" : "<br>") + Code(name + " = " + value.dump());
      }
      out << "| " << Code(flip->rule) << " | " << Code(flip->subject_kind + "/" + flip->subject_id) << " | "
          << OutcomeText(flip->before) << " | " << (worse ? "**" : "") << OutcomeText(flip->after)
          << (worse ? "**" : "") << " | " << reason << " |\n";
    }
    out << "\n";
  }
  return out.str();
}

// ---------------------------------------------------------------------------
// JSON

std::string RenderDiffJson(const PolicyDiff& diff) {
  nlohmann::json json;
  json["version"] = 1;
  json["from"] = SourceJson(diff.from);
  json["to"] = SourceJson(diff.to);
  nlohmann::json rules = nlohmann::json::array();
  for (const RuleChange& change : diff.rules) {
    nlohmann::json entry = {{"rule", change.rule},
                            {"change", std::string(RuleChangeKindName(change.kind))},
                            {"title", change.title},
                            {"location", change.where}};
    nlohmann::json fields = nlohmann::json::array();
    for (const FieldChange& field : change.changes) {
      fields.push_back({{"field", field.field}, {"before", field.before}, {"after", field.after}});
    }
    entry["fields"] = std::move(fields);
    rules.push_back(std::move(entry));
  }
  json["rules"] = std::move(rules);
  json["summary"] = {{"added", diff.added}, {"removed", diff.removed}, {"changed", diff.changed},
                     {"unchanged", diff.unchanged}};
  if (!diff.evaluated) {
    json["evaluation"] = nullptr;
  } else {
    nlohmann::json inputs = nlohmann::json::array();
    for (const InputInfo& input : diff.inputs) {
      inputs.push_back({{"path", input.path}, {"sha256", input.sha256}, {"documents", input.documents}});
    }
    nlohmann::json flips = nlohmann::json::array();
    for (const OutcomeFlip& flip : diff.flips) {
      nlohmann::json evidence = nlohmann::json::object();
      for (const auto& [name, value] : flip.evidence) evidence[name] = value;
      flips.push_back({{"rule", flip.rule},
                       {"subject_kind", flip.subject_kind},
                       {"subject_id", flip.subject_id},
                       {"before", OutcomeJson(flip.before)},
                       {"after", OutcomeJson(flip.after)},
                       {"worse", flip.worse()},
                       {"message", flip.message},
                       {"evidence", std::move(evidence)}});
    }
    json["evaluation"] = {
        {"evaluated_at", diff.evaluated_at},
        {"inputs", std::move(inputs)},
        {"subjects", diff.subjects},
        {"decision", {{"before", std::string(DecisionName(diff.decision_before))},
                      {"after", std::string(DecisionName(diff.decision_after))}}},
        {"counts", {{"before", CountsJson(diff.counts_before)}, {"after", CountsJson(diff.counts_after)}}},
        {"flips", std::move(flips)},
    };
  }
  return json.dump(2) + "\n";
}

}  // namespace stagegate::eval
