#include "engine/cel/bindings/yaml_documents.h"
#include "engine/cel/bindings/yaml_limits.h"
#include "engine/policy/loader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <span>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/cel/parser/parser.h"
#include "engine/policy/internal.h"

namespace stagegate::policy {
namespace {

using internal::JoinQuoted;
using internal::Suggest;
using facts::SubjectKind;

constexpr std::string_view kApiVersion = "stagegate/v1";
const std::vector<std::string> kKinds = {"Rule", "Policy", "Framework", "Waiver", "PolicyTest", "FactSchema", "DataContract",
                                          "KeySet", "DeviceProfile", "TrustAnchors", "FirmwareMeasurements",
                                          "VulnerabilityList"};
// Kinds whose documents an evaluator reads from the bundle, not the loader.
bool IsEvaluatorKind(std::string_view kind) {
  return kind == "DataContract" || kind == "KeySet" || kind == "DeviceProfile" || kind == "TrustAnchors" ||
         kind == "FirmwareMeasurements" || kind == "VulnerabilityList";
}
const std::vector<std::string> kSeverities = {"info", "low", "medium", "high", "critical"};
const std::vector<std::string> kEnforcements = {"deny", "warn", "audit"};
const std::vector<std::string> kStages = {"gate", "audit"};
const std::vector<std::string> kOutcomes = {"pass", "fail", "not_evaluable", "error", "waived", "not_applicable"};
const std::vector<std::string> kParamTypes = {"string", "int", "double", "bool", "list", "map", "duration", "timestamp"};
const std::vector<std::string> kDocumentKeys = {"apiVersion", "kind", "metadata", "spec"};
const std::vector<std::string> kMetadataKeys = {"id", "name", "title", "owner", "description", "labels"};

constexpr char kParamsType[] = "stagegate.params";
constexpr char kVariablesType[] = "stagegate.variables";

std::vector<std::string> KindNames() {
  std::vector<std::string> out;
  for (SubjectKind kind : facts::kAllSubjectKinds) out.emplace_back(facts::SubjectKindName(kind));
  return out;
}

// One policy file and its lines (for snippets and block scalars).
struct File {
  std::string path;
  std::string content;
  std::vector<std::string_view> lines;
};

// A key/value pair of a YAML map.
struct Field {
  YAML::Node key;
  YAML::Node value;
};
using Fields = std::map<std::string, Field, std::less<>>;

// The text of a scalar and where it lies in its file, so that CEL positions map to the file.
struct ScalarText {
  std::string text;
  int line = 1;                 // 1-based line of text[0]
  int column = 1;               // 1-based column of text[0]
  int continuation_column = 1;  // column of every later line's first character
  bool folded = false;          // a `>` block: line breaks of literal parts read as spaces

  std::pair<int, int> PositionOf(size_t offset) const {
    int l = line;
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
      if (text[i] == '\n') ++l, line_start = i + 1;
    }
    int c = (l == line ? column : continuation_column) + static_cast<int>(offset - line_start);
    return {l, c};
  }
};

std::string NodeKindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    default: return "nothing";
  }
}

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

// Converts a YAML node to JSON, typing plain scalars as YAML 1.2 core does.
nlohmann::json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (IsQuoted(node)) return s;
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      if (s == "null" || s == "~" || s == "Null" || s == "NULL") return nullptr;
      if (!s.empty()) {
        char* end = nullptr;
        errno = 0;
        long long i = std::strtoll(s.c_str(), &end, 10);
        if (*end == '\0' && errno == 0) return static_cast<int64_t>(i);
        double d = std::strtod(s.c_str(), &end);
        if (*end == '\0' && std::isfinite(d) && s.find_first_of("xXpP") == std::string::npos) return d;
      }
      return s;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const YAML::Node& item : node) out.push_back(ToJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& item : node) out[item.first.Scalar()] = ToJson(item.second);
      return out;
    }
    default: return nullptr;
  }
}

cel::Type ParamCelType(ParamType type) {
  switch (type) {
    case ParamType::kString: return cel::Type::String();
    case ParamType::kInt: return cel::Type::Int();
    case ParamType::kDouble: return cel::Type::Double();
    case ParamType::kBool: return cel::Type::Bool();
    case ParamType::kList: return cel::Type::List(cel::Type::Dyn());
    case ParamType::kMap: return cel::Type::Map(cel::Type::String(), cel::Type::Dyn());
    case ParamType::kDuration: return cel::Type::Duration();
    case ParamType::kTimestamp: return cel::Type::Timestamp();
  }
  return cel::Type::Dyn();
}

