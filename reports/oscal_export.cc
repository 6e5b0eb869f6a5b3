// The OSCAL export of a recorded run: an assessment-results document, OSCAL
// 1.0.4 (NIST's JSON Schema in tests/data/oscal/). docs/formats/evidence.md,
// section "Exports", describes every field and the choices made here.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/common/uuid.h"
#include "reports/evidence_exports.h"
#include "reports/export_internal.h"
#include "reports/internal.h"
#include "reports/streamed_json.h"

namespace stagegate::reports {
namespace {

using Json = nlohmann::ordered_json;
using exports::OutcomeView;
using exports::RuleView;
using exports::RunView;

// ---------------------------------------------------------------------------
// Text: OSCAL's constrained strings and its Markdown fields.

// Decodes the UTF-8 code point at `text[*pos]` and advances past it; `text`
// must be valid UTF-8.
uint32_t NextCodePoint(std::string_view text, size_t* pos) {
  const auto c = static_cast<unsigned char>(text[*pos]);
  size_t length = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
  if (*pos + length > text.size()) length = text.size() - *pos;
  uint32_t code = length == 1 ? c : c & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) code = (code << 6) | (static_cast<unsigned char>(text[*pos + k]) & 0x3F);
  *pos += length;
  return code;
}

// Line terminators and white space as ECMAScript regular expressions see
// them: the schema's patterns are written for that dialect (`.` and `\S`).
bool IsLineTerminator(uint32_t c) { return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029; }
bool IsWhiteSpace(uint32_t c) {
  return c == '\t' || c == '\n' || c == 0x0B || c == 0x0C || c == '\r' || c == ' ' || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000 || c == 0xFEFF;
}

// Returns true when `text` fits OSCAL's "string" type (`^\S(.*\S)?$`), the
// type of property values: not empty, one line, no white space at either end.
bool IsOscalString(std::string_view text) {
  if (text.empty()) return false;
  size_t pos = 0;
  const uint32_t first = NextCodePoint(text, &pos);
  uint32_t last = first;
  if (IsLineTerminator(first)) return false;
  while (pos < text.size()) {
    last = NextCodePoint(text, &pos);
    if (IsLineTerminator(last)) return false;
  }
  return !IsWhiteSpace(first) && !IsWhiteSpace(last);
}

// Returns true when `text` is an ASCII OSCAL token
// (`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$` restricted to ASCII).
bool IsAsciiToken(std::string_view text) {
  if (text.empty()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool other = (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!(letter || (i > 0 && other))) return false;
  }
  return true;
}

// Returns `raw` as Markdown text that renders as written: Markdown's inline
// punctuation backslash-escaped, `<` and `&` escaped so that nothing is taken
// for HTML.
std::string MarkdownText(std::string_view raw) {
  const std::string text = internal::ValidUtf8(raw);
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>': case '&': case '#':
      case '|': case '~':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Returns `raw` on one line, for titles (OSCAL markup-line): line breaks and
// other control characters become spaces.
std::string OneLine(std::string_view raw) {
  std::string text = internal::ValidUtf8(raw);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return text;
}

// Returns "1 rule", "2 rules".
std::string Count(size_t n, std::string_view noun) { return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s"); }

size_t LongestBacktickRun(std::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

// Returns `raw` as a Markdown code span (identifiers: rule ids, fact names).
std::string CodeSpan(std::string_view raw) {
  std::string text = internal::ValidUtf8(raw);
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  const std::string fence(LongestBacktickRun(text) + 1, '`');
  const bool pad = text.starts_with('`') || text.ends_with('`') || text.starts_with(' ') || text.ends_with(' ');
  return pad ? fence + " " + text + " " + fence : fence + text + fence;
}

// Returns `code` as a fenced Markdown code block, its fence longer than any
// run of backticks inside.
std::string CodeBlock(std::string_view info, std::string_view code) {
  const std::string fence(std::max<size_t>(3, LongestBacktickRun(code) + 1), '`');
  return fmt::format("{}{}\n{}\n{}", fence, info, code, fence);
}

// Returns the OSCAL form of a control id ("SR-7.6" -> "sr-7.6"): ASCII
// letters lowercased; "(n)" enhancements as ".n" ("AC-2(1)" -> "ac-2.1", as
// NIST's catalogs write them); every other character outside letters,
// digits, ".", "-" and "_" becomes "-" (one per character); and "_" is put in
// front when the id would not start with a letter or "_".
std::string OscalControlId(std::string_view raw) {
  std::string_view text = raw;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '(') {
      size_t end = i + 1;
      while (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end]))) ++end;
      if (end > i + 1 && end < text.size() && text[end] == ')') {
        out += '.';
        for (size_t k = i + 1; k < end; ++k) {
          out += static_cast<char>(std::tolower(static_cast<unsigned char>(text[k])));
        }
        i = end;
        continue;
      }
    }
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      out += static_cast<char>(std::tolower(c));
    } else if (c < 0x80 || (c & 0xC0) != 0x80) {  // one "-" per character, not per byte
      out += '-';
    }
  }
  if (out.empty() || !(std::isalpha(static_cast<unsigned char>(out[0])) || out[0] == '_')) out.insert(0, "_");
  return out;
}

