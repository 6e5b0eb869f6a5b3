#include "engine/facts/fact_schema.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace stagegate::facts {
namespace {

constexpr std::string_view kTypePrefix = "stagegate.";

std::string ObjectTypeName(SubjectKind kind, std::string_view group) {
  std::string name = std::string(kTypePrefix) + std::string(SubjectKindName(kind));
  if (!group.empty()) name += "." + std::string(group);
  return name;
}

std::string_view OriginName(FactOrigin origin) {
  switch (origin) {
    case FactOrigin::kInput: return "input";
    case FactOrigin::kComputed: return "computed";
    case FactOrigin::kInferred: return "inferred";
  }
  return "input";
}

}  // namespace

std::string_view SubjectKindName(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kDevice: return "device";
    case SubjectKind::kStream: return "stream";
    case SubjectKind::kModel: return "model";
    case SubjectKind::kArtifact: return "artifact";
    case SubjectKind::kDeployment: return "deployment";
    case SubjectKind::kDataflow: return "dataflow";
    case SubjectKind::kZone: return "zone";
  }
  return "device";
}

std::optional<SubjectKind> ParseSubjectKind(std::string_view name) {
  for (SubjectKind kind : kAllSubjectKinds) {
    if (SubjectKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

bool FactSchema::Add(SubjectKind kind, FactDef fact) {
  auto& facts = facts_[kind];
  auto it = facts.find(fact.name);
  if (it != facts.end()) {
    if (!(it->second.type == fact.type)) return false;
    // Same type: a later declaration may add documentation, and turns a fact
    // inferred from the inputs into a declared one. Once any declaration marks
    // a fact as personal data it stays so (the evidence log protects it).
    if (it->second.unit.empty()) it->second.unit = fact.unit;
    if (it->second.description.empty()) it->second.description = fact.description;
    if (it->second.origin == FactOrigin::kInferred && fact.origin != FactOrigin::kInferred) {
      it->second.origin = fact.origin;
    }
    // An evaluator that computes a fact inputs may also give describes it best.
    if (fact.origin == FactOrigin::kComputed && it->second.origin != FactOrigin::kComputed) {
      it->second.origin = FactOrigin::kComputed;
      if (!fact.unit.empty()) it->second.unit = fact.unit;
      if (!fact.description.empty()) it->second.description = fact.description;
    }
    it->second.personal_data = it->second.personal_data || fact.personal_data;
    return true;
  }
  std::string name = fact.name;
  facts.emplace(std::move(name), std::move(fact));
  return true;
}

const FactDef* FactSchema::Find(SubjectKind kind, std::string_view name) const {
  auto kind_it = facts_.find(kind);
  if (kind_it == facts_.end()) return nullptr;
  auto it = kind_it->second.find(name);
  return it == kind_it->second.end() ? nullptr : &it->second;
}

bool FactSchema::IsGroup(SubjectKind kind, std::string_view prefix) const {
  auto kind_it = facts_.find(kind);
  if (kind_it == facts_.end() || prefix.empty()) return false;
  std::string start = std::string(prefix) + ".";
  auto it = kind_it->second.lower_bound(start);
  return it != kind_it->second.end() && it->first.compare(0, start.size(), start) == 0;
}

std::vector<const FactDef*> FactSchema::FactsOf(SubjectKind kind) const {
  std::vector<const FactDef*> out;
  auto kind_it = facts_.find(kind);
  if (kind_it == facts_.end()) return out;
  for (const auto& [name, fact] : kind_it->second) out.push_back(&fact);
  return out;
}

cel::Type FactSchema::SubjectType(SubjectKind kind) const { return cel::Type::Object(ObjectTypeName(kind, "")); }

std::optional<std::pair<SubjectKind, std::string>> FactSchema::SplitObjectType(const cel::Type& type) {
  if (type.kind != cel::TypeKind::kObject) return std::nullopt;
  std::string_view name = type.name;
  if (name.substr(0, kTypePrefix.size()) != kTypePrefix) return std::nullopt;
  name.remove_prefix(kTypePrefix.size());
  size_t dot = name.find('.');
  std::optional<SubjectKind> kind = ParseSubjectKind(name.substr(0, dot));
  if (!kind) return std::nullopt;
  return std::make_pair(*kind, dot == std::string_view::npos ? std::string() : std::string(name.substr(dot + 1)));
}

std::optional<cel::Type> FactSchema::FieldType(const cel::Type& object, std::string_view field) const {
  auto split = SplitObjectType(object);
  if (!split) return std::nullopt;
  const auto& [kind, group] = *split;
  std::string path = group.empty() ? std::string(field) : group + "." + std::string(field);
  if (const FactDef* fact = Find(kind, path)) return fact->type;
  if (IsGroup(kind, path)) return cel::Type::Object(ObjectTypeName(kind, path));
  return std::nullopt;
}

std::vector<std::string> FactSchema::PathsOf(SubjectKind kind) const {
  std::set<std::string> paths;
  for (const FactDef* fact : FactsOf(kind)) {
    std::string_view name = fact->name;
    for (size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
      paths.emplace(name.substr(0, dot));
    }
    paths.emplace(name);
  }
  return {paths.begin(), paths.end()};
}

void RegisterCoreFacts(FactSchema& schema) {
  using cel::Type;
  const Type labels = Type::Map(Type::String(), Type::String());
  auto add = [&](SubjectKind kind, std::string name, Type type, std::string unit, std::string description) {
    schema.Add(kind, FactDef{std::move(name), std::move(type), std::move(unit), std::move(description),
                             FactOrigin::kInput, false});
  };
  for (SubjectKind kind : kAllSubjectKinds) {
    add(kind, "id", Type::String(), "", "Identifier of the subject, unique per kind.");
    add(kind, "kind", Type::String(), "", "Kind of the subject (\"device\", \"stream\", ...).");
    add(kind, "name", Type::String(), "", "Human-readable name.");
    add(kind, "labels", labels, "", "Free-form labels (key → value) for selection.");
  }
  const SubjectKind d = SubjectKind::kDevice;
  add(d, "site", Type::String(), "", "Site (plant, building) where the device is installed.");
  add(d, "zone", Type::String(), "", "IEC 62443 zone the device belongs to.");
  add(d, "class", Type::String(), "", "Device class (for example \"engine-monitor\").");
  // dyn: a version string in simple inventories, or the record's firmware
  // object (version, image, signature, ...) whose facts the device evaluator
  // computes (docs/devices.md); a string type would reject `device.firmware.sha256`.
  add(d, "firmware", Type::Dyn(), "",
      "Installed firmware: its version, or an object {version, image, signature, key, components} (docs/devices.md).");
  add(d, "model", Type::String(), "", "Deployed ML model id, if any.");
  add(d, "online", Type::Bool(), "", "Whether the device reported within its expected interval.");
  add(d, "last_seen", Type::Timestamp(), "", "Time of the device's last report (RFC 3339 in inputs).");

  const SubjectKind s = SubjectKind::kStream;
  add(s, "sensor", Type::String(), "", "Sensor type of the stream (\"vibration\", \"temperature\", ...).");
  add(s, "device", schema.SubjectType(d), "", "The device that produces the stream (all its device facts).");
  add(s, "unit", Type::String(), "", "Unit of the measured values.");
  add(s, "quality.missing_ratio", Type::Double(), "ratio", "Share of expected samples that are missing in the window.");
  add(s, "quality.max_gap_s", Type::Double(), "s", "Longest gap between consecutive samples in the window.");
  add(s, "quality.sample_rate_hz", Type::Double(), "Hz", "Observed sample rate.");
  add(s, "quality.last_sample", Type::Timestamp(), "", "Time of the newest sample (RFC 3339 in inputs).");
  add(s, "stats.count", Type::Int(), "", "Number of samples in the window.");
  add(s, "stats.min", Type::Double(), "", "Smallest value in the window.");
  add(s, "stats.max", Type::Double(), "", "Largest value in the window.");
  add(s, "stats.mean", Type::Double(), "", "Mean value in the window.");
  add(s, "stats.p99", Type::Double(), "", "99th percentile of the values in the window.");
  add(s, "contract.owner", Type::String(), "", "Owner of the stream's data contract.");
  add(s, "contract.allowed_sites", Type::List(Type::String()), "", "Sites allowed to produce the stream.");

  // Models' digests, evaluations and device fit are computed by the models
  // evaluator (evaluators/models), which registers them.
  const SubjectKind m = SubjectKind::kModel;
  add(m, "format", Type::String(), "", "Serialization format (\"onnx\", ...).");

  const SubjectKind a = SubjectKind::kArtifact;
  add(a, "type", Type::String(), "", "Artifact type (\"firmware\", \"sbom\", ...).");
  add(a, "version", Type::String(), "", "Artifact version.");
  add(a, "sha256", Type::String(), "", "SHA-256 digest of the artifact, hex.");
  add(a, "size_bytes", Type::Int(), "bytes", "Size of the artifact.");
  add(a, "signed", Type::Bool(), "", "Whether the artifact carries a signature.");

  // A deployment's model, firmware and target facts are computed by the
  // models evaluator, which registers them.
  const SubjectKind dep = SubjectKind::kDeployment;
  add(dep, "cohort", Type::List(Type::String()), "", "Ids of the target devices, when listed explicitly.");
  add(dep, "environment", Type::String(), "", "Target environment (\"staging\", \"production\", ...).");

  const SubjectKind df = SubjectKind::kDataflow;
  add(df, "purpose", Type::String(), "", "Purpose of the processing (GDPR Art. 5.1.b).");
  add(df, "legal_basis", Type::String(), "", "Legal basis of the processing (GDPR Art. 6).");
  add(df, "data_categories", Type::List(Type::String()), "", "Categories of personal data processed.");
  add(df, "retention_days", Type::Int(), "days", "How long the data is kept.");
  add(df, "recipients", Type::List(Type::String()), "", "Recipients of the data.");
  add(df, "cross_border", Type::Bool(), "", "Whether data leaves the EU/EEA.");

  // Zone facts are registered by the zones evaluator (evaluators/zones).
}

namespace {

std::string EscapeCell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

nlohmann::json JsonSchemaOf(const cel::Type& type) {
  using cel::TypeKind;
  switch (type.kind) {
    case TypeKind::kBool: return {{"type", "boolean"}};
    case TypeKind::kInt:
    case TypeKind::kUint: return {{"type", "integer"}};
    case TypeKind::kDouble: return {{"type", "number"}};
    case TypeKind::kString: return {{"type", "string"}};
    case TypeKind::kBytes: return {{"type", "string"}, {"contentEncoding", "base64"}};
    case TypeKind::kTimestamp: return {{"type", "string"}, {"format", "date-time"}};
    case TypeKind::kDuration: return {{"type", "string"}, {"pattern", "^-?[0-9.]+(h|m|s|ms|us|ns)+$"}};
    case TypeKind::kList: {
      nlohmann::json out = {{"type", "array"}};
      if (!type.params.empty() && type.params[0].kind != TypeKind::kDyn) out["items"] = JsonSchemaOf(type.params[0]);
      return out;
    }
    case TypeKind::kMap: {
      nlohmann::json out = {{"type", "object"}};
      if (type.params.size() == 2 && type.params[1].kind != TypeKind::kDyn) {
        out["additionalProperties"] = JsonSchemaOf(type.params[1]);
      }
      return out;
    }
    case TypeKind::kObject: return {{"type", "object"}};
    default: return nlohmann::json::object();
  }
}

// Inserts `fact` into the nested "properties" of `schema` along its dotted path.
void InsertProperty(nlohmann::json& schema, std::string_view path, nlohmann::json leaf) {
  nlohmann::json* node = &schema;
  while (true) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    nlohmann::json& properties = (*node)["properties"];
    if (dot == std::string_view::npos) {
      properties[key] = std::move(leaf);
      return;
    }
    nlohmann::json& child = properties[key];
    if (!child.contains("type")) child["type"] = "object";
    node = &child;
    path.remove_prefix(dot + 1);
  }
}

}  // namespace

std::string RenderMarkdown(const FactSchema& schema) {
  std::string out = "# Fact reference\n\n"
                    "Facts rules read, per subject kind: `<kind>.<fact>` in CEL (for example "
                    "`stream.quality.missing_ratio`). Generated by `stagegate facts`.\n";
  for (SubjectKind kind : kAllSubjectKinds) {
    out += fmt::format("\n## `{}`\n\n| fact | type | unit | origin | description |\n|---|---|---|---|---|\n",
                       SubjectKindName(kind));
    for (const FactDef* fact : schema.FactsOf(kind)) {
      std::string type = cel::TypeToString(fact->type);
      if (auto linked = FactSchema::SplitObjectType(fact->type); linked && linked->second.empty()) {
        type = fmt::format("{} (subject)", SubjectKindName(linked->first));
      }
      out += fmt::format("| `{}.{}` | `{}` | {} | {} | {} |\n", SubjectKindName(kind), fact->name, EscapeCell(type),
                         EscapeCell(fact->unit), OriginName(fact->origin), EscapeCell(fact->description));
    }
  }
  return out;
}

std::string RenderJsonSchema(const FactSchema& schema) {
  nlohmann::json root = {
      {"$schema", "https://json-schema.org/draft/2020-12/schema"},
      {"$id", "https://stagegate.dev/schemas/input-document.json"},
      {"title", "Stagegate input document"},
      {"description", "One subject of an input file: its kind, id and facts."},
      {"type", "object"},
      {"required", {"kind", "id"}},
  };
  nlohmann::json one_of = nlohmann::json::array();
  nlohmann::json defs = nlohmann::json::object();
  for (SubjectKind kind : kAllSubjectKinds) {
    std::string name(SubjectKindName(kind));
    nlohmann::json sub = {{"type", "object"}, {"required", {"id"}}};
    for (const FactDef* fact : schema.FactsOf(kind)) {
      nlohmann::json leaf = JsonSchemaOf(fact->type);
      if (auto linked = FactSchema::SplitObjectType(fact->type); linked && linked->second.empty()) {
        leaf = {{"$ref", "#/$defs/" + std::string(SubjectKindName(linked->first))}};
      }
      std::string description = fact->description;
      if (!fact->unit.empty()) description += " Unit: " + fact->unit + ".";
      if (!description.empty() && !leaf.contains("$ref")) leaf["description"] = description;
      InsertProperty(sub, fact->name, std::move(leaf));
    }
    sub["properties"]["kind"] = {{"const", name}};
    defs[name] = sub;
    one_of.push_back({{"$ref", "#/$defs/" + name}});
  }
  root["oneOf"] = std::move(one_of);
  root["$defs"] = std::move(defs);
  return root.dump(2) + "\n";
}

}  // namespace stagegate::facts