// Parses the type names a FactSchema document uses: string, int, double, bool,
// bytes, timestamp, duration, dyn, list(T), map(K, V), list, map.
std::optional<cel::Type> ParseTypeName(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  if (text == "string") return cel::Type::String();
  if (text == "int") return cel::Type::Int();
  if (text == "uint") return cel::Type::Uint();
  if (text == "double") return cel::Type::Double();
  if (text == "bool") return cel::Type::Bool();
  if (text == "bytes") return cel::Type::Bytes();
  if (text == "timestamp") return cel::Type::Timestamp();
  if (text == "duration") return cel::Type::Duration();
  if (text == "dyn") return cel::Type::Dyn();
  if (text == "list") return cel::Type::List(cel::Type::Dyn());
  if (text == "map") return cel::Type::Map(cel::Type::String(), cel::Type::Dyn());
  if (text.size() > 6 && text.substr(0, 5) == "list(" && text.back() == ')') {
    auto element = ParseTypeName(text.substr(5, text.size() - 6));
    if (element) return cel::Type::List(*element);
    return std::nullopt;
  }
  if (text.size() > 5 && text.substr(0, 4) == "map(" && text.back() == ')') {
    std::string_view inner = text.substr(4, text.size() - 5);
    int depth = 0;
    for (size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '(') ++depth;
      if (inner[i] == ')') --depth;
      if (inner[i] == ',' && depth == 0) {
        auto key = ParseTypeName(inner.substr(0, i));
        auto value = ParseTypeName(inner.substr(i + 1));
        if (key && value && (key->kind == cel::TypeKind::kString || key->kind == cel::TypeKind::kInt ||
                             key->kind == cel::TypeKind::kBool || key->kind == cel::TypeKind::kUint)) {
          return cel::Type::Map(*key, *value);
        }
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

enum class Role { kBool, kString, kAny };

// What an expression may read.
struct Scope {
  std::optional<SubjectKind> kind;  // the subject kind; nullopt: a policy selector (any one kind)
  std::map<std::string, cel::Type> params;
  std::map<std::string, cel::Type> variables;
  bool has_params = true;     // false: a selector or waiver (no `params`, no `variables`)
  std::string owner;          // "rule 'x'", "the selector of policy 'p'": for messages
};

// What an expression reads, found by walking its tree.
struct Reads {
  std::set<SubjectKind> kinds;
  std::set<std::string> facts;
};

class Loader {
 public:
  Loader(const facts::FactSchema& schema, const LoadOptions& options) : options_(options) {
    out_ = std::make_unique<LoadedBundle>();
    out_->schema = schema;
    auto env = std::make_shared<cel::Environment>(cel::Environment::Standard());
    for (SubjectKind kind : facts::kAllSubjectKinds) {
      env->DeclareVariable(std::string(facts::SubjectKindName(kind)), out_->schema.SubjectType(kind));
    }
    env->DeclareVariable("params", cel::Type::Object(kParamsType));
    env->DeclareVariable("variables", cel::Type::Object(kVariablesType));
    env->DeclareVariable("now", cel::Type::Timestamp());
    // Facts and parameters come from JSON: RFC 3339 strings for timestamps,
    // "15m" for durations, integers where a double is declared.
    env->options().coerce_to_declared_types = true;
    // The resolver reads the schema of the bundle (heap-allocated, alive as
    // long as the environment it owns) and the scope of the expression being
    // compiled (set only during Compile).
    auto state = scope_state_;
    const facts::FactSchema* bundle_schema = &out_->schema;
    env->SetFieldTypeResolver([state, bundle_schema](const cel::Type& object,
                                                     std::string_view field) -> std::optional<cel::Type> {
      // Unknown names are reported by WalkReads with a suggestion; here they are dyn.
      if (object.name == kParamsType || object.name == kVariablesType) {
        if (*state != nullptr) {
          const auto& names = object.name == kParamsType ? (*state)->params : (*state)->variables;
          auto it = names.find(std::string(field));
          if (it != names.end()) return it->second;
        }
        return cel::Type::Dyn();
      }
      if (std::optional<cel::Type> type = bundle_schema->FieldType(object, field)) return type;
      return cel::Type::Dyn();
    });
    env_ = env;
    out_->environment = env;
  }

  LoadResult Run(const bundle::Bundle& bundle);

 private:
  struct Doc {
    const File* file = nullptr;
    YAML::Node root;
    YAML::Node metadata;
    YAML::Node spec;
    std::string kind;
    std::string id;
    YAML::Node id_node;  // where the id is written (or the document root)
  };

  // ---- diagnostics ----
  void Report(const char* code, const File& file, int line, int column, std::string message, bool warning = false) {
    PolicyDiagnostic d;
    d.code = code;
    d.location = {file.path, line, column};
    d.message = std::move(message);
    d.warning = warning;
    if (line >= 1 && static_cast<size_t>(line) <= file.lines.size()) {
      std::string_view text = file.lines[static_cast<size_t>(line) - 1];
      d.snippet = " | " + std::string(text) + "\n | " + std::string(static_cast<size_t>(std::max(column - 1, 0)), '.') + "^";
    }
    diagnostics_.push_back(std::move(d));
  }
  void ReportAt(const char* code, const File& file, const YAML::Node& node, std::string message, bool warning = false) {
    YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    if (mark.is_null()) {
      Report(code, file, 1, 1, std::move(message), warning);
      return;
    }
    Report(code, file, mark.line + 1, mark.column + 1, std::move(message), warning);
  }
  eval::FileLocation Location(const File& file, const YAML::Node& node) const {
    YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    if (mark.is_null()) return {file.path, 1, 1};
    return {file.path, mark.line + 1, mark.column + 1};
  }

  // ---- YAML shapes ----
  // Reads the keys of a map, reporting unknown ones (SG101) with a suggestion.
  // Returns false (after SG103) when `node` is not a map.
  bool ReadMap(const File& file, const YAML::Node& node, const std::vector<std::string>& allowed, std::string_view what,
               Fields* fields) {
    if (!node.IsMap()) {
      ReportAt("SG103", file, node, fmt::format("{} must be a map, found {}", what, NodeKindName(node)));
      return false;
    }
    for (const auto& item : node) {
      if (!item.first.IsScalar()) {
        ReportAt("SG103", file, item.first, fmt::format("keys of {} must be names, found {}", what, NodeKindName(item.first)));
        continue;
      }
      const std::string& key = item.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string hint = Suggest(key, allowed);
        ReportAt("SG101", file, item.first,
                 hint.empty() ? fmt::format("unknown key '{}' in {}; valid keys: {}", key, what, JoinQuoted(allowed))
                              : fmt::format("unknown key '{}' in {}; did you mean '{}'?", key, what, hint));
        continue;
      }
      if (fields->count(key) != 0) {
        ReportAt("SG104", file, item.first, fmt::format("duplicate key '{}' in {}; keep one", key, what));
        continue;
      }
      fields->emplace(key, Field{item.first, item.second});
    }
    return true;
  }

  const Field* Get(const Fields& fields, std::string_view key) const {
    auto it = fields.find(key);
    return it == fields.end() ? nullptr : &it->second;
  }

  const Field* Require(const File& file, const Fields& fields, std::string_view key, const YAML::Node& at,
                       std::string_view what, std::string_view example) {
    const Field* field = Get(fields, key);
    if (field == nullptr) {
      ReportAt("SG102", file, at, fmt::format("missing required field '{}' in {}; add it, for example '{}'", key, what, example));
    }
    return field;
  }

  std::optional<std::string> String(const File& file, const Field& field, std::string_view what) {
    if (!field.value.IsScalar()) {
      ReportAt("SG103", file, field.value.IsNull() ? field.key : field.value,
               fmt::format("'{}' of {} must be a string, found {}", field.key.Scalar(), what, NodeKindName(field.value)));
      return std::nullopt;
    }
    return field.value.Scalar();
  }

  // A number in a settings map; nullopt after SG103.
  std::optional<double> Number(const File& file, const Field& field, std::string_view what) {
    if (field.value.IsScalar()) {
      const std::string& text = field.value.Scalar();
      double value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size() && std::isfinite(value)) return value;
    }
    ReportAt("SG103", file, field.value.IsNull() ? field.key : field.value,
             fmt::format("'{}' of {} must be a number, found {}", field.key.Scalar(), what,
                         field.value.IsScalar() ? fmt::format("'{}'", field.value.Scalar()) : NodeKindName(field.value)));
    return std::nullopt;
  }

  // Reads `spec.drift` of a policy (SG307 for values out of range).
  std::optional<DriftSettings> ReadDriftSettings(const File& file, const Field& field, std::string_view policy_what) {
    const std::string what = fmt::format("the drift settings of {}", policy_what);
    Fields fields;
    if (!ReadMap(file, field.value, {"baseline", "test", "threshold", "correction", "alpha", "minSamples", "sentinels"},
                 what, &fields)) {
      return std::nullopt;
    }
    DriftSettings settings;
    settings.location = Location(file, field.value);
    bool ok = true;
    const Field* baseline = Require(file, fields, "baseline", field.value, what, "baseline: winter-2024");
    if (baseline == nullptr) return std::nullopt;
    if (auto name = String(file, *baseline, what); name && !name->empty()) settings.baseline = *name;
    else {
      if (name) ReportAt("SG307", file, baseline->value, fmt::format("the baseline of {} is empty; name a baseline "
                                                                    "made with 'stagegate baseline create --out NAME'", what));
      ok = false;
    }
    auto one_of = [&](const char* key, std::span<const std::string_view> allowed, std::string* out) {
      const Field* f = Get(fields, key);
      if (f == nullptr) return;
      std::optional<std::string> text = String(file, *f, what);
      if (!text) {
        ok = false;
      } else if (std::find(allowed.begin(), allowed.end(), *text) == allowed.end()) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        ReportAt("SG307", file, f->value, fmt::format("invalid {} '{}' in {}; use one of {}", key, *text, what, JoinQuoted(names)));
        ok = false;
      } else {
        *out = *text;
      }
    };
    one_of("test", kDriftTests, &settings.test);
    one_of("correction", kDriftCorrections, &settings.correction);
    if (const Field* f = Get(fields, "threshold")) {
      if (std::optional<double> v = Number(file, *f, what); !v) ok = false;
      else if (*v <= 0) {
        ReportAt("SG307", file, f->value, fmt::format("the threshold of {} must be above 0, found {}", what, *v));
        ok = false;
      } else settings.threshold = *v;
    }
    if (const Field* f = Get(fields, "alpha")) {
      if (std::optional<double> v = Number(file, *f, what); !v) ok = false;
      else if (*v <= 0 || *v >= 1) {
        ReportAt("SG307", file, f->value, fmt::format("alpha of {} must be between 0 and 1 (exclusive), found {}", what, *v));
        ok = false;
      } else settings.alpha = *v;
    }
    if (const Field* f = Get(fields, "minSamples")) {
      if (std::optional<double> v = Number(file, *f, what); !v) ok = false;
      else if (*v < 1 || *v != std::floor(*v) || *v > 1e12) {
        ReportAt("SG307", file, f->value, fmt::format("minSamples of {} must be a whole number of at least 1, found {}", what, *v));
        ok = false;
      } else settings.min_samples = static_cast<int64_t>(*v);
    }
    if (const Field* f = Get(fields, "sentinels")) {
      if (!f->value.IsSequence()) {
        ReportAt("SG103", file, f->value, fmt::format("'sentinels' of {} must be a list of numbers, found {}", what,
                                                      NodeKindName(f->value)));
        ok = false;
      } else {
        for (const YAML::Node& item : f->value) {
          if (std::optional<double> v = Number(file, Field{f->key, item}, what)) settings.sentinels.push_back(*v);
          else ok = false;
        }
      }
    }
    if (!ok) return std::nullopt;
    return settings;
  }

  std::string OptString(const File& file, const Fields& fields, std::string_view key, std::string_view what) {
    const Field* field = Get(fields, key);
    if (field == nullptr) return "";
    return String(file, *field, what).value_or("");
  }

  std::optional<std::vector<std::pair<std::string, YAML::Node>>> StringList(const File& file, const Field& field,
                                                                            std::string_view what) {
    if (!field.value.IsSequence()) {
      ReportAt("SG103", file, field.value.IsNull() ? field.key : field.value,
               fmt::format("'{}' of {} must be a list of strings, found {}", field.key.Scalar(), what,
                           NodeKindName(field.value)));
      return std::nullopt;
    }
    std::vector<std::pair<std::string, YAML::Node>> out;
    for (const YAML::Node& item : field.value) {
      if (!item.IsScalar()) {
        ReportAt("SG103", file, item,
                 fmt::format("'{}' of {} must be a list of strings, found {} in it", field.key.Scalar(), what,
                             NodeKindName(item)));
        continue;
      }
      out.emplace_back(item.Scalar(), item);
    }
    return out;
  }

  ScalarText ScalarOf(const File& file, const YAML::Node& node) const;

  // ---- CEL ----
  Reads WalkReads(const File* file, const cel::Source& source, const cel::Expr& root, const Scope& scope);
  std::optional<Expression> CompileText(const File& file, const ScalarText& scalar, size_t begin, size_t length,
                                        const Scope& scope, Role role, std::string_view what);
  std::optional<Expression> CompileNode(const File& file, const Field& field, const Scope& scope, Role role,
                                        std::string_view what) {
    if (!field.value.IsScalar()) {
      ReportAt("SG103", file, field.value.IsNull() ? field.key : field.value,
               fmt::format("'{}' of {} must be a CEL expression (a string), found {}", field.key.Scalar(), what,
                           NodeKindName(field.value)));
      return std::nullopt;
    }
    ScalarText scalar = ScalarOf(file, field.value);
    return CompileText(file, scalar, 0, scalar.text.size(), scope, role, what);
  }
  std::set<SubjectKind> KindsRead(const std::string& text);
  std::optional<MessageTemplate> CompileMessage(const File& file, const Field& field, const Scope& scope, std::string_view what);
  std::vector<Variable> CompileVariables(const File& file, const Field& field, Scope& scope, std::string_view what,
                                         std::optional<SubjectKind> only_reading = std::nullopt);

  // ---- kinds ----
  void ReadFile(const File& file);
  void LoadFactSchema(const Doc& doc);
  void LoadFramework(const Doc& doc);
  void LoadTemplate(const Doc& doc);
  void LoadPolicy(const Doc& doc);
  void LoadWaiver(const Doc& doc);
  void LoadTest(const Doc& doc);
  // Reads the parts of a rule shared by templates and inline rules.
  bool ReadRuleBody(const File& file, const Fields& fields, const YAML::Node& at, RuleTemplate* rule,
                    const std::vector<Variable>* outer_variables, std::string_view what);
  std::vector<ParamSpec> ReadParams(const File& file, const Field& field, std::string_view what);
  std::optional<nlohmann::json> ConvertParam(const File& file, const YAML::Node& value, const ParamSpec& spec,
                                             std::string_view what);
  std::vector<std::string> ReadControls(const File& file, const Field& field, std::string_view what);
  std::optional<eval::Severity> ReadSeverity(const File& file, const Field& field, std::string_view what);
  bool CheckId(const File& file, const YAML::Node& node, const std::string& id, std::string_view what);
  void CheckDuplicate(std::map<std::string, eval::FileLocation>& seen, const File& file, const YAML::Node& node,
                      const std::string& id, std::string_view what);

  LoadOptions options_;
  std::unique_ptr<LoadedBundle> out_;
  std::shared_ptr<const cel::Environment> env_;
  // The scope of the expression being compiled, read by the field resolver.
  std::shared_ptr<const Scope*> scope_state_ = std::make_shared<const Scope*>(nullptr);
  std::vector<PolicyDiagnostic> diagnostics_;
  bool params_failed_ = false;  // set by ReadParams when a parameter declaration is invalid
  std::vector<std::unique_ptr<File>> files_;
  std::map<std::string, std::vector<Doc>> docs_;  // by kind
  std::set<std::string> bundle_paths_;
  std::map<std::string, eval::FileLocation> template_ids_, policy_names_, framework_ids_, waiver_ids_, test_names_;
};