// ---------------------------------------------------------------------------
// Identifiers.

// Name-based UUIDs: `parts` joined with NUL, so that no two different lists
// of parts give the same name (ids may contain any other character).
std::string StableUuid(std::initializer_list<std::string_view> parts) {
  std::string name;
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) name += '\0';
    name.append(part);
    first = false;
  }
  return common::UuidV5(kOscalUuidNamespace, name);
}

std::string SubjectUuid(const OutcomeView& o) { return StableUuid({"subject", o.subject_kind, o.subject_id}); }

// A property in Stagegate's namespace; left out (the same text is always in a
// description or remarks too) when the value does not fit OSCAL's string type.
void AddProp(Json& props, std::string_view name, std::string_view value, std::string_view prop_class = "") {
  const std::string text = internal::ValidUtf8(value);
  if (!IsOscalString(text)) return;
  Json prop;
  prop["name"] = name;
  prop["ns"] = kOscalPropertyNamespace;
  prop["value"] = text;
  if (!prop_class.empty()) prop["class"] = prop_class;
  props.push_back(std::move(prop));
}

// Moves `array` into `object` unless empty (OSCAL arrays have at least one item).
void SetArray(Json& object, std::string_view key, Json array) {
  if (!array.empty()) object[std::string(key)] = std::move(array);
}

// ---------------------------------------------------------------------------
// The pieces of the document.

struct ControlRef {
  std::string framework;   // "" when the reference has no "framework:" part
  std::string control_id;  // OSCAL form
  bool operator<(const ControlRef& other) const {
    return std::tie(framework, control_id) < std::tie(other.framework, other.control_id);
  }
  bool operator==(const ControlRef& other) const = default;
};

ControlRef ParseControl(std::string_view reference) {
  const size_t colon = reference.find(':');
  if (colon == std::string_view::npos) return {"", OscalControlId(reference)};
  return {std::string(reference.substr(0, colon)), OscalControlId(reference.substr(colon + 1))};
}

struct ControlUse {
  std::set<std::string> references;    // as written in the policies
  std::set<std::string> rules;         // rule ids referencing it
  std::vector<const OutcomeView*> outcomes;  // evaluated outcomes (not not_applicable)
};

struct Counts {
  int64_t pass = 0, fail = 0, not_evaluable = 0, error = 0, waived = 0, not_applicable = 0;
  void Add(std::string_view outcome) {
    if (outcome == "pass") ++pass;
    if (outcome == "fail") ++fail;
    if (outcome == "not_evaluable") ++not_evaluable;
    if (outcome == "error") ++error;
    if (outcome == "waived") ++waived;
    if (outcome == "not_applicable") ++not_applicable;
  }
  // Returns the record's `result.counts` when it holds every outcome as an
  // integer: it counts the outcomes an audit does not list.
  static std::optional<Counts> Recorded(const nlohmann::json& counts) {
    Counts recorded;
    const std::pair<const char*, int64_t*> fields[] = {
        {"pass", &recorded.pass},     {"fail", &recorded.fail},     {"not_evaluable", &recorded.not_evaluable},
        {"error", &recorded.error},   {"waived", &recorded.waived}, {"not_applicable", &recorded.not_applicable}};
    for (const auto& [name, field] : fields) {
      const auto it = counts.find(name);
      if (it == counts.end() || !it->is_number_integer()) return std::nullopt;
      *field = it->get<int64_t>();
    }
    return recorded;
  }
  // A control is not satisfied when any outcome of its rules failed, could
  // not be evaluated, errored or was waived.
  bool NotSatisfied() const { return fail + not_evaluable + error + waived > 0; }
  // "4 pass, 1 fail, …"; with `skip_zero`, outcomes that did not occur are
  // left out.
  std::string Text(bool skip_zero = false) const {
    const std::pair<int64_t, const char*> parts[] = {{pass, "pass"},          {fail, "fail"},
                                                     {error, "error"},        {not_evaluable, "not evaluable"},
                                                     {waived, "waived"},      {not_applicable, "not applicable"}};
    std::vector<std::string> texts;
    for (const auto& [count, name] : parts) {
      if (count > 0 || !skip_zero) texts.push_back(fmt::format("{} {}", count, name));
    }
    return fmt::format("{}", fmt::join(texts, ", "));
  }
};

std::string SourceText(const exports::PolicySourceView& source) {
  std::string text;
  if (!source.commit.empty()) {
    text = fmt::format("the policy bundle {} at commit {}", CodeSpan(source.location), CodeSpan(source.commit));
    if (!source.ref.empty()) text += fmt::format(" ({})", CodeSpan(source.ref));
    if (!source.path_in_repo.empty()) text += fmt::format(", folder {}", CodeSpan(source.path_in_repo));
    if (source.dirty) text += ", with uncommitted changes";
  } else {
    text = fmt::format("the policy bundle in the directory {}", CodeSpan(source.location));
  }
  return text;
}

