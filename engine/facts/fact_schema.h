#pragma once
// The fact schema: for each subject kind, the named facts rules may read,
// with a CEL type, a unit and a description. Built-in facts (those input
// documents carry, and those evaluators compute) are registered in code; users'
// own fields come from `FactSchema` documents or are inferred from inputs.
// The schema drives type checking of policies, `stagegate facts`, and the
// JSON Schema for editors.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cel/common/types.h"

namespace stagegate::facts {

// The kinds of subject the engine judges.
enum class SubjectKind { kDevice, kStream, kModel, kArtifact, kDeployment, kDataflow, kZone };

inline constexpr SubjectKind kAllSubjectKinds[] = {
    SubjectKind::kDevice,     SubjectKind::kStream,   SubjectKind::kModel, SubjectKind::kArtifact,
    SubjectKind::kDeployment, SubjectKind::kDataflow, SubjectKind::kZone,
};

// Returns "device", "stream", ...; the name is also the CEL variable a rule reads.
std::string_view SubjectKindName(SubjectKind kind);
std::optional<SubjectKind> ParseSubjectKind(std::string_view name);

// Where a fact's value comes from.
enum class FactOrigin {
  kInput,     // given in the input documents (or declared by a FactSchema document)
  kComputed,  // computed lazily by an evaluator when a rule reads it
  kInferred,  // a user field not declared anywhere, typed from the inputs' JSON types
};

struct FactDef {
  std::string name;         // path below the subject, '.'-separated: "quality.missing_ratio"
  cel::Type type;           // CEL type of the value
  std::string unit;         // "ratio", "s", "ms", "bytes", "" when unitless
  std::string description;  // one sentence: what it measures
  FactOrigin origin = FactOrigin::kInput;
  bool personal_data = false;  // stored hashed or masked in evidence (see docs)
};

class FactSchema {
 public:
  // Adds a fact. Returns false when the kind already has a fact of that name
  // with a different type (a conflicting declaration).
  bool Add(SubjectKind kind, FactDef fact);

  // Returns the fact `name` ("quality.missing_ratio") of `kind`, or null.
  const FactDef* Find(SubjectKind kind, std::string_view name) const;
  // True when `prefix` is a proper prefix of some fact of `kind` ("quality" for
  // "quality.missing_ratio"): selecting it yields an object of facts.
  bool IsGroup(SubjectKind kind, std::string_view prefix) const;
  // Facts of `kind`, sorted by name.
  std::vector<const FactDef*> FactsOf(SubjectKind kind) const;

  // The CEL type of the variable that names a subject of `kind` in rules.
  // Facts are read through host objects, so this is map(string, dyn); the
  // policy loader checks the fact paths a rule reads against the schema itself.
  cel::Type SubjectType(SubjectKind kind) const;

 private:
  std::map<SubjectKind, std::map<std::string, FactDef, std::less<>>> facts_;
};

// Registers the facts every subject has whatever the evaluators (id, kind,
// labels, and for streams the `device` link), and the documented input facts
// of each kind. Evaluators register their computed facts through their own
// one registration function each.
void RegisterCoreFacts(FactSchema& schema);

// Renders the schema as a Markdown reference (one table per subject kind).
std::string RenderMarkdown(const FactSchema& schema);
// Renders the schema as a JSON Schema (draft 2020-12) describing input
// documents, for editors.
std::string RenderJsonSchema(const FactSchema& schema);

}  // namespace stagegate::facts