ScalarText Loader::ScalarOf(const File& file, const YAML::Node& node) const {
  ScalarText out;
  out.text = node.Scalar();
  YAML::Mark mark = node.Mark();
  out.line = mark.line + 1;
  out.column = mark.column + 1;
  out.continuation_column = out.column;
  if (mark.pos < 0 || static_cast<size_t>(mark.pos) >= file.content.size()) return out;
  char first = file.content[static_cast<size_t>(mark.pos)];
  if (first == '"' || first == '\'') {
    out.column += 1;
    out.continuation_column = out.column;
    return out;
  }
  if (first != '|' && first != '>') return out;
  // A block scalar: rebuild its text from the file, line for line, so that
  // positions map exactly (a folded `>` block reads the same to CEL, where
  // line breaks are white space).
  out.folded = first == '>';
  size_t header_line = static_cast<size_t>(mark.line);
  size_t index = header_line + 1;
  while (index < file.lines.size() && file.lines[index].find_first_not_of(' ') == std::string_view::npos) ++index;
  if (index >= file.lines.size()) return out;
  size_t indent = file.lines[index].find_first_not_of(' ');
  std::vector<std::string_view> body;
  for (size_t i = index; i < file.lines.size(); ++i) {
    std::string_view line = file.lines[i];
    size_t first_char = line.find_first_not_of(' ');
    if (first_char == std::string_view::npos) {
      body.emplace_back();
      continue;
    }
    if (first_char < indent) break;
    body.push_back(line.substr(indent));
  }
  while (!body.empty() && body.back().empty()) body.pop_back();
  std::string text;
  for (size_t i = 0; i < body.size(); ++i) {
    if (i > 0) text += '\n';
    text += body[i];
  }
  out.text = std::move(text);
  out.line = static_cast<int>(index) + 1;
  out.column = static_cast<int>(indent) + 1;
  out.continuation_column = out.column;
  return out;
}

// Walks the tree for select chains rooted at subject variables (facts),
// `params` and `variables`; reports unknown facts (SG402), reads of another
// subject kind (SG404) and unknown parameters or variables (SG407) when `file`
// is given.
Reads Loader::WalkReads(const File* file, const cel::Source& source, const cel::Expr& root, const Scope& scope) {
  Reads reads;
  std::multiset<std::string> locals;
  auto report = [&](const char* code, int32_t offset, std::string message, bool warning = false) {
    if (file == nullptr) return;
    cel::SourcePosition pos = source.PositionOf(offset);
    Report(code, *file, pos.line, pos.column, std::move(message), warning);
  };
  // Handles a chain ending at `expr` (a select or ident). Returns true when consumed.
  auto chain = [&](const cel::Expr& expr) -> bool {
    std::vector<const cel::Expr*> selects;
    const cel::Expr* node = &expr;
    while (node->kind == cel::ExprKind::kSelect && node->operand != nullptr) {
      selects.push_back(node);
      node = node->operand.get();
    }
    if (node->kind != cel::ExprKind::kIdent || locals.count(node->name) != 0) return false;
    std::reverse(selects.begin(), selects.end());
    const std::string& name = node->name;
    if (name == "params" || name == "variables") {
      if (selects.empty()) return true;
      const cel::Expr* first = selects.front();
      const auto& known = name == "params" ? scope.params : scope.variables;
      if (known.count(first->name) == 0) {
        std::vector<std::string> names;
        for (const auto& [n, t] : known) names.push_back(n);
        std::string noun = name == "params" ? "parameter" : "variable";
        std::string hint = Suggest(first->name, names);
        std::string message;
        if (!scope.has_params) {
          message = fmt::format("{} cannot read '{}': only rule expressions have {}", scope.owner, name, name);
        } else if (!hint.empty()) {
          message = fmt::format("unknown {} '{}' in {}; did you mean '{}'?", noun, first->name, scope.owner, hint);
        } else if (names.empty()) {
          message = fmt::format("unknown {} '{}': {} declares no {}s", noun, first->name, scope.owner, noun);
        } else {
          message = fmt::format("unknown {} '{}' in {}; declared: {}", noun, first->name, scope.owner, JoinQuoted(names));
        }
        report("SG407", first->offset + 1, message);
      }
      return true;
    }
    std::optional<SubjectKind> kind = facts::ParseSubjectKind(name);
    if (!kind) return false;
    reads.kinds.insert(*kind);
    if (scope.kind && *kind != *scope.kind) {
      std::string hint;
      if (*scope.kind == SubjectKind::kStream && *kind == SubjectKind::kDevice) {
        hint = " (the stream's device is 'stream.device')";
      } else {
        hint = fmt::format("; write a separate rule with 'subject: {}'", name);
      }
      report("SG404", node->offset,
             fmt::format("{} judges {} subjects but reads '{}'{}", scope.owner, facts::SubjectKindName(*scope.kind),
                         name, hint));
      return true;
    }
    SubjectKind current = *kind;
    std::string group;
    std::string full = name;
    for (const cel::Expr* select : selects) {
      std::string path = group.empty() ? select->name : group + "." + select->name;
      full += "." + select->name;
      if (const facts::FactDef* fact = out_->schema.Find(current, path)) {
        auto linked = facts::FactSchema::SplitObjectType(fact->type);
        if (linked && linked->second.empty()) {
          current = linked->first;
          group.clear();
          continue;
        }
        reads.facts.insert(full);
        return true;
      }
      if (out_->schema.IsGroup(current, path)) {
        group = path;
        continue;
      }
      std::vector<std::string> paths = out_->schema.PathsOf(current);
      std::string hint = Suggest(path, paths);
      std::string prefix = full.substr(0, full.size() - select->name.size() - 1);
      std::string message =
          hint.empty()
              ? fmt::format("unknown fact '{}': {} has no fact '{}'; declare it in a FactSchema document or check "
                            "'stagegate facts'",
                            full, facts::SubjectKindName(current), path)
              : fmt::format("unknown fact '{}'; did you mean '{}.{}'?", full, prefix,
                            hint.substr(group.empty() ? 0 : group.size() + 1));
      report("SG402", select->offset + 1, message, options_.undeclared_facts_are_warnings);
      reads.facts.insert(full);
      return true;
    }
    if (!group.empty() || !selects.empty()) reads.facts.insert(full);
    return true;
  };
  std::function<void(const cel::Expr&)> visit = [&](const cel::Expr& expr) {
    switch (expr.kind) {
      case cel::ExprKind::kIdent:
      case cel::ExprKind::kSelect:
        if (chain(expr)) return;
        if (expr.operand) visit(*expr.operand);
        return;
      case cel::ExprKind::kCall:
        if (expr.operand) visit(*expr.operand);
        for (const auto& arg : expr.args) visit(*arg);
        return;
      case cel::ExprKind::kList:
        for (const auto& arg : expr.args) visit(*arg);
        return;
      case cel::ExprKind::kMap:
      case cel::ExprKind::kStruct:
        for (const auto& entry : expr.entries) {
          if (entry.key) visit(*entry.key);
          if (entry.value) visit(*entry.value);
        }
        return;
      case cel::ExprKind::kComprehension: {
        const cel::Comprehension* c = expr.comprehension.get();
        if (c == nullptr) return;
        if (c->iter_range) visit(*c->iter_range);
        if (c->accu_init) visit(*c->accu_init);
        std::vector<std::string> added = {c->iter_var, c->iter_var2, c->accu_var};
        for (const auto& n : added) if (!n.empty()) locals.insert(n);
        if (c->loop_condition) visit(*c->loop_condition);
        if (c->loop_step) visit(*c->loop_step);
        if (c->result) visit(*c->result);
        for (const auto& n : added) if (!n.empty()) locals.erase(locals.find(n));
        return;
      }
      case cel::ExprKind::kConstant:
        return;
    }
  };
  visit(root);
  return reads;
}

std::set<SubjectKind> Loader::KindsRead(const std::string& text) {
  cel::Source source(text);
  cel::ParseResult parsed = cel::Parse(source, env_->options().parse_limits);
  if (!parsed.ok()) return {};
  Scope any;
  return WalkReads(nullptr, source, *parsed.parsed.root, any).kinds;
}

std::optional<Expression> Loader::CompileText(const File& file, const ScalarText& scalar, size_t begin, size_t length,
                                              const Scope& scope, Role role, std::string_view what) {
  Expression out;
  out.text = scalar.text.substr(begin, length);
  auto [line, column] = scalar.PositionOf(begin);
  out.location = {file.path, line, column};
  auto source = std::make_shared<cel::Source>(out.text, file.path);
  source->SetEmbedding(line, column, scalar.continuation_column);
  auto report_cel = [&](const cel::Diagnostic& d) {
    cel::SourcePosition pos = source->PositionOf(d.offset);
    bool syntax = d.code.rfind("CEL0", 0) == 0 || d.code.rfind("CEL2", 0) == 0;
    Report(syntax ? "SG401" : "SG403", file, pos.line, pos.column,
           fmt::format("{} in {}: {} ({})", syntax ? "CEL syntax error" : "CEL type error", what, d.message, d.code),
           d.severity == cel::Severity::kWarning);
  };
  cel::ParseResult parsed = cel::Parse(*source, env_->options().parse_limits);
  if (!parsed.ok()) {
    for (const cel::Diagnostic& d : parsed.diagnostics) report_cel(d);
    if (parsed.diagnostics.empty()) Report("SG401", file, line, column, fmt::format("CEL syntax error in {}", what));
    return std::nullopt;
  }
  size_t before = diagnostics_.size();
  Reads reads = WalkReads(&file, *source, *parsed.parsed.root, scope);
  bool walk_errors = std::any_of(diagnostics_.begin() + static_cast<std::ptrdiff_t>(before), diagnostics_.end(),
                                 [](const PolicyDiagnostic& d) { return !d.warning; });
  out.facts.assign(reads.facts.begin(), reads.facts.end());
  *scope_state_ = &scope;
  cel::CompileResult compiled = cel::Compile(*env_, *source, std::move(parsed));
  *scope_state_ = nullptr;
  for (const cel::Diagnostic& d : compiled.diagnostics) report_cel(d);
  if (!compiled.ok() || walk_errors) return std::nullopt;
  out.type = compiled.program->result_type();
  // Programs call into the environment's function registry: each program keeps it alive.
  out.program = std::shared_ptr<const cel::Program>(compiled.program.release(),
                                                    [env = env_](const cel::Program* p) { delete p; });
  out.source = source;
  auto kind = out.type.kind;
  bool dyn = kind == cel::TypeKind::kDyn || kind == cel::TypeKind::kTypeParam;
  if ((role == Role::kBool && !dyn && kind != cel::TypeKind::kBool) ||
      (role == Role::kString && !dyn && kind != cel::TypeKind::kString)) {
    Report("SG405", file, line, column,
           fmt::format("{} must be a {} expression, but it is of type '{}'", what, role == Role::kBool ? "bool" : "string",
                       cel::TypeToString(out.type)));
    return std::nullopt;
  }
  return out;
}

