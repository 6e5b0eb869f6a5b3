#pragma once
// The typed policy model: what the loader (engine/policy/loader.h) builds from
// the YAML documents of a bundle, and what the evaluation engine runs.
//
// Ownership and lifetime: a LoadedBundle owns everything. RuleInstance::rule
// points at a RuleTemplate owned by LoadedBundle::templates (inline rules own
// a template there too), so a LoadedBundle must outlive the pointers taken
// from it; it may be moved (templates are heap-allocated and do not move).
// Everything is immutable after loading; compiled programs may be evaluated
// from many threads at once.
//
// CEL variables every rule expression (`when`, `assert`, message placeholders,
// `messageExpression`, variables) sees:
//   <kind>     the subject, named after its kind: `stream`, `device`, ... Its
//              static type is cel::Type::Object("stagegate.<kind>"), groups of
//              facts are Object("stagegate.<kind>.<group path>"); at run time
//              bind any map-like value (a JSON map or a cel::HostObject).
//   params     the instance's parameters: Object("stagegate.params.<rule id>");
//              at run time a JSON map (RuleInstance::params).
//   variables  the policy's and the rule's named variables, Kubernetes style
//              (`variables.name`): Object("stagegate.variables"); at run time a
//              map-like value evaluating each variable lazily, at most once
//              per subject (RuleInstance::variables gives them in order).
//   now        timestamp: the evaluation time.
// A policy selector and a waiver selector see only `<kind>` and `now`.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/bundle/bundle_source.h"
#include "engine/cel/cel.h"
#include "engine/eval/run_result.h"
#include "engine/facts/fact_schema.h"

namespace stagegate::policy {

// A CEL expression of a policy file, compiled and type-checked once at load.
struct Expression {
  std::string text;             // as written (for a block scalar: the folded/literal value)
  eval::FileLocation location;  // where the expression text starts in its file
  // The compiled program; never null in a loaded bundle. Immutable, thread-safe.
  std::shared_ptr<const cel::Program> program;
  // The source, embedded in the file: maps offsets of run-time errors to file positions.
  std::shared_ptr<const cel::Source> source;
  cel::Type type;  // the checked result type
  // The facts the expression reads, as "kind.path" ("stream.quality.missing_ratio"),
  // sorted, deduplicated: the planner's input.
  std::vector<std::string> facts;
};

// A named CEL expression (Kubernetes `variables`), evaluated lazily, at most
// once per subject.
struct Variable {
  std::string name;
  Expression expression;
};

// A message with `{{ cel }}` placeholders: literal text and expressions, in order.
struct MessagePart {
  std::string literal;                  // used when `expression` is empty
  std::optional<Expression> expression; // a placeholder: rendered as its value (strings unquoted)
};
struct MessageTemplate {
  std::string text;  // as written
  std::vector<MessagePart> parts;
};

enum class ParamType { kString, kInt, kDouble, kBool, kList, kMap, kDuration, kTimestamp };
std::string_view ParamTypeName(ParamType type);  // "string", "int", ...

// A typed parameter of a rule template.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  std::optional<nlohmann::json> default_value;  // already validated against the type
  bool required = false;                        // no default: every `use:` must give it in `with:`
  std::vector<nlohmann::json> enum_values;      // allowed values; empty: any
  std::optional<double> minimum;                // inclusive, for int/double
  std::optional<double> maximum;                // inclusive, for int/double
  std::string description;
  eval::FileLocation location;
};

// A rule: a reusable template (`kind: Rule`) or the template an inline rule of a
// policy carries.
struct RuleTemplate {
  std::string id;  // template id ("data.stream.missingness"), or the inline rule's id
  std::string title;
  std::string description;
  std::string remediation;
  facts::SubjectKind subject = facts::SubjectKind::kDevice;
  std::vector<ParamSpec> params;      // in declaration order
  std::vector<Variable> variables;    // the rule's own variables, in order (after the policy's)
  std::optional<Expression> when;     // match condition: false → not_applicable
  Expression assertion;               // `assert` (alias `expression`): must be true
  MessageTemplate message;            // empty parts: use the default "<title> failed"
  std::optional<Expression> message_expression;  // Kubernetes `messageExpression`: a string; wins over `message`
  eval::Severity severity = eval::Severity::kMedium;
  std::vector<std::string> controls;  // "framework:control-id", all resolved
  bool inline_rule = false;           // defined inside a Policy's `rules:`
  std::string owner_policy;           // inline rules: the policy that defines it
  eval::FileLocation location;        // of the document (template) or of the inline entry
};

// A rule as a policy uses it.
struct RuleInstance {
  std::string id;                      // the template id for `use:`, the `id:` for inline rules
  const RuleTemplate* rule = nullptr;  // owned by LoadedBundle::templates; never null
  nlohmann::json params = nlohmann::json::object();  // `with:` merged over the defaults, validated
  eval::Severity severity = eval::Severity::kMedium; // the template's, or the `severity:` of the use entry
  std::vector<std::string> controls;   // the template's plus those of the use entry
  // Variables this instance evaluates, in order: the policy's variables, then
  // the rule's. Pointers into the Policy (compiled for this rule's subject kind)
  // and the RuleTemplate.
  std::vector<const Variable*> variables;
  eval::FileLocation location;         // of the `use:` / inline entry
};

enum class Stage { kGate, kAudit };
std::string_view StageName(Stage stage);  // "gate", "audit"