Json ImportAp(const RunView& run) {
  Json import_ap;
  import_ap["href"] = exports::PolicySourceUri(run.policy_source);
  std::string remarks =
      "Stagegate has no OSCAL assessment plan: the plan is the policy bundle named by `href`, whose rules, "
      "parameters and control references defined what was assessed and how.";
  if (!exports::IsCleanGitSource(run.policy_source)) {
    remarks += " The bundle was not a clean git revision when the run was made, so `href` names its location, "
               "whose content may have changed since.";
  }
  import_ap["remarks"] = remarks;
  return import_ap;
}

Json Metadata(const RunView& run, const OscalOptions& options) {
  Json metadata;
  metadata["title"] = OneLine(fmt::format("Stagegate {} run {}", run.kind, run.run_id));
  metadata["published"] = options.generated_at;
  metadata["last-modified"] = options.generated_at;
  metadata["version"] = "1";
  metadata["oscal-version"] = kOscalVersion;
  return metadata;
}

// The engine as an assessment asset: observations name it as their origin.
Json AssessmentAssets(const RunView& run, const std::string& tool_uuid) {
  Json component;
  component["uuid"] = tool_uuid;
  component["type"] = "software";
  component["title"] = OneLine(fmt::format("Stagegate {}", run.engine_version));
  component["description"] = "The Stagegate policy engine, which evaluated the rules and recorded the run.";
  Json props = Json::array();
  AddProp(props, "engine-version", run.engine_version);
  SetArray(component, "props", std::move(props));
  component["status"]["state"] = "operational";
  Json platform;
  platform["uuid"] = StableUuid({"platform", "stagegate"});
  platform["title"] = "Stagegate";
  platform["uses-components"] = Json::array({Json{{"component-uuid", tool_uuid}}});
  Json assets;
  assets["components"] = Json::array({std::move(component)});
  assets["assessment-platforms"] = Json::array({std::move(platform)});
  return assets;
}

Json InventoryItem(const OutcomeView& o) {
  Json item;
  item["uuid"] = SubjectUuid(o);
  item["description"] = fmt::format("Stagegate subject: {} {}.", MarkdownText(o.subject_kind), CodeSpan(o.subject_id));
  Json props = Json::array();
  const std::string asset_id = internal::ValidUtf8(o.subject_kind + "/" + o.subject_id);
  if (IsOscalString(asset_id)) props.push_back(Json{{"name", "asset-id"}, {"value", asset_id}});
  AddProp(props, "subject-kind", o.subject_kind);
  AddProp(props, "subject-id", o.subject_id);
  SetArray(item, "props", std::move(props));
  return item;
}

Json ReviewedControls(const std::map<ControlRef, ControlUse>& controls) {
  Json selections = Json::array();
  std::map<std::string, Json> by_framework;
  for (const auto& [ref, use] : controls) {
    by_framework[ref.framework].push_back(Json{{"control-id", ref.control_id}});
  }
  for (auto& [framework, include] : by_framework) {
    Json selection;
    Json props = Json::array();
    AddProp(props, "framework", framework);
    SetArray(selection, "props", std::move(props));
    selection["include-controls"] = std::move(include);
    selections.push_back(std::move(selection));
  }
  if (selections.empty()) {
    selections.push_back(Json{{"remarks", "No rule of the run references a control."}});
  }
  Json reviewed;
  reviewed["control-selections"] = std::move(selections);
  return reviewed;
}