std::optional<MessageTemplate> Loader::CompileMessage(const File& file, const Field& field, const Scope& scope,
                                                      std::string_view what) {
  if (!field.value.IsScalar()) {
    ReportAt("SG103", file, field.value.IsNull() ? field.key : field.value,
             fmt::format("'message' of {} must be a string, found {}", what, NodeKindName(field.value)));
    return std::nullopt;
  }
  ScalarText scalar = ScalarOf(file, field.value);
  MessageTemplate out;
  out.text = field.value.Scalar();
  const std::string& text = scalar.text;
  bool ok = true;
  size_t pos = 0;
  auto literal = [&](std::string s) {
    if (scalar.folded) std::replace(s.begin(), s.end(), '\n', ' ');
    if (!s.empty()) out.parts.push_back(MessagePart{std::move(s), std::nullopt});
  };
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      literal(text.substr(pos));
      break;
    }
    literal(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      auto [l, c] = scalar.PositionOf(open);
      Report("SG408", file, l, c, fmt::format("unterminated '{{{{' in the message of {}; close it with '}}}}'", what));
      return std::nullopt;
    }
    std::optional<Expression> e =
        CompileText(file, scalar, open + 2, close - open - 2, scope, Role::kAny, fmt::format("the message of {}", what));
    if (e) out.parts.push_back(MessagePart{"", std::move(e)});
    else ok = false;
    pos = close + 2;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::vector<Variable> Loader::CompileVariables(const File& file, const Field& field, Scope& scope, std::string_view what,
                                               std::optional<SubjectKind> only_reading) {
  std::vector<Variable> out;
  if (!field.value.IsSequence()) {
    ReportAt("SG103", file, field.value.IsNull() ? field.key : field.value,
             fmt::format("'variables' of {} must be a list of {{name, expression}} maps, found {}", what,
                         NodeKindName(field.value)));
    return out;
  }
  std::set<std::string> seen;
  for (const YAML::Node& item : field.value) {
    Fields fields;
    if (!ReadMap(file, item, {"name", "expression"}, fmt::format("a variable of {}", what), &fields)) continue;
    const Field* name = Require(file, fields, "name", item, "a variable", "name: ratio");
    const Field* expression = Require(file, fields, "expression", item, "a variable", "expression: stream.stats.max / 100.0");
    if (name == nullptr || expression == nullptr) continue;
    std::optional<std::string> n = String(file, *name, "a variable");
    if (!n) continue;
    if (!seen.insert(*n).second) {
      ReportAt("SG104", file, name->value, fmt::format("duplicate variable '{}' in {}; rename one", *n, what));
      continue;
    }
    if (only_reading && expression->value.IsScalar()) {
      // A policy variable compiled for one subject kind: skip it when it reads another kind.
      std::set<SubjectKind> kinds = KindsRead(expression->value.Scalar());
      if (!kinds.empty() && kinds.count(*only_reading) == 0) continue;
    }
    std::optional<Expression> e = CompileNode(file, *expression, scope, Role::kAny, fmt::format("variable '{}'", *n));
    if (e) {
      scope.variables[*n] = e->type;
      out.push_back(Variable{*n, std::move(*e)});
    } else {
      scope.variables[*n] = cel::Type::Dyn();
    }
  }
  return out;
}

bool Loader::CheckId(const File& file, const YAML::Node& node, const std::string& id, std::string_view what) {
  if (id.empty() || id.find_first_of("/ \t:") != std::string::npos) {
    ReportAt("SG105", file, node,
             fmt::format("invalid {} '{}': use letters, digits, '.', '-' and '_' (no spaces, '/' or ':')", what, id));
    return false;
  }
  return true;
}

void Loader::CheckDuplicate(std::map<std::string, eval::FileLocation>& seen, const File& file, const YAML::Node& node,
                            const std::string& id, std::string_view what) {
  auto [it, inserted] = seen.emplace(id, Location(file, node));
  if (!inserted) {
    // `what` is "rule id in policy 'p'" or "policy name": the id goes after its noun.
    size_t in = what.find(" in ");
    std::string noun = in == std::string_view::npos ? std::string(what) : std::string(what.substr(0, in));
    std::string where = in == std::string_view::npos ? "" : std::string(what.substr(in));
    ReportAt("SG104", file, node,
             fmt::format("duplicate {} '{}'{}: already defined at {}:{}:{}; rename one", noun, id, where, it->second.file,
                         it->second.line, it->second.column));
  }
}

void Loader::ReadFile(const File& file) {
  std::vector<YAML::Node> documents;
  if (std::optional<std::pair<int, int>> nul = cel::FindNulByte(file.content)) {
    Report("SG001", file, nul->first, nul->second,
           "YAML syntax error: a NUL byte is not allowed in YAML; the file may be binary or UTF-16 (save it as UTF-8)");
    return;
  }
  if (std::optional<std::pair<int, int>> comma = cel::FindLeadingComma(file.content)) {
    Report("SG001", file, comma->first, comma->second,
           "YAML syntax error: a line cannot start with ',' at the start of a document or after a top-level list item; "
           "remove it or quote the value");
    return;
  }
  try {
    documents = cel::LoadYamlDocuments(file.content);
  } catch (const YAML::Exception& e) {
    Report("SG001", file, e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1,
           fmt::format("YAML syntax error: {}; check brackets, quotes and indentation at or before this point", e.msg));
    return;
  }
  for (const YAML::Node& root : documents) {
    if (root.IsNull()) continue;  // an empty document (a trailing `---`)
    if (!cel::YamlWithinBudget(root)) {
      ReportAt("SG005", file, root,
               fmt::format("the document expands to more than {} values (nested YAML aliases?) or nests deeper "
                           "than {} levels; split it or write the values out",
                           cel::kMaxYamlValues, cel::kMaxYamlDepth));
      continue;
    }
    if (!root.IsMap()) {
      ReportAt("SG002", file, root,
               fmt::format("a policy document must be a map with apiVersion, kind, metadata and spec, found {}",
                           NodeKindName(root)));
      continue;
    }
    Fields fields;
    // Unknown top-level keys are only reported for known kinds (below).
    for (const auto& item : root) {
      if (item.first.IsScalar()) fields.emplace(item.first.Scalar(), Field{item.first, item.second});
    }
    const Field* api = Get(fields, "apiVersion");
    const Field* kind = Get(fields, "kind");
    // Data contracts are ODCS documents (apiVersion v3.x), read and checked by
    // the contracts evaluator; key sets and device profiles are read by the
    // model gates. The policy loader leaves them to their evaluators.
    if (kind != nullptr && kind->value.IsScalar() && IsEvaluatorKind(kind->value.Scalar())) continue;
    if (api == nullptr) {
      ReportAt("SG003", file, root, fmt::format("missing 'apiVersion'; add 'apiVersion: {}'", kApiVersion));
      continue;
    }
    if (!api->value.IsScalar() || api->value.Scalar() != kApiVersion) {
      ReportAt("SG003", file, api->value,
               fmt::format("unsupported apiVersion {}; this version of stagegate reads 'apiVersion: {}'",
                           NodeKindName(api->value), kApiVersion));
      continue;
    }
    if (kind == nullptr) {
      ReportAt("SG004", file, root, fmt::format("missing 'kind'; add one of {}", JoinQuoted(kKinds)));
      continue;
    }
    std::string kind_name = kind->value.IsScalar() ? kind->value.Scalar() : "";
    if (std::find(kKinds.begin(), kKinds.end(), kind_name) == kKinds.end()) {
      std::string hint = Suggest(kind_name, kKinds);
      ReportAt("SG004", file, kind->value,
               hint.empty() ? fmt::format("unknown kind {}; valid kinds: {}", NodeKindName(kind->value), JoinQuoted(kKinds))
                            : fmt::format("unknown kind {}; did you mean '{}'?", NodeKindName(kind->value), hint));
      continue;
    }
    Fields checked;
    ReadMap(file, root, kDocumentKeys, fmt::format("a {} document", kind_name), &checked);
    Doc doc;
    doc.file = &file;
    doc.root = root;
    doc.kind = kind_name;
    const Field* metadata = Require(file, checked, "metadata", root, fmt::format("a {} document", kind_name),
                                    "metadata: {name: my-id}");
    const Field* spec = Require(file, checked, "spec", root, fmt::format("a {} document", kind_name), "spec: {...}");
    if (metadata == nullptr || spec == nullptr) continue;
    Fields meta;
    if (!ReadMap(file, metadata->value, kMetadataKeys, "metadata", &meta)) continue;
    const Field* id = Get(meta, "id");
    if (id == nullptr) id = Get(meta, "name");
    if (id == nullptr) {
      ReportAt("SG102", file, metadata->key,
               fmt::format("missing required field 'name' (or 'id') in the metadata of a {} document; add it, for "
                           "example 'name: my-{}'",
                           kind_name, kind_name == "Rule" ? "rule" : "policy"));
      continue;
    }
    std::optional<std::string> id_text = String(file, *id, "metadata");
    if (!id_text) continue;
    doc.id = *id_text;
    doc.id_node = id->value;
    doc.metadata = metadata->value;
    doc.spec = spec->value;
    if (!CheckId(file, id->value, doc.id, fmt::format("{} id", kind_name))) continue;
    docs_[kind_name].push_back(std::move(doc));
  }
}

void Loader::LoadFactSchema(const Doc& doc) {
  const File& file = *doc.file;
  Fields spec;
  std::string what = fmt::format("FactSchema '{}'", doc.id);
  if (!ReadMap(file, doc.spec, {"subject", "facts"}, what, &spec)) return;
  const Field* subject = Require(file, spec, "subject", doc.spec, what, "subject: device");
  const Field* facts_field = Require(file, spec, "facts", doc.spec, what, "facts: {battery_pct: {type: double}}");
  if (subject == nullptr || facts_field == nullptr) return;
  std::optional<std::string> kind_name = String(file, *subject, what);
  if (!kind_name) return;
  std::optional<SubjectKind> kind = facts::ParseSubjectKind(*kind_name);
  if (!kind) {
    std::string hint = Suggest(*kind_name, KindNames());
    ReportAt("SG304", file, subject->value,
             hint.empty() ? fmt::format("unknown subject kind '{}'; valid kinds: {}", *kind_name, JoinQuoted(KindNames()))
                          : fmt::format("unknown subject kind '{}'; did you mean '{}'?", *kind_name, hint));
    return;
  }
  if (!facts_field->value.IsMap()) {
    ReportAt("SG103", file, facts_field->value,
             fmt::format("'facts' of {} must be a map of fact names to {{type, unit, description}}, found {}", what,
                         NodeKindName(facts_field->value)));
    return;
  }
  for (const auto& item : facts_field->value) {
    std::string name = item.first.Scalar();
    Fields fact_fields;
    std::string fact_what = fmt::format("fact '{}'", name);
    if (!ReadMap(file, item.second, {"type", "unit", "description", "personal_data"}, fact_what, &fact_fields)) continue;
    const Field* type_field = Require(file, fact_fields, "type", item.second, fact_what, "type: double");
    if (type_field == nullptr) continue;
    std::optional<std::string> type_text = String(file, *type_field, fact_what);
    if (!type_text) continue;
    std::optional<cel::Type> type = ParseTypeName(*type_text);
    if (!type) {
      ReportAt("SG701", file, type_field->value,
               fmt::format("invalid type '{}' for {}; use string, int, uint, double, bool, bytes, timestamp, "
                           "duration, dyn, list(T) or map(K, V)",
                           *type_text, fact_what));
      continue;
    }
    facts::FactDef def;
    def.name = name;
    def.type = *type;
    def.unit = OptString(file, fact_fields, "unit", fact_what);
    def.description = OptString(file, fact_fields, "description", fact_what);
    if (const Field* pd = Get(fact_fields, "personal_data")) def.personal_data = pd->value.IsScalar() && pd->value.Scalar() == "true";
    const facts::FactDef* existing = out_->schema.Find(*kind, name);
    if (!out_->schema.Add(*kind, def)) {
      ReportAt("SG702", file, item.first,
               fmt::format("fact '{}.{}' is already declared with type '{}'; a FactSchema cannot change it to '{}'",
                           *kind_name, name, cel::TypeToString(existing->type), cel::TypeToString(*type)));
    }
  }
}

