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
#include <utility>
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

  // The CEL type of the variable that names a subject of `kind` in rules:
  // the object type "stagegate.<kind>" (groups of facts are the object types
  // "stagegate.<kind>.<group path>"; a fact linking another subject, such as a
  // stream's `device`, has the type "stagegate.device"). At run time any
  // map-like value (host object or JSON map) is bound; the runtime ignores the
  // static type. FieldType types the fields for the checker.
  cel::Type SubjectType(SubjectKind kind) const;

  // Added for the policy loader (additive): the static type of `object.field`
  // when `object` is a subject or group type above; nullopt when the field is
  // neither a fact nor a group (an unknown fact), or the type is not ours.
  std::optional<cel::Type> FieldType(const cel::Type& object, std::string_view field) const;
  // Splits an object type of this schema into its kind and group path
  // ("stagegate.stream.quality" → stream, "quality"); nullopt for other types.
  static std::optional<std::pair<SubjectKind, std::string>> SplitObjectType(const cel::Type& type);
  // Every fact name and group name of `kind` (for "did you mean").
  std::vector<std::string> PathsOf(SubjectKind kind) const;

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