Json Observation(const RunView& run, const OutcomeView& o, const std::string& uuid, const std::string& tool_uuid) {
  const RuleView* rule = run.FindRule(o.rule);
  Json observation;
  observation["uuid"] = uuid;
  observation["title"] = OneLine(fmt::format("{}: {}", exports::TestName(o), o.outcome));
  std::string description;
  if (rule != nullptr && !rule->title.empty()) description = MarkdownText(rule->title) + ". ";
  description += fmt::format("Rule {} on {} {}: **{}**.", CodeSpan(o.rule), MarkdownText(o.subject_kind),
                             CodeSpan(o.subject_id), o.outcome);
  if (!o.message.empty()) description += "\n\n" + MarkdownText(o.message);
  if (!o.missing_fact.empty()) description += fmt::format("\n\nMissing fact: {}.", CodeSpan(o.missing_fact));
  if (!o.waiver.empty()) description += fmt::format("\n\nWaived by {}.", CodeSpan(o.waiver));
  observation["description"] = description;

  Json props = Json::array();
  AddProp(props, "rule", o.rule);
  AddProp(props, "subject-kind", o.subject_kind);
  AddProp(props, "subject-id", o.subject_id);
  AddProp(props, "outcome", o.outcome);
  if (rule != nullptr) {
    AddProp(props, "severity", rule->severity);
    AddProp(props, "enforcement", rule->enforcement);
  }
  AddProp(props, "denies-run", exports::Denies(rule, o.outcome, run.fail_on) ? "true" : "false");
  if (!o.missing_fact.empty()) AddProp(props, "missing-fact", o.missing_fact);
  if (!o.waiver.empty()) AddProp(props, "waiver", o.waiver);
  SetArray(observation, "props", std::move(props));

  observation["methods"] = Json::array({"TEST"});
  observation["types"] = Json::array({o.outcome == "pass" ? "control-objective" : "finding"});
  observation["origins"] = Json::array({Json{{"actors", Json::array({Json{{"type", "tool"},
                                                                          {"actor-uuid", tool_uuid}}})}}});
  observation["subjects"] = Json::array({Json{{"subject-uuid", SubjectUuid(o)}, {"type", "inventory-item"}}});

  Json evidence;
  evidence["href"] = exports::LeafUri(run.leaf_hash);
  std::string evidence_description =
      fmt::format("Run record {} at position {} of the Stagegate evidence log (leaf hash sha256:{}); this "
                  "outcome is `result.outcomes[{}]` of the record.",
                  run.run_id, run.sequence, run.leaf_hash, o.index);
  if (!o.evidence.empty()) {
    evidence_description += " The facts and variables the rule read, with their values, are in the remarks.";
  }
  evidence["description"] = evidence_description;
  Json fact_props = Json::array();
  for (const auto& [name, value] : o.evidence.items()) {
    if (!IsAsciiToken(name) || value.is_structured() || value.is_null()) continue;
    AddProp(fact_props, name, value.is_string() ? value.get<std::string>() : exports::Compact(value), "evidence");
  }
  SetArray(evidence, "props", std::move(fact_props));
  if (!o.evidence.empty()) {
    std::string values = exports::Pretty(o.evidence);
    values.pop_back();  // the final newline
    evidence["remarks"] = CodeBlock("json", values);
  }
  observation["relevant-evidence"] = Json::array({std::move(evidence)});
  observation["collected"] = run.finished_at;
  return observation;
}

// The observations of the run in document order: one per evaluated outcome
// that is not `pass`, and one per rule for all of its `pass` outcomes, where
// the rule's first listed pass is (after the others when none is listed).
struct PlannedObservation {
  std::string uuid;
  const OutcomeView* outcome = nullptr;    // the outcome; unset for a rule's passes
  std::string rule;                        // for a rule's passes
  std::vector<const OutcomeView*> passes;  // the rule's listed passes
  int64_t unlisted_passes = 0;             // passes the record counts without listing

  static PlannedObservation Of(std::string uuid, const OutcomeView* outcome) {
    PlannedObservation planned;
    planned.uuid = std::move(uuid);
    planned.outcome = outcome;
    return planned;
  }
  static PlannedObservation PassesOf(const RunView& run, const std::string& rule) {
    PlannedObservation planned;
    planned.uuid = StableUuid({"observation", run.run_id, rule, "pass"});
    planned.rule = rule;
    return planned;
  }
};