void Loader::LoadFramework(const Doc& doc) {
  const File& file = *doc.file;
  CheckDuplicate(framework_ids_, file, doc.id_node, doc.id, "framework id");
  Framework framework;
  framework.id = doc.id;
  framework.location = Location(file, doc.root);
  Fields meta;
  ReadMap(file, doc.metadata, kMetadataKeys, "metadata", &meta);
  framework.title = OptString(file, meta, "title", "metadata");
  std::string what = fmt::format("framework '{}'", doc.id);
  Fields spec;
  if (!ReadMap(file, doc.spec, {"version", "controls"}, what, &spec)) return;
  framework.version = OptString(file, spec, "version", what);
  const Field* controls = Require(file, spec, "controls", doc.spec, what, "controls: [{id: SR-7.6, title: ...}]");
  if (controls != nullptr) {
    if (!controls->value.IsSequence()) {
      ReportAt("SG103", file, controls->value,
               fmt::format("'controls' of {} must be a list of {{id, title, description}} maps, found {}", what,
                           NodeKindName(controls->value)));
    } else {
      std::map<std::string, eval::FileLocation> seen;
      for (const YAML::Node& item : controls->value) {
        Fields fields;
        if (!ReadMap(file, item, {"id", "title", "description", "family", "level", "evidence"},
                     fmt::format("a control of {}", what), &fields)) {
          continue;
        }
        const Field* id = Require(file, fields, "id", item, "a control", "id: SR-7.6");
        if (id == nullptr) continue;
        std::optional<std::string> id_text = String(file, *id, "a control");
        if (!id_text) continue;
        CheckDuplicate(seen, file, id->value, *id_text, fmt::format("control id in {}", what));
        Control control{*id_text, OptString(file, fields, "title", "a control"),
                        OptString(file, fields, "description", "a control"),
                        OptString(file, fields, "family", "a control"), 0,
                        OptString(file, fields, "evidence", "a control")};
        if (const Field* level = Get(fields, "level")) {
          std::optional<double> value = Number(file, *level, "the level of a control");
          if (value && (*value != std::floor(*value) || *value < 1 || *value > 4)) {
            ReportAt("SG103", file, level->value,
                     fmt::format("the level of control '{}' must be a security level from 1 to 4, found {}", *id_text,
                                 level->value.Scalar()));
          } else if (value) {
            control.level = static_cast<int>(*value);
          }
        }
        framework.controls.push_back(std::move(control));
      }
    }
  }
  out_->frameworks.push_back(std::move(framework));
}

std::vector<std::string> Loader::ReadControls(const File& file, const Field& field, std::string_view what) {
  std::vector<std::string> out;
  auto list = StringList(file, field, what);
  if (!list) return out;
  for (const auto& [ref, node] : *list) {
    size_t colon = ref.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == ref.size()) {
      ReportAt("SG305", file, node,
               fmt::format("control reference '{}' must be 'framework:control-id', for example 'iec62443-3-3:SR-7.6'", ref));
      continue;
    }
    std::string framework_id = ref.substr(0, colon);
    std::string control_id = ref.substr(colon + 1);
    const Framework* framework = nullptr;
    std::vector<std::string> framework_ids;
    for (const Framework& f : out_->frameworks) {
      framework_ids.push_back(f.id);
      if (f.id == framework_id) framework = &f;
    }
    if (framework == nullptr) {
      std::string hint = Suggest(framework_id, framework_ids);
      ReportAt("SG305", file, node,
               hint.empty()
                   ? fmt::format("control reference '{}' names unknown framework '{}'; {}", ref, framework_id,
                                 framework_ids.empty() ? std::string("the bundle defines no Framework document")
                                                       : "known frameworks: " + JoinQuoted(framework_ids))
                   : fmt::format("control reference '{}' names unknown framework '{}'; did you mean '{}'?", ref,
                                 framework_id, hint));
      continue;
    }
    std::vector<std::string> control_ids;
    bool found = false;
    for (const Control& c : framework->controls) {
      control_ids.push_back(c.id);
      found = found || c.id == control_id;
    }
    if (!found) {
      std::string hint = Suggest(control_id, control_ids);
      ReportAt("SG306", file, node,
               hint.empty() ? fmt::format("framework '{}' has no control '{}'; add it to the framework or fix the reference",
                                          framework_id, control_id)
                            : fmt::format("framework '{}' has no control '{}'; did you mean '{}:{}'?", framework_id,
                                          control_id, framework_id, hint));
      continue;
    }
    out.push_back(ref);
  }
  return out;
}

std::optional<eval::Severity> Loader::ReadSeverity(const File& file, const Field& field, std::string_view what) {
  std::optional<std::string> text = String(file, field, what);
  if (!text) return std::nullopt;
  std::optional<eval::Severity> severity = ParseSeverity(*text);
  if (!severity) {
    ReportAt("SG301", file, field.value,
             fmt::format("invalid severity '{}' in {}; use one of {}", *text, what, JoinQuoted(kSeverities)));
  }
  return severity;
}

std::optional<nlohmann::json> Loader::ConvertParam(const File& file, const YAML::Node& value, const ParamSpec& spec,
                                                   std::string_view what) {
  nlohmann::json json = ToJson(value);
  bool ok = false;
  switch (spec.type) {
    case ParamType::kString: ok = json.is_string(); break;
    case ParamType::kInt: ok = json.is_number_integer(); break;
    case ParamType::kDouble:
      ok = json.is_number();
      if (ok) json = json.get<double>();
      break;
    case ParamType::kBool: ok = json.is_boolean(); break;
    case ParamType::kList: ok = json.is_array(); break;
    case ParamType::kMap: ok = json.is_object(); break;
    case ParamType::kDuration: ok = json.is_string() && internal::IsDuration(json.get<std::string>()); break;
    case ParamType::kTimestamp: ok = json.is_string() && ParseTime(json.get<std::string>()).has_value(); break;
  }
  if (!ok) {
    std::string example;
    switch (spec.type) {
      case ParamType::kString: example = "a string"; break;
      case ParamType::kInt: example = "an int, such as 3"; break;
      case ParamType::kDouble: example = "a double, such as 0.02"; break;
      case ParamType::kBool: example = "a bool: true or false"; break;
      case ParamType::kList: example = "a list, such as [a, b]"; break;
      case ParamType::kMap: example = "a map, such as {a: 1}"; break;
      case ParamType::kDuration: example = "a duration, such as 5m or 1h30m"; break;
      case ParamType::kTimestamp: example = "a timestamp, such as 2026-01-31 or 2026-01-31T12:00:00Z"; break;
    }
    ReportAt("SG203", file, value,
             fmt::format("parameter '{}' of {} must be {}, found {}", spec.name, what, example, NodeKindName(value)));
    return std::nullopt;
  }
  if (json.is_number() && (spec.minimum || spec.maximum)) {
    double number = json.get<double>();
    if ((spec.minimum && number < *spec.minimum) || (spec.maximum && number > *spec.maximum)) {
      std::string range = spec.minimum && spec.maximum ? fmt::format("between {} and {}", *spec.minimum, *spec.maximum)
                          : spec.minimum                ? fmt::format("at least {}", *spec.minimum)
                                                        : fmt::format("at most {}", *spec.maximum);
      ReportAt("SG204", file, value,
               fmt::format("parameter '{}' of {} is {}, out of range: it must be {}", spec.name, what, json.dump(), range));
      return std::nullopt;
    }
  }
  if (!spec.enum_values.empty() && std::find(spec.enum_values.begin(), spec.enum_values.end(), json) == spec.enum_values.end()) {
    std::vector<std::string> allowed;
    for (const auto& v : spec.enum_values) allowed.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    ReportAt("SG205", file, value,
             fmt::format("parameter '{}' of {} is {}, which is not allowed; use one of {}", spec.name, what, json.dump(),
                         JoinQuoted(allowed)));
    return std::nullopt;
  }
  return json;
}

std::vector<ParamSpec> Loader::ReadParams(const File& file, const Field& field, std::string_view what) {
  std::vector<ParamSpec> out;
  if (!field.value.IsMap()) {
    ReportAt("SG103", file, field.value,
             fmt::format("'params' of {} must be a map of parameter names to {{type, default, ...}}, found {}", what,
                         NodeKindName(field.value)));
    return out;
  }
  for (const auto& item : field.value) {
    ParamSpec spec;
    spec.name = item.first.Scalar();
    spec.location = Location(file, item.first);
    std::string param_what = fmt::format("parameter '{}'", spec.name);
    Fields fields;
    if (!ReadMap(file, item.second, {"type", "default", "required", "enum", "minimum", "maximum", "description"},
                 param_what, &fields)) {
      continue;
    }
    const Field* type = Require(file, fields, "type", item.second, param_what, "type: double");
    if (type == nullptr) continue;
    std::optional<std::string> type_name = String(file, *type, param_what);
    if (!type_name) continue;
    auto type_it = std::find(kParamTypes.begin(), kParamTypes.end(), *type_name);
    if (type_it == kParamTypes.end()) {
      std::string hint = Suggest(*type_name, kParamTypes);
      ReportAt("SG207", file, type->value,
               hint.empty() ? fmt::format("invalid type '{}' for {}; use one of {}", *type_name, param_what, JoinQuoted(kParamTypes))
                            : fmt::format("invalid type '{}' for {}; did you mean '{}'?", *type_name, param_what, hint));
      params_failed_ = true;
      spec.type = ParamType::kString;
      spec.required = true;
      out.push_back(std::move(spec));
      continue;
    }
    spec.type = static_cast<ParamType>(type_it - kParamTypes.begin());
    spec.description = OptString(file, fields, "description", param_what);
    bool ok = true;
    for (const char* bound : {"minimum", "maximum"}) {
      if (const Field* f = Get(fields, bound)) {
        nlohmann::json n = ToJson(f->value);
        if (!n.is_number() || (spec.type != ParamType::kInt && spec.type != ParamType::kDouble)) {
          ReportAt("SG207", file, f->value,
                   n.is_number() ? fmt::format("'{}' of {} applies only to int and double parameters", bound, param_what)
                                 : fmt::format("'{}' of {} must be a number, found {}", bound, param_what, NodeKindName(f->value)));
          ok = false;
          continue;
        }
        (std::string_view(bound) == "minimum" ? spec.minimum : spec.maximum) = n.get<double>();
      }
    }
    if (const Field* f = Get(fields, "required")) {
      nlohmann::json b = ToJson(f->value);
      if (!b.is_boolean()) {
        ReportAt("SG103", file, f->value, fmt::format("'required' of {} must be true or false, found {}", param_what, NodeKindName(f->value)));
        ok = false;
      } else {
        spec.required = b.get<bool>();
      }
    }
    if (const Field* f = Get(fields, "enum")) {
      if (!f->value.IsSequence()) {
        ReportAt("SG103", file, f->value, fmt::format("'enum' of {} must be a list of values, found {}", param_what, NodeKindName(f->value)));
        ok = false;
      } else {
        ParamSpec plain = spec;
        plain.minimum.reset();
        plain.maximum.reset();
        for (const YAML::Node& v : f->value) {
          if (auto converted = ConvertParam(file, v, plain, fmt::format("the enum of {}", param_what))) {
            spec.enum_values.push_back(*converted);
          } else {
            ok = false;
          }
        }
      }
    }
    if (const Field* f = Get(fields, "default")) {
      if (auto converted = ConvertParam(file, f->value, spec, fmt::format("the default of {}", what))) {
        spec.default_value = *converted;
      } else {
        ok = false;
      }
    } else if (!spec.required) {
      spec.required = true;  // no default: the policy must give it
    }
    if (!ok) params_failed_ = true;
    out.push_back(std::move(spec));  // declared even when invalid, so expressions reading it do not cascade
  }
  return out;
}