// How a policy's stream drift facts (`stream.drift.*`) are computed: against
// which recorded baseline, with which test, and how cohorts are corrected for
// multiple testing. The engine only carries the settings; the drift evaluator
// reads them.
inline constexpr std::string_view kDriftTests[] = {"auto", "ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"};
inline constexpr std::string_view kDriftCorrections[] = {"benjamini-hochberg", "bonferroni"};
struct DriftSettings {
  std::string baseline;                          // the name given to `stagegate baseline create --out`
  std::string test = "auto";                     // one of kDriftTests
  std::optional<double> threshold;               // the test's default when absent
  std::string correction = "benjamini-hochberg"; // across cohorts; one of kDriftCorrections
  double alpha = 0.05;                           // false discovery rate (BH) or family-wise error (Bonferroni)
  int64_t min_samples = 100;                     // fewer current values: the drift facts are missing (not_evaluable)
  std::vector<double> sentinels;                 // values that mean "no reading" (-999, 65535)
  eval::FileLocation location;

  friend bool operator==(const DriftSettings& a, const DriftSettings& b) {
    return a.baseline == b.baseline && a.test == b.test && a.threshold == b.threshold &&
           a.correction == b.correction && a.alpha == b.alpha && a.min_samples == b.min_samples &&
           a.sentinels == b.sentinels;
  }
};

struct Policy {
  std::string name;  // metadata.name (alias metadata.id); unique
  std::string title;
  std::string owner;
  std::string description;
  eval::Enforcement enforcement = eval::Enforcement::kDeny;
  std::vector<Stage> stages = {Stage::kGate, Stage::kAudit};
  // The policy selector: a CEL expression over one subject kind (`selector_kind`);
  // it narrows the policy's rules of that kind only (rules of other kinds are
  // not filtered). A selector reading a kind none of the rules judge is an error.
  std::optional<Expression> selector;
  facts::SubjectKind selector_kind = facts::SubjectKind::kDevice;
  // The policy's variables compiled once per subject kind its rules judge.
  // A variable that reads one kind is only available to rules of that kind.
  std::map<facts::SubjectKind, std::vector<Variable>> variables;
  std::vector<RuleInstance> rules;  // in file order; ids unique within the policy
  std::optional<DriftSettings> drift;  // `spec.drift`
  eval::FileLocation location;

  bool HasStage(Stage stage) const;
};

struct Control {
  std::string id;  // "SR-7.6"
  std::string title;
  std::string description;
  std::string family;    // the group the control belongs to: "FR7" (IEC 62443), "MEASURE" (NIST AI RMF); may be empty
  int level = 0;         // the lowest security level (1..4) at which the control applies; 0: not leveled
  std::string evidence;  // what an auditor expects to see for it
};

// A control catalog; rules reference its controls as "<framework id>:<control id>".
struct Framework {
  std::string id;  // "iec62443-3-3"
  std::string title;
  std::string version;
  std::vector<Control> controls;
  eval::FileLocation location;
};

// An exception to a rule for some subjects until an expiry date.
//
// Lifetime: `expires` is required. When `created` is given, expires - created
// must be at most LoadOptions::max_waiver_days; when it is not, the limit is
// measured from LoadOptions::now (so a waiver cannot be renewed forever by
// editing only its expiry). A waiver that has already expired at load is not an
// error: the evaluation reports it as expired and it no longer applies.
struct Waiver {
  std::string id;
  std::string rule;    // "policy/rule", resolved against the loaded policies
  std::string policy;  // the policy part of `rule`
  std::string rule_id; // the rule part of `rule`
  // Which subjects: a CEL selector over the rule's subject kind, or a list of
  // subject ids; neither means every subject of the rule.
  std::optional<Expression> selector;
  std::vector<std::string> subjects;
  std::string reason;
  std::string ticket;
  std::string approver;
  std::string expires;                              // as written: "2025-06-30" or RFC 3339
  std::chrono::sys_seconds expires_at{};            // a bare date means the end of that day, UTC
  std::optional<std::chrono::sys_seconds> created;  // when given
  eval::FileLocation location;

  // True when the waiver no longer applies at `now`.
  bool ExpiredAt(std::chrono::sys_seconds now) const { return now >= expires_at; }
};

struct TestExpectation {
  std::string rule;     // "policy/rule"
  std::string subject;  // "kind/id" or a bare id
  eval::Outcome outcome = eval::Outcome::kPass;
  eval::FileLocation location;
};

// A policy unit test: input documents and the outcomes expected.
struct PolicyTest {
  std::string name;
  std::string policy;                // optional: only this policy runs
  nlohmann::json inputs = nlohmann::json::array();  // inline input documents
  std::vector<std::string> input_files;  // bundle paths ('/'-separated, resolved relative to the test file)
  std::optional<std::chrono::sys_seconds> at;  // evaluation time (`at:`), else the run's
  std::vector<TestExpectation> expectations;
  eval::FileLocation location;
};

// Everything a bundle holds, loaded and checked.
struct LoadedBundle {
  bundle::SourceInfo source;
  std::vector<std::unique_ptr<RuleTemplate>> templates;  // `kind: Rule` documents, then inline rules
  std::vector<Policy> policies;                          // sorted by name
  std::vector<Framework> frameworks;
  std::vector<Waiver> waivers;
  std::vector<PolicyTest> tests;
  facts::FactSchema schema;  // the schema given to the loader plus the bundle's FactSchema documents
  // The environment the programs were compiled in (each Expression::program
  // also keeps it alive): declares the variables listed at the top of this file.
  std::shared_ptr<const cel::Environment> environment;

  // Returns the template `id` (a `kind: Rule` document), or null.
  const RuleTemplate* FindTemplate(std::string_view id) const;
  const Policy* FindPolicy(std::string_view name) const;
  // Returns the rule instance "policy/rule", or null.
  const RuleInstance* FindRule(std::string_view policy_slash_rule) const;
};

}  // namespace stagegate::policy