// Every `pass` outcome of one rule, as one observation naming all their
// subjects: at fleet scale a rule holds for hundreds of thousands of subjects,
// and a pass has nothing to show but that it held (its captured values stay in
// the record). An audit's record counts its passes without listing them:
// those are in the count, with no subject to name.
Json PassesObservation(const RunView& run, const PlannedObservation& planned, const std::string& tool_uuid) {
  const std::vector<const OutcomeView*>& passes = planned.passes;
  const RuleView* rule = run.FindRule(planned.rule);
  const size_t total = passes.size() + static_cast<size_t>(planned.unlisted_passes);
  const std::string& kind = rule != nullptr ? rule->subject_kind : passes.front()->subject_kind;
  const bool one_kind = std::all_of(passes.begin(), passes.end(),
                                    [&](const OutcomeView* o) { return o->subject_kind == kind; });
  const std::string subjects = one_kind ? Count(total, kind) : Count(total, "subject");
  Json observation = internal::ObjectWithRoom(11);
  observation["uuid"] = planned.uuid;
  observation["title"] = OneLine(fmt::format("{}: pass on {}", planned.rule, subjects));
  std::string description;
  if (rule != nullptr && !rule->title.empty()) description = MarkdownText(rule->title) + ". ";
  if (planned.unlisted_passes == 0) {
    description += fmt::format("Rule {} held for {}, the observation's subjects: **pass**.", CodeSpan(planned.rule),
                               MarkdownText(subjects));
  } else {
    description += fmt::format(
        "Rule {} held for {}: **pass**. The run's record counts {} of them without naming the subjects (an audit "
        "lists only the outcomes that are not a pass){}.",
        CodeSpan(planned.rule), MarkdownText(subjects), planned.unlisted_passes,
        passes.empty() ? "" : "; the others are the observation's subjects");
  }
  observation["description"] = description;

  Json props = Json::array();
  AddProp(props, "rule", planned.rule);
  if (one_kind) AddProp(props, "subject-kind", kind);
  AddProp(props, "subject-count", std::to_string(total));
  AddProp(props, "outcome", "pass");
  if (rule != nullptr) {
    AddProp(props, "severity", rule->severity);
    AddProp(props, "enforcement", rule->enforcement);
  }
  AddProp(props, "denies-run", "false");
  SetArray(observation, "props", std::move(props));

  observation["methods"] = Json::array({"TEST"});
  observation["types"] = Json::array({"control-objective"});
  observation["origins"] = Json::array({Json{{"actors", Json::array({Json{{"type", "tool"},
                                                                          {"actor-uuid", tool_uuid}}})}}});
  Json subject_refs = Json::array();
  subject_refs.get_ref<Json::array_t&>().reserve(passes.size());
  for (const OutcomeView* o : passes) {
    subject_refs.push_back(Json{{"subject-uuid", SubjectUuid(*o)}, {"type", "inventory-item"}});
  }
  SetArray(observation, "subjects", std::move(subject_refs));

  Json evidence;
  evidence["href"] = exports::LeafUri(run.leaf_hash);
  std::string evidence_description =
      fmt::format("Run record {} at position {} of the Stagegate evidence log (leaf hash sha256:{}); ", run.run_id,
                  run.sequence, run.leaf_hash);
  if (!passes.empty()) {
    evidence_description += fmt::format(
        "the listed outcomes are the entries of `result.outcomes` in the record with rule {} and outcome `pass`, "
        "from `result.outcomes[{}]` on",
        CodeSpan(planned.rule), passes.front()->index);
  }
  if (planned.unlisted_passes > 0) {
    evidence_description += fmt::format("{}the rule's `counts.pass` in `result.rules` is {}",
                                        passes.empty() ? "" : "; ", total);
  }
  evidence["description"] = evidence_description + ".";
  observation["relevant-evidence"] = Json::array({std::move(evidence)});
  observation["collected"] = run.finished_at;
  return observation;
}

// A waived outcome is a deviation the waiver's approver accepted.
Json Risk(const RunView& run, const OutcomeView& o, const std::string& uuid, const std::string& observation_uuid) {
  const exports::WaiverView* waiver = run.FindWaiver(o.waiver);
  Json risk;
  risk["uuid"] = uuid;
  risk["title"] = OneLine(fmt::format("Waived: {}", exports::TestName(o)));
  std::string description = fmt::format("Rule {} did not hold for {} {}; waiver {} accepts the deviation.",
                                        CodeSpan(o.rule), MarkdownText(o.subject_kind), CodeSpan(o.subject_id),
                                        CodeSpan(o.waiver));
  if (waiver != nullptr) {
    if (!waiver->reason.empty()) description += "\n\nReason: " + MarkdownText(waiver->reason);
    std::vector<std::string> details;
    if (!waiver->approver.empty()) details.push_back("approved by " + MarkdownText(waiver->approver));
    if (!waiver->ticket.empty()) details.push_back("ticket " + MarkdownText(waiver->ticket));
    if (!waiver->expires.empty()) {
      details.push_back(fmt::format("expires {} ({} days left at the evaluation time)", MarkdownText(waiver->expires),
                                    waiver->days_left));
    }
    if (!details.empty()) description += fmt::format("\n\nWaiver: {}.", fmt::join(details, ", "));
  }
  risk["description"] = description;
  risk["statement"] = o.message.empty() ? std::string("The rule's assertion was false for this subject.")
                                        : MarkdownText(o.message);
  Json props = Json::array();
  AddProp(props, "rule", o.rule);
  AddProp(props, "waiver", o.waiver);
  if (waiver != nullptr) {
    AddProp(props, "waiver-approver", waiver->approver);
    AddProp(props, "waiver-ticket", waiver->ticket);
    AddProp(props, "waiver-expires", waiver->expires);
  }
  SetArray(risk, "props", std::move(props));
  risk["status"] = "deviation-approved";
  risk["related-observations"] = Json::array({Json{{"observation-uuid", observation_uuid}}});
  return risk;
}

struct ObservationPlan {
  std::vector<PlannedObservation> observations;
  std::vector<uint32_t> observation_of_outcome;  // by position in run.outcomes
  std::map<size_t, std::string> risk_uuids;       // by position in run.outcomes
  std::map<std::string, uint32_t, std::less<>> passes_of_rule;  // the observation of each rule's passes
};

// The observations of the passes the record counts without listing, of the
// rules that reference a control.
std::vector<uint32_t> UnlistedPassObservations(const ControlUse& use, const ObservationPlan& plan) {
  std::vector<uint32_t> observations;
  for (const std::string& rule : use.rules) {
    const auto group = plan.passes_of_rule.find(rule);
    if (group != plan.passes_of_rule.end() && plan.observations[group->second].unlisted_passes > 0) {
      observations.push_back(group->second);
    }
  }
  return observations;
}