bool Loader::ReadRuleBody(const File& file, const Fields& fields, const YAML::Node& at, RuleTemplate* rule,
                          const std::vector<Variable>* outer_variables, std::string_view what) {
  bool ok = true;
  const Field* subject = Require(file, fields, "subject", at, what, "subject: stream");
  if (subject == nullptr) return false;
  std::optional<std::string> kind_name = String(file, *subject, what);
  if (!kind_name) return false;
  std::optional<SubjectKind> kind = facts::ParseSubjectKind(*kind_name);
  if (!kind) {
    std::string hint = Suggest(*kind_name, KindNames());
    ReportAt("SG304", file, subject->value,
             hint.empty() ? fmt::format("unknown subject kind '{}'; valid kinds: {}", *kind_name, JoinQuoted(KindNames()))
                          : fmt::format("unknown subject kind '{}'; did you mean '{}'?", *kind_name, hint));
    return false;
  }
  rule->subject = *kind;
  rule->remediation = OptString(file, fields, "remediation", what);
  params_failed_ = false;
  if (const Field* f = Get(fields, "params")) rule->params = ReadParams(file, *f, what);
  if (params_failed_) ok = false;
  if (const Field* f = Get(fields, "severity")) {
    if (auto s = ReadSeverity(file, *f, what)) rule->severity = *s;
    else ok = false;
  }
  if (const Field* f = Get(fields, "controls")) rule->controls = ReadControls(file, *f, what);

  Scope scope;
  scope.kind = *kind;
  scope.owner = std::string(what);
  for (const ParamSpec& p : rule->params) scope.params[p.name] = params_failed_ ? cel::Type::Dyn() : ParamCelType(p.type);
  if (outer_variables != nullptr) {
    for (const Variable& v : *outer_variables) scope.variables[v.name] = v.expression.type;
  }
  if (const Field* f = Get(fields, "variables")) rule->variables = CompileVariables(file, *f, scope, what);

  if (const Field* f = Get(fields, "when")) {
    rule->when = CompileNode(file, *f, scope, Role::kBool, fmt::format("the 'when' of {}", what));
    ok = ok && rule->when.has_value();
  }
  const Field* assertion = Get(fields, "assert");
  const Field* alias = Get(fields, "expression");
  if (assertion != nullptr && alias != nullptr) {
    ReportAt("SG101", file, alias->key,
             fmt::format("{} has both 'assert' and its alias 'expression'; keep only 'assert'", what));
    ok = false;
  }
  if (assertion == nullptr) assertion = alias;
  if (assertion == nullptr) {
    ReportAt("SG102", file, at,
             fmt::format("missing required field 'assert' in {}; add the CEL condition that must hold, for example "
                         "'assert: stream.quality.missing_ratio <= 0.02'",
                         what));
    return false;
  }
  std::optional<Expression> e = CompileNode(file, *assertion, scope, Role::kBool, fmt::format("the assert of {}", what));
  if (e) rule->assertion = std::move(*e);
  else ok = false;
  if (const Field* f = Get(fields, "message")) {
    if (auto m = CompileMessage(file, *f, scope, what)) rule->message = std::move(*m);
    else ok = false;
  }
  if (const Field* f = Get(fields, "messageExpression")) {
    rule->message_expression = CompileNode(file, *f, scope, Role::kString, fmt::format("the messageExpression of {}", what));
    ok = ok && rule->message_expression.has_value();
  }
  return ok;
}

const std::vector<std::string> kTemplateSpecKeys = {"subject", "params", "variables", "when", "assert", "expression",
                                                    "message", "messageExpression", "severity", "controls", "remediation"};

void Loader::LoadTemplate(const Doc& doc) {
  const File& file = *doc.file;
  CheckDuplicate(template_ids_, file, doc.id_node, doc.id, "rule template id");
  auto rule = std::make_unique<RuleTemplate>();
  rule->id = doc.id;
  rule->location = Location(file, doc.root);
  Fields meta;
  ReadMap(file, doc.metadata, kMetadataKeys, "metadata", &meta);
  rule->title = OptString(file, meta, "title", "metadata");
  rule->description = OptString(file, meta, "description", "metadata");
  std::string what = fmt::format("rule '{}'", doc.id);
  Fields spec;
  if (!ReadMap(file, doc.spec, kTemplateSpecKeys, what, &spec)) return;
  if (!ReadRuleBody(file, spec, doc.spec, rule.get(), nullptr, what)) return;
  out_->templates.push_back(std::move(rule));
}

const std::vector<std::string> kUseKeys = {"use", "id", "with", "severity", "controls"};
const std::vector<std::string> kInlineKeys = {"id", "title", "description", "remediation", "subject", "params",
                                              "variables", "when", "assert", "expression", "message",
                                              "messageExpression", "severity", "controls"};

void Loader::LoadPolicy(const Doc& doc) {
  const File& file = *doc.file;
  CheckDuplicate(policy_names_, file, doc.id_node, doc.id, "policy name");
  Policy policy;
  policy.name = doc.id;
  policy.location = Location(file, doc.root);
  Fields meta;
  ReadMap(file, doc.metadata, kMetadataKeys, "metadata", &meta);
  policy.title = OptString(file, meta, "title", "metadata");
  policy.owner = OptString(file, meta, "owner", "metadata");
  policy.description = OptString(file, meta, "description", "metadata");
  std::string what = fmt::format("policy '{}'", doc.id);
  Fields spec;
  if (!ReadMap(file, doc.spec, {"enforcement", "stages", "selector", "variables", "rules", "drift"}, what, &spec)) return;
  bool ok = true;
  if (const Field* f = Get(spec, "drift")) {
    policy.drift = ReadDriftSettings(file, *f, what);
    if (!policy.drift) ok = false;
  }
  if (const Field* f = Get(spec, "enforcement")) {
    std::optional<std::string> text = String(file, *f, what);
    if (text) {
      if (auto e = ParseEnforcement(*text)) policy.enforcement = *e;
      else {
        ReportAt("SG302", file, f->value,
                 fmt::format("invalid enforcement '{}' in {}; use one of {}", *text, what, JoinQuoted(kEnforcements)));
        ok = false;
      }
    }
  }
  if (const Field* f = Get(spec, "stages")) {
    if (auto list = StringList(file, *f, what)) {
      policy.stages.clear();
      for (const auto& [name, node] : *list) {
        if (auto s = ParseStage(name)) {
          if (!policy.HasStage(*s)) policy.stages.push_back(*s);
        } else {
          ReportAt("SG303", file, node, fmt::format("invalid stage '{}' in {}; use {}", name, what, JoinQuoted(kStages)));
          ok = false;
        }
      }
    }
  }
  const Field* rules = Require(file, spec, "rules", doc.spec, what, "rules: [{use: my.rule.template}]");
  if (rules == nullptr) return;
  if (!rules->value.IsSequence()) {
    ReportAt("SG103", file, rules->value,
             fmt::format("'rules' of {} must be a list of rule entries ({{use: ...}} or inline rules), found {}", what,
                         NodeKindName(rules->value)));
    return;
  }
  // First pass: the subject kinds the rules judge (for the policy's variables and selector).
  std::set<SubjectKind> kinds;
  for (const YAML::Node& entry : rules->value) {
    if (!entry.IsMap()) continue;
    if (entry["use"] && entry["use"].IsScalar()) {
      if (const RuleTemplate* t = out_->FindTemplate(entry["use"].Scalar())) kinds.insert(t->subject);
    } else if (entry["subject"] && entry["subject"].IsScalar()) {
      if (auto k = facts::ParseSubjectKind(entry["subject"].Scalar())) kinds.insert(*k);
    }
  }
  if (const Field* f = Get(spec, "variables")) {
    for (SubjectKind kind : kinds) {
      Scope scope;
      scope.kind = kind;
      scope.owner = fmt::format("the variables of {}", what);
      policy.variables[kind] = CompileVariables(file, *f, scope, what, kind);
    }
  }
  if (const Field* f = Get(spec, "selector")) {
    Scope scope;
    scope.has_params = false;
    scope.owner = fmt::format("the selector of {}", what);
    std::set<SubjectKind> read = f->value.IsScalar() ? KindsRead(f->value.Scalar()) : std::set<SubjectKind>{};
    if (f->value.IsScalar() && read.size() != 1) {
      ReportAt("SG406", file, f->value,
               read.empty() ? fmt::format("the selector of {} reads no subject; a selector chooses subjects of one kind, "
                                          "for example 'stream.device.site == \"plant-a\"'",
                                          what)
                            : fmt::format("the selector of {} reads several subject kinds; a selector reads one kind", what));
      ok = false;
    } else if (f->value.IsScalar()) {
      SubjectKind kind = *read.begin();
      scope.kind = kind;
      policy.selector_kind = kind;
      if (kinds.count(kind) == 0) {
        ReportAt("SG406", file, f->value,
                 fmt::format("the selector of {} reads '{}', but no rule of the policy judges {} subjects; select on "
                             "the kind its rules judge",
                             what, facts::SubjectKindName(kind), facts::SubjectKindName(kind)));
        ok = false;
      } else {
        policy.selector = CompileNode(file, *f, scope, Role::kBool, scope.owner);
        ok = ok && policy.selector.has_value();
      }
    } else {
      CompileNode(file, *f, scope, Role::kBool, scope.owner);  // reports the wrong type
      ok = false;
    }
  }
  std::map<std::string, eval::FileLocation> rule_ids;
  for (const YAML::Node& entry : rules->value) {
    RuleInstance instance;
    instance.location = Location(file, entry);
    if (!entry.IsMap()) {
      ReportAt("SG103", file, entry,
               fmt::format("a rule entry of {} must be a map ({{use: template}} or an inline rule), found {}", what,
                           NodeKindName(entry)));
      ok = false;
      continue;
    }
    if (entry["use"]) {
      Fields fields;
      if (!ReadMap(file, entry, kUseKeys, fmt::format("a 'use' entry of {}", what), &fields)) continue;
      const Field* use = Get(fields, "use");
      std::optional<std::string> id = String(file, *use, what);
      if (!id) continue;
      const RuleTemplate* rule = out_->FindTemplate(*id);
      if (rule == nullptr) {
        std::vector<std::string> ids;
        for (const auto& t : out_->templates) if (!t->inline_rule) ids.push_back(t->id);
        std::string hint = Suggest(*id, ids);
        bool known_elsewhere = template_ids_.count(*id) != 0;  // defined but invalid: already reported
        if (!known_elsewhere) {
          ReportAt("SG201", file, use->value,
                   hint.empty() ? fmt::format("unknown rule template '{}' in {}; define a 'kind: Rule' document with "
                                              "'metadata: {{id: {}}}' or fix the name",
                                              *id, what, *id)
                                : fmt::format("unknown rule template '{}' in {}; did you mean '{}'?", *id, what, hint));
        }
        ok = false;
        continue;
      }
      instance.id = *id;
      if (const Field* f = Get(fields, "id")) {
        if (auto alias = String(file, *f, what); alias && CheckId(file, f->value, *alias, "rule id")) instance.id = *alias;
      }
      instance.rule = rule;
      instance.severity = rule->severity;
      instance.controls = rule->controls;
      std::string instance_what = fmt::format("rule '{}' of {}", instance.id, what);
      // Parameters: `with:` over the defaults.
      std::map<std::string, const Field*> given;
      Fields with;
      if (const Field* f = Get(fields, "with")) {
        std::vector<std::string> names;
        for (const ParamSpec& p : rule->params) names.push_back(p.name);
        if (!f->value.IsMap()) {
          ReportAt("SG103", file, f->value,
                   fmt::format("'with' of {} must be a map of parameter values, found {}", instance_what, NodeKindName(f->value)));
          ok = false;
        } else {
          for (const auto& item : f->value) {
            std::string name = item.first.Scalar();
            if (std::find(names.begin(), names.end(), name) == names.end()) {
              std::string hint = Suggest(name, names);
              ReportAt("SG202", file, item.first,
                       hint.empty() ? fmt::format("unknown parameter '{}' for rule template '{}'; {}", name, rule->id,
                                                  names.empty() ? std::string("it takes no parameters")
                                                                : "its parameters: " + JoinQuoted(names))
                                    : fmt::format("unknown parameter '{}' for rule template '{}'; did you mean '{}'?",
                                                  name, rule->id, hint));
              ok = false;
              continue;
            }
            with.emplace(name, Field{item.first, item.second});
          }
        }
      }
      for (const ParamSpec& p : rule->params) {
        auto it = with.find(p.name);
        if (it != with.end()) {
          if (auto v = ConvertParam(file, it->second.value, p, fmt::format("rule template '{}'", rule->id))) {
            instance.params[p.name] = *v;
          } else {
            ok = false;
          }
        } else if (p.default_value) {
          instance.params[p.name] = *p.default_value;
        } else {
          ReportAt("SG206", file, use->key,
                   fmt::format("missing required parameter '{}' of rule template '{}'; add 'with: {{{}: ...}}'", p.name,
                               rule->id, p.name));
          ok = false;
        }
      }
      if (const Field* f = Get(fields, "severity")) {
        if (auto s = ReadSeverity(file, *f, instance_what)) instance.severity = *s;
        else ok = false;
      }
      if (const Field* f = Get(fields, "controls")) {
        for (std::string& c : ReadControls(file, *f, instance_what)) {
          if (std::find(instance.controls.begin(), instance.controls.end(), c) == instance.controls.end()) {
            instance.controls.push_back(std::move(c));
          }
        }
      }
      CheckDuplicate(rule_ids, file, entry, instance.id, fmt::format("rule id in {}", what));
    } else {
      Fields fields;
      if (!ReadMap(file, entry, kInlineKeys, fmt::format("an inline rule of {}", what), &fields)) continue;
      const Field* id = Get(fields, "id");
      if (id == nullptr) {
        ReportAt("SG102", file, entry,
                 fmt::format("a rule entry of {} needs 'use: <template id>' or, for an inline rule, 'id: <rule id>'", what));
        ok = false;
        continue;
      }
      std::optional<std::string> id_text = String(file, *id, what);
      if (!id_text || !CheckId(file, id->value, *id_text, "rule id")) {
        ok = false;
        continue;
      }
      CheckDuplicate(rule_ids, file, id->value, *id_text, fmt::format("rule id in {}", what));
      auto rule = std::make_unique<RuleTemplate>();
      rule->id = *id_text;
      rule->inline_rule = true;
      rule->owner_policy = policy.name;
      rule->location = Location(file, entry);
      rule->title = OptString(file, fields, "title", what);
      rule->description = OptString(file, fields, "description", what);
      std::string rule_what = fmt::format("rule '{}' of {}", *id_text, what);
      const std::vector<Variable>* outer = nullptr;
      if (const Field* s = Get(fields, "subject"); s && s->value.IsScalar()) {
        if (auto k = facts::ParseSubjectKind(s->value.Scalar())) {
          auto it = policy.variables.find(*k);
          if (it != policy.variables.end()) outer = &it->second;
        }
      }
      if (!ReadRuleBody(file, fields, entry, rule.get(), outer, rule_what)) {
        ok = false;
        continue;
      }
      instance.id = rule->id;
      instance.severity = rule->severity;
      instance.controls = rule->controls;
      for (const ParamSpec& p : rule->params) {
        if (p.default_value) instance.params[p.name] = *p.default_value;
      }
      instance.rule = rule.get();
      out_->templates.push_back(std::move(rule));
    }
    policy.rules.push_back(std::move(instance));
  }
  if (!ok) return;
  out_->policies.push_back(std::move(policy));
}

void Loader::LoadWaiver(const Doc& doc) {
  const File& file = *doc.file;
  CheckDuplicate(waiver_ids_, file, doc.id_node, doc.id, "waiver id");
  Waiver waiver;
  waiver.id = doc.id;
  waiver.location = Location(file, doc.root);
  std::string what = fmt::format("waiver '{}'", doc.id);
  Fields spec;
  if (!ReadMap(file, doc.spec, {"rule", "subjects", "selector", "reason", "ticket", "approver", "created", "expires"},
               what, &spec)) {
    return;
  }
  bool ok = true;
  const Field* rule = Require(file, spec, "rule", doc.spec, what, "rule: my-policy/my.rule");
  const Field* reason = Require(file, spec, "reason", doc.spec, what, "reason: replacement sensor ordered");
  const Field* approver = Require(file, spec, "approver", doc.spec, what, "approver: jane@example.org");
  const Field* expires = Get(spec, "expires");
  if (expires == nullptr) {
    ReportAt("SG501", file, doc.spec,
             fmt::format("{} has no 'expires'; every waiver needs an expiry date at most {} days away, for example "
                         "'expires: 2026-06-30'",
                         what, options_.max_waiver_days));
    ok = false;
  }
  if (rule == nullptr || reason == nullptr || approver == nullptr) ok = false;
  waiver.reason = reason ? String(file, *reason, what).value_or("") : "";
  waiver.approver = approver ? String(file, *approver, what).value_or("") : "";
  waiver.ticket = OptString(file, spec, "ticket", what);
  const RuleInstance* instance = nullptr;
  if (rule != nullptr) {
    if (auto text = String(file, *rule, what)) {
      waiver.rule = *text;
      size_t slash = text->find('/');
      if (slash == std::string::npos) {
        ReportAt("SG503", file, rule->value,
                 fmt::format("'rule' of {} must name 'policy/rule', found '{}'", what, *text));
        ok = false;
      } else {
        waiver.policy = text->substr(0, slash);
        waiver.rule_id = text->substr(slash + 1);
        const Policy* policy = out_->FindPolicy(waiver.policy);
        if (policy == nullptr) {
          if (policy_names_.count(waiver.policy) == 0) {
            std::vector<std::string> names;
            for (const auto& [n, l] : policy_names_) names.push_back(n);
            std::string hint = Suggest(waiver.policy, names);
            ReportAt("SG503", file, rule->value,
                     hint.empty() ? fmt::format("{} names unknown policy '{}'", what, waiver.policy)
                                  : fmt::format("{} names unknown policy '{}'; did you mean '{}'?", what, waiver.policy, hint));
          }
          ok = false;
        } else {
          instance = out_->FindRule(*text);
          if (instance == nullptr) {
            std::vector<std::string> ids;
            for (const RuleInstance& r : policy->rules) ids.push_back(r.id);
            std::string hint = Suggest(waiver.rule_id, ids);
            ReportAt("SG503", file, rule->value,
                     hint.empty() ? fmt::format("{} names unknown rule '{}' of policy '{}'; its rules: {}", what,
                                                waiver.rule_id, waiver.policy, JoinQuoted(ids))
                                  : fmt::format("{} names unknown rule '{}' of policy '{}'; did you mean '{}/{}'?", what,
                                                waiver.rule_id, waiver.policy, waiver.policy, hint));
            ok = false;
          }
        }
      }
    }
  }
  if (const Field* f = Get(spec, "subjects")) {
    if (auto list = StringList(file, *f, what)) {
      for (auto& [id, node] : *list) waiver.subjects.push_back(id);
    }
  }
  if (const Field* f = Get(spec, "selector")) {
    if (instance != nullptr) {
      Scope scope;
      scope.kind = instance->rule->subject;
      scope.has_params = false;
      scope.owner = fmt::format("the selector of {}", what);
      waiver.selector = CompileNode(file, *f, scope, Role::kBool, scope.owner);
      ok = ok && waiver.selector.has_value();
    }
  }
  std::optional<std::chrono::sys_seconds> created;
  if (const Field* f = Get(spec, "created")) {
    if (auto text = String(file, *f, what)) {
      created = ParseTime(*text);
      if (!created) {
        ReportAt("SG504", file, f->value,
                 fmt::format("invalid date '{}' for 'created' of {}; write YYYY-MM-DD or an RFC 3339 timestamp", *text, what));
        ok = false;
      }
      waiver.created = created;
    }
  }
  if (expires != nullptr) {
    if (auto text = String(file, *expires, what)) {
      waiver.expires = *text;
      std::optional<std::chrono::sys_seconds> at = ParseTime(*text);
      if (!at) {
        ReportAt("SG504", file, expires->value,
                 fmt::format("invalid date '{}' for 'expires' of {}; write YYYY-MM-DD or an RFC 3339 timestamp", *text, what));
        ok = false;
      } else {
        waiver.expires_at = text->size() == 10 ? *at + std::chrono::days{1} : *at;
        std::chrono::sys_seconds base = created.value_or(options_.now);
        auto days = std::chrono::floor<std::chrono::days>(*at - base).count();
        if (days > options_.max_waiver_days) {
          ReportAt("SG502", file, expires->value,
                   fmt::format("{} expires {} days after {}; a waiver may last at most {} days: choose an earlier "
                               "expiry and renew it when it runs out",
                               what, days, created ? "its 'created' date" : "the evaluation time", options_.max_waiver_days));
          ok = false;
        } else if (created && *at < *created) {
          ReportAt("SG502", file, expires->value, fmt::format("{} expires before it was created", what));
          ok = false;
        }
      }
    }
  }
  if (ok) out_->waivers.push_back(std::move(waiver));
}