Json Finding(const RunView& run, const ControlRef& ref, const ControlUse& use, const ObservationPlan& plan) {
  const std::vector<uint32_t> unlisted = UnlistedPassObservations(use, plan);
  Counts counts;
  for (const OutcomeView* o : use.outcomes) counts.Add(o->outcome);
  for (uint32_t observation : unlisted) counts.pass += plan.observations[observation].unlisted_passes;
  const bool not_satisfied = counts.NotSatisfied();
  std::vector<std::string> references, rules;
  for (const std::string& reference : use.references) references.push_back(CodeSpan(reference));
  for (const std::string& rule : use.rules) rules.push_back(CodeSpan(rule));

  Json finding;
  finding["uuid"] = StableUuid({"finding", run.run_id, ref.framework, ref.control_id});
  finding["title"] = OneLine(
      fmt::format("{}{}: {}", ref.framework.empty() ? "" : ref.framework + " ", ref.control_id,
                  not_satisfied ? "not satisfied" : "satisfied"));
  finding["description"] =
      fmt::format("Control {} is referenced by {}. Their evaluated outcomes in this run: {}.",
                  fmt::join(references, ", "), fmt::join(rules, ", "), counts.Text(true));
  Json props = Json::array();
  AddProp(props, "framework", ref.framework);
  SetArray(finding, "props", std::move(props));

  Json target;
  target["type"] = "objective-id";
  target["target-id"] = ref.control_id;
  target["status"]["state"] = not_satisfied ? "not-satisfied" : "satisfied";
  target["status"]["reason"] = not_satisfied ? "fail" : "pass";
  std::vector<std::string> problems;
  for (const OutcomeView* o : use.outcomes) {
    if (o->outcome != "pass") {
      problems.push_back(fmt::format("- {} on {} {}: {}", CodeSpan(o->rule), MarkdownText(o->subject_kind),
                                     CodeSpan(o->subject_id), o->outcome));
    }
  }
  if (!problems.empty()) {
    target["status"]["remarks"] = fmt::format("Outcomes that keep the control from being satisfied:\n\n{}",
                                              fmt::join(problems, "\n"));
  }
  finding["target"] = std::move(target);

  Json related_observations = Json::array(), related_risks = Json::array();
  std::vector<bool> related(plan.observations.size());
  for (const OutcomeView* o : use.outcomes) {
    const size_t position = static_cast<size_t>(o - run.outcomes.data());
    const uint32_t observation = plan.observation_of_outcome[position];
    if (!related[observation]) {
      related[observation] = true;
      related_observations.push_back(Json{{"observation-uuid", plan.observations[observation].uuid}});
    }
    if (const auto risk = plan.risk_uuids.find(position); risk != plan.risk_uuids.end()) {
      related_risks.push_back(Json{{"risk-uuid", risk->second}});
    }
  }
  for (uint32_t observation : unlisted) {
    if (!related[observation]) {
      related[observation] = true;
      related_observations.push_back(Json{{"observation-uuid", plan.observations[observation].uuid}});
    }
  }
  SetArray(finding, "related-observations", std::move(related_observations));
  SetArray(finding, "related-risks", std::move(related_risks));
  return finding;
}

Json ObservationOf(const RunView& run, const PlannedObservation& planned, const std::string& tool_uuid) {
  if (planned.outcome != nullptr) return Observation(run, *planned.outcome, planned.uuid, tool_uuid);
  return PassesObservation(run, planned, tool_uuid);
}

// Observations are most of an audit's document. RenderOscal writes them one
// at a time (internal::StreamedArray): Result then leaves a slot where they
// go and keeps the plan they are made from.
struct DeferredObservations {
  internal::StreamedArray array;
  std::string tool_uuid;
  ObservationPlan plan;
};

ObservationPlan PlanObservations(const RunView& run) {
  ObservationPlan plan;
  constexpr uint32_t kNone = UINT32_MAX;
  plan.observation_of_outcome.assign(run.outcomes.size(), kNone);
  std::set<std::string> used_uuids;
  for (size_t position = 0; position < run.outcomes.size(); ++position) {
    const OutcomeView& o = run.outcomes[position];
    if (o.outcome == "not_applicable") continue;
    if (o.outcome == "pass") {
      const auto [group, added] =
          plan.passes_of_rule.try_emplace(o.rule, static_cast<uint32_t>(plan.observations.size()));
      if (added) {
        plan.observations.push_back(PlannedObservation::PassesOf(run, o.rule));
      }
      plan.observations[group->second].passes.push_back(&o);
      plan.observation_of_outcome[position] = group->second;
      continue;
    }
    // A repeated (rule, subject) pair, which a valid record does not have,
    // gets a distinct UUID through a counter.
    std::string uuid = StableUuid({"observation", run.run_id, o.rule, o.subject_kind, o.subject_id});
    for (int n = 2; !used_uuids.insert(uuid).second; ++n) {
      uuid = StableUuid({"observation", run.run_id, o.rule, o.subject_kind, o.subject_id, std::to_string(n)});
    }
    if (o.outcome == "waived") plan.risk_uuids[position] = StableUuid({"risk", uuid});
    plan.observation_of_outcome[position] = static_cast<uint32_t>(plan.observations.size());
    plan.observations.push_back(PlannedObservation::Of(std::move(uuid), &o));
  }
  // Passes the record counts without listing them (an audit's).
  for (const RuleView& rule : run.rules) {
    if (!rule.pass_count) continue;
    const auto group = plan.passes_of_rule.find(rule.id);
    const int64_t listed =
        group == plan.passes_of_rule.end() ? 0 : static_cast<int64_t>(plan.observations[group->second].passes.size());
    if (*rule.pass_count <= listed) continue;
    uint32_t observation = 0;
    if (group != plan.passes_of_rule.end()) {
      observation = group->second;
    } else {
      observation = static_cast<uint32_t>(plan.observations.size());
      plan.passes_of_rule.emplace(rule.id, observation);
      plan.observations.push_back(PlannedObservation::PassesOf(run, rule.id));
    }
    plan.observations[observation].unlisted_passes = *rule.pass_count - listed;
  }
  return plan;
}