void Loader::LoadTest(const Doc& doc) {
  const File& file = *doc.file;
  CheckDuplicate(test_names_, file, doc.id_node, doc.id, "policy test name");
  PolicyTest test;
  test.name = doc.id;
  test.location = Location(file, doc.root);
  std::string what = fmt::format("policy test '{}'", doc.id);
  Fields spec;
  if (!ReadMap(file, doc.spec, {"policy", "at", "inputs", "expect"}, what, &spec)) return;
  bool ok = true;
  if (const Field* f = Get(spec, "policy")) {
    if (auto name = String(file, *f, what)) {
      test.policy = *name;
      if (policy_names_.count(*name) == 0) {
        std::vector<std::string> names;
        for (const auto& [n, l] : policy_names_) names.push_back(n);
        std::string hint = Suggest(*name, names);
        ReportAt("SG601", file, f->value,
                 hint.empty() ? fmt::format("{} names unknown policy '{}'", what, *name)
                              : fmt::format("{} names unknown policy '{}'; did you mean '{}'?", what, *name, hint));
        ok = false;
      }
    }
  }
  if (const Field* f = Get(spec, "at")) {
    if (auto text = String(file, *f, what)) {
      test.at = ParseTime(*text);
      if (!test.at) {
        ReportAt("SG504", file, f->value,
                 fmt::format("invalid time '{}' for 'at' of {}; write an RFC 3339 timestamp such as 2026-01-31T12:00:00Z",
                             *text, what));
        ok = false;
      }
    }
  }
  const Field* inputs = Require(file, spec, "inputs", doc.spec, what, "inputs: [{kind: stream, id: s1, ...}]");
  if (inputs != nullptr) {
    if (!inputs->value.IsSequence()) {
      ReportAt("SG103", file, inputs->value,
               fmt::format("'inputs' of {} must be a list of input documents or file paths, found {}", what,
                           NodeKindName(inputs->value)));
      ok = false;
    } else {
      std::string dir = file.path.find('/') == std::string::npos ? "" : file.path.substr(0, file.path.rfind('/') + 1);
      for (const YAML::Node& item : inputs->value) {
        if (item.IsScalar()) {
          std::string path = dir + item.Scalar();
          if (bundle_paths_.count(path) == 0) {
            ReportAt("SG603", file, item,
                     fmt::format("input file '{}' of {} is not in the bundle (looked for '{}'); paths are relative to "
                                 "the test file",
                                 item.Scalar(), what, path));
            ok = false;
          }
          test.input_files.push_back(path);
        } else if (item.IsMap()) {
          nlohmann::json document = ToJson(item);
          if (!document.contains("kind") || !document.contains("id")) {
            ReportAt("SG102", file, item,
                     fmt::format("an input document of {} needs 'kind' and 'id', for example '{{kind: stream, id: s1}}'", what));
            ok = false;
          }
          test.inputs.push_back(std::move(document));
        } else {
          ReportAt("SG103", file, item,
                   fmt::format("an entry of 'inputs' of {} must be a document (a map) or a file path, found {}", what,
                               NodeKindName(item)));
          ok = false;
        }
      }
    }
  }
  const Field* expect = Require(file, spec, "expect", doc.spec, what, "expect: [{rule: p/r, subject: s1, outcome: pass}]");
  if (expect != nullptr) {
    if (!expect->value.IsSequence()) {
      ReportAt("SG103", file, expect->value,
               fmt::format("'expect' of {} must be a list of {{rule, subject, outcome}} maps, found {}", what,
                           NodeKindName(expect->value)));
      ok = false;
    } else {
      for (const YAML::Node& item : expect->value) {
        Fields fields;
        if (!ReadMap(file, item, {"rule", "subject", "outcome"}, fmt::format("an expectation of {}", what), &fields)) {
          ok = false;
          continue;
        }
        const Field* rule = Require(file, fields, "rule", item, "an expectation", "rule: my-policy/my.rule");
        const Field* subject = Require(file, fields, "subject", item, "an expectation", "subject: stream/s1");
        const Field* outcome = Require(file, fields, "outcome", item, "an expectation", "outcome: fail");
        if (rule == nullptr || subject == nullptr || outcome == nullptr) {
          ok = false;
          continue;
        }
        TestExpectation e;
        e.location = Location(file, item);
        e.rule = String(file, *rule, "an expectation").value_or("");
        e.subject = String(file, *subject, "an expectation").value_or("");
        if (out_->FindRule(e.rule) == nullptr) {
          std::vector<std::string> ids;
          for (const Policy& p : out_->policies) {
            for (const RuleInstance& r : p.rules) ids.push_back(p.name + "/" + r.id);
          }
          std::string hint = Suggest(e.rule, ids);
          size_t slash = e.rule.find('/');
          bool policy_failed = slash != std::string::npos && policy_names_.count(e.rule.substr(0, slash)) != 0 &&
                               out_->FindPolicy(e.rule.substr(0, slash)) == nullptr;
          if (!policy_failed) {
            ReportAt("SG601", file, rule->value,
                     hint.empty() ? fmt::format("{} expects unknown rule '{}'; name it 'policy/rule'", what, e.rule)
                                  : fmt::format("{} expects unknown rule '{}'; did you mean '{}'?", what, e.rule, hint));
          }
          ok = false;
        }
        if (auto text = String(file, *outcome, "an expectation")) {
          if (auto o = ParseOutcome(*text)) {
            e.outcome = *o;
          } else {
            std::string hint = Suggest(*text, kOutcomes);
            ReportAt("SG602", file, outcome->value,
                     hint.empty() ? fmt::format("invalid outcome '{}'; use one of {}", *text, JoinQuoted(kOutcomes))
                                  : fmt::format("invalid outcome '{}'; did you mean '{}'?", *text, hint));
            ok = false;
          }
        }
        test.expectations.push_back(std::move(e));
      }
    }
  }
  if (ok) out_->tests.push_back(std::move(test));
}

LoadResult Loader::Run(const bundle::Bundle& bundle) {
  out_->source = bundle.source;
  for (const bundle::BundleFile& f : bundle.files) {
    bundle_paths_.insert(f.path);
    auto ends_with = [&](std::string_view suffix) {
      return f.path.size() >= suffix.size() && f.path.compare(f.path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (!ends_with(".yaml") && !ends_with(".yml")) continue;
    auto file = std::make_unique<File>();
    file->path = f.path;
    file->content = f.content;
    std::string_view content = file->content;
    size_t start = 0;
    while (start <= content.size()) {
      size_t end = content.find('\n', start);
      std::string_view line = content.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      file->lines.push_back(line);
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    files_.push_back(std::move(file));
  }
  try {
    for (const auto& file : files_) ReadFile(*file);
    // Kinds in dependency order: facts and controls before rules, rules before
    // policies, policies before waivers and tests.
    for (const Doc& doc : docs_["FactSchema"]) LoadFactSchema(doc);
    for (const Doc& doc : docs_["Framework"]) LoadFramework(doc);
    for (const Doc& doc : docs_["Rule"]) LoadTemplate(doc);
    for (const Doc& doc : docs_["Policy"]) LoadPolicy(doc);
    std::sort(out_->policies.begin(), out_->policies.end(),
              [](const Policy& a, const Policy& b) { return a.name < b.name; });
    for (Policy& policy : out_->policies) {
      for (RuleInstance& instance : policy.rules) {
        auto it = policy.variables.find(instance.rule->subject);
        if (it != policy.variables.end()) {
          for (const Variable& v : it->second) instance.variables.push_back(&v);
        }
        for (const Variable& v : instance.rule->variables) instance.variables.push_back(&v);
      }
    }
    for (const Doc& doc : docs_["Waiver"]) LoadWaiver(doc);
    for (const Doc& doc : docs_["PolicyTest"]) LoadTest(doc);
  } catch (const std::exception& e) {
    // yaml-cpp throws on misuse of a node; user input must never crash the loader.
    PolicyDiagnostic d;
    d.code = "SG000";
    d.location = {"", 1, 1};
    d.message = fmt::format("internal error while loading policies: {}; please report it", e.what());
    diagnostics_.push_back(std::move(d));
  }
  // Sort by position and drop repeats (policy variables are compiled once per subject kind).
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const PolicyDiagnostic& a, const PolicyDiagnostic& b) {
    return std::tie(a.location.file, a.location.line, a.location.column) <
           std::tie(b.location.file, b.location.line, b.location.column);
  });
  diagnostics_.erase(std::unique(diagnostics_.begin(), diagnostics_.end(),
                                 [](const PolicyDiagnostic& a, const PolicyDiagnostic& b) {
                                   return a.code == b.code && a.message == b.message && a.location.file == b.location.file &&
                                          a.location.line == b.location.line && a.location.column == b.location.column;
                                 }),
                     diagnostics_.end());
  LoadResult result;
  result.diagnostics = std::move(diagnostics_);
  if (result.errors() == 0) result.bundle = std::move(out_);
  return result;
}

}  // namespace

LoadResult LoadPolicies(const bundle::Bundle& bundle, const facts::FactSchema& schema, const LoadOptions& options) {
  Loader loader(schema, options);
  return loader.Run(bundle);
}

}  // namespace stagegate::policy