Json Result(const RunView& run, DeferredObservations* deferred) {
  const std::string tool_uuid = StableUuid({"tool", "stagegate", run.engine_version});

  // Which controls the run's rules reference, and the evaluated outcomes of
  // those rules.
  std::map<ControlRef, ControlUse> controls;
  std::map<std::string, std::vector<ControlRef>> rule_controls;
  for (const RuleView& rule : run.rules) {
    for (const std::string& reference : rule.controls) {
      const ControlRef ref = ParseControl(reference);
      ControlUse& use = controls[ref];
      use.references.insert(reference);
      use.rules.insert(rule.id);
      std::vector<ControlRef>& referenced = rule_controls[rule.id];
      // A rule may name one control twice.
      if (std::find(referenced.begin(), referenced.end(), ref) == referenced.end()) referenced.push_back(ref);
    }
  }
  Counts counts;
  for (const OutcomeView& o : run.outcomes) {
    counts.Add(o.outcome);
    if (o.outcome == "not_applicable") continue;
    const auto referenced = rule_controls.find(o.rule);
    if (referenced == rule_controls.end()) continue;
    for (const ControlRef& ref : referenced->second) controls[ref].outcomes.push_back(&o);
  }
  if (const std::optional<Counts> recorded = Counts::Recorded(run.counts)) counts = *recorded;

  // Observations, their subjects, and risks for waived outcomes.
  DeferredObservations built_here;
  DeferredObservations& observed = deferred != nullptr ? *deferred : built_here;
  observed.tool_uuid = tool_uuid;
  observed.plan = PlanObservations(run);
  const ObservationPlan& plan = observed.plan;
  Json observations = Json::array(), risks = Json::array(), items = Json::array();
  std::set<std::string> subjects;
  for (size_t position = 0; position < run.outcomes.size(); ++position) {
    const OutcomeView& o = run.outcomes[position];
    if (o.outcome == "not_applicable") continue;
    if (subjects.insert(SubjectUuid(o)).second) items.push_back(InventoryItem(o));
    if (const auto risk = plan.risk_uuids.find(position); risk != plan.risk_uuids.end()) {
      risks.push_back(Risk(run, o, risk->second, plan.observations[plan.observation_of_outcome[position]].uuid));
    }
  }
  if (deferred != nullptr) {
    observations = deferred->array.Slot(plan.observations.size());
  } else {
    for (const PlannedObservation& planned : plan.observations) {
      observations.push_back(ObservationOf(run, planned, tool_uuid));
    }
  }
  Json findings = Json::array();
  std::vector<std::string> unassessed;
  for (const auto& [ref, use] : controls) {
    if (use.outcomes.empty() && UnlistedPassObservations(use, plan).empty()) {
      for (const std::string& reference : use.references) unassessed.push_back(CodeSpan(reference));
      continue;
    }
    findings.push_back(Finding(run, ref, use, plan));
  }

  // Room for every member below: growing the object would copy the large
  // lists it already holds (internal::ObjectWithRoom).
  Json result = internal::ObjectWithRoom(16);
  result["uuid"] = StableUuid({"result", run.run_id});
  result["title"] = OneLine(fmt::format("Stagegate {} run {}: {}", run.kind, run.run_id, run.decision));
  result["description"] = fmt::format(
      "Stagegate evaluated {} of {} against the subjects of {}; the decision was **{}** (fail-on {}). "
      "Outcomes: {}.",
      Count(run.rules.size(), "rule"), SourceText(run.policy_source), Count(run.inputs.size(), "input file"),
      run.decision, run.fail_on, counts.Text());
  result["start"] = run.started_at;
  result["end"] = run.finished_at;

  Json props = Json::array();
  AddProp(props, "run-id", run.run_id);
  AddProp(props, "sequence", std::to_string(run.sequence));
  AddProp(props, "leaf-hash", "sha256:" + run.leaf_hash);
  AddProp(props, "kind", run.kind);
  AddProp(props, "decision", run.decision);
  AddProp(props, "fail-on", run.fail_on);
  AddProp(props, "evaluated-at", run.evaluated_at);
  AddProp(props, "engine-version", run.engine_version);
  AddProp(props, "policy-commit", run.policy_source.commit);
  AddProp(props, "policy-tree", run.policy_source.tree);
  AddProp(props, "policy-ref", run.policy_source.ref);
  SetArray(result, "props", std::move(props));
  result["links"] = Json::array(
      {Json{{"href", exports::LeafUri(run.leaf_hash)}, {"rel", "evidence"}, {"text", "The run's record in the log"}},
       Json{{"href", exports::PolicySourceUri(run.policy_source)}, {"rel", "policy"}, {"text", "The policy bundle"}}});

  Json local = internal::ObjectWithRoom(2);
  SetArray(local, "inventory-items", std::move(items));
  local["assessment-assets"] = AssessmentAssets(run, tool_uuid);
  result["local-definitions"] = std::move(local);
  result["reviewed-controls"] = ReviewedControls(controls);
  SetArray(result, "observations", std::move(observations));
  SetArray(result, "risks", std::move(risks));
  SetArray(result, "findings", std::move(findings));

  std::vector<std::string> remarks;
  if (!run.deny_reasons.empty()) {
    std::vector<std::string> lines;
    for (const std::string& reason : run.deny_reasons) lines.push_back("- " + MarkdownText(reason));
    remarks.push_back(fmt::format("Deny reasons:\n\n{}", fmt::join(lines, "\n")));
  }
  if (counts.not_applicable > 0) {
    remarks.push_back(fmt::format("{} not-applicable outcomes (the rule's selector or `when` excluded the subject) "
                                  "tested nothing and are not observations.",
                                  counts.not_applicable));
  }
  if (!unassessed.empty()) {
    remarks.push_back(fmt::format("Controls whose rules applied to no subject, so without a finding: {}.",
                                  fmt::join(unassessed, ", ")));
  }
  if (!remarks.empty()) result["remarks"] = fmt::format("{}", fmt::join(remarks, "\n\n"));
  return result;
}

// The whole document, with the observations deferred when `deferred` is given.
std::optional<Json> Document(const nlohmann::json& record, std::string_view leaf_hash_hex, const OscalOptions& options,
                             std::optional<RunView>* run, DeferredObservations* deferred, std::string* error) {
  const std::string& uuid = options.document_uuid;
  if (!common::IsUuid(uuid) || uuid[14] != '4' || std::string_view("89abAB").find(uuid[19]) == std::string_view::npos) {
    if (error != nullptr) *error = fmt::format("document UUID \"{}\" is not a version 4 UUID", options.document_uuid);
    return std::nullopt;
  }
  if (!exports::IsDateTime(options.generated_at)) {
    if (error != nullptr) {
      *error = fmt::format("generation time \"{}\" is not an RFC 3339 date-time with a time zone",
                           options.generated_at);
    }
    return std::nullopt;
  }
  *run = exports::ReadRun(record, leaf_hash_hex, error);
  if (!*run) return std::nullopt;

  Json document;
  document["uuid"] = options.document_uuid;
  document["metadata"] = Metadata(**run, options);
  document["import-ap"] = ImportAp(**run);
  document["results"] = Json::array({Result(**run, deferred)});
  Json root;
  root["assessment-results"] = std::move(document);
  return root;
}

}  // namespace

std::optional<nlohmann::ordered_json> OscalAssessmentResults(const nlohmann::json& record,
                                                             std::string_view leaf_hash_hex,
                                                             const OscalOptions& options, std::string* error) {
  std::optional<RunView> run;
  return Document(record, leaf_hash_hex, options, &run, nullptr, error);
}

std::optional<std::string> RenderOscal(const nlohmann::json& record, std::string_view leaf_hash_hex,
                                       const OscalOptions& options, std::string* error) {
  std::optional<RunView> run;
  DeferredObservations deferred;
  const std::optional<Json> document = Document(record, leaf_hash_hex, options, &run, &deferred, error);
  if (!document) return std::nullopt;
  return deferred.array.Dump(*document, [&](size_t i) {
    return ObservationOf(*run, deferred.plan.observations[i], deferred.tool_uuid);
  });
}

bool WriteOscal(std::ostream& out, const nlohmann::json& record, std::string_view leaf_hash_hex,
                const OscalOptions& options, std::string* error) {
  std::optional<RunView> run;
  DeferredObservations deferred;
  const std::optional<Json> document = Document(record, leaf_hash_hex, options, &run, &deferred, error);
  if (!document) return false;
  deferred.array.DumpTo(out, *document, [&](size_t i) {
    return ObservationOf(*run, deferred.plan.observations[i], deferred.tool_uuid);
  });
  return true;
}

}  // namespace stagegate::reports
