// YAML → JSON conversion with yaml-cpp. yaml-cpp reports errors by throwing;
// the exceptions stop here and become an error string.

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include <yaml-cpp/yaml.h>

#include "engine/cel/bindings/yaml_limits.h"
#include "engine/cel/bindings/json_value.h"

namespace stagegate::cel {

namespace {

using Json = nlohmann::json;

bool IsYamlNull(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

}  // namespace

Json ResolvePlainYamlScalar(const std::string& s) {
  if (IsYamlNull(s)) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  // Integers: decimal, 0x hex, 0o octal.
  {
    const char* begin = s.c_str();
    int base = 10;
    const char* digits = begin;
    bool negative = false;
    if (*digits == '-' || *digits == '+') {
      negative = *digits == '-';
      ++digits;
    }
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
      base = 16;
      digits += 2;
    } else if (digits[0] == '0' && digits[1] == 'o') {
      base = 8;
      digits += 2;
    }
    bool all_digits = *digits != '\0';
    for (const char* p = digits; *p != '\0'; ++p) {
      bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(*p)) != 0
                           : (*p >= '0' && *p < (base == 8 ? '8' : ':'));
      all_digits = all_digits && ok;
    }
    if (all_digits) {
      errno = 0;
      char* end = nullptr;
      unsigned long long u = std::strtoull(digits, &end, base);
      if (errno == 0 && *end == '\0') {
        if (!negative) {
          if (u <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
            return static_cast<int64_t>(u);
          }
          return static_cast<uint64_t>(u);
        }
        if (u <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1ULL) {
          return static_cast<int64_t>(0 - u);
        }
      }
    }
  }
  // Floats.
  {
    bool plausible = false;
    for (char c : s) {
      if (c >= '0' && c <= '9') plausible = true;
      if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return s;
    }
    if (plausible) {
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (end != nullptr && *end == '\0') return d;
    }
  }
  return s;
}

namespace {

Json Convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // Quoted scalars carry the "!" tag; only plain ones ("?") are resolved.
      if (node.Tag() == "?") return ResolvePlainYamlScalar(node.Scalar());
      if (node.Tag() == "tag:yaml.org,2002:int" || node.Tag() == "!!int") return ResolvePlainYamlScalar(node.Scalar());
      return node.Scalar();
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& child : node) out.push_back(Convert(child));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& entry : node) {
        std::string key = entry.first.IsScalar() ? entry.first.Scalar() : YAML::Dump(entry.first);
        out[key] = Convert(entry.second);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace

bool YamlNodeToJson(const YAML::Node& node, nlohmann::json* out, std::string* error) {
  if (!YamlWithinBudget(node)) {
    if (error != nullptr) {
      *error = "the document expands to more than " + std::to_string(kMaxYamlValues) +
               " values (nested YAML aliases?) or nests deeper than " + std::to_string(kMaxYamlDepth) +
               " levels; write the values out or split the document";
    }
    return false;
  }
  *out = Convert(node);
  return true;
}

bool YamlToJson(std::string_view yaml_text, nlohmann::json* out, std::string* error) {
  try {
    if (std::optional<std::pair<int, int>> nul = FindNulByte(yaml_text)) {
      if (error != nullptr) {
        *error = "line " + std::to_string(nul->first) + ", column " + std::to_string(nul->second) +
                 ": a NUL byte is not allowed in YAML; the file may be binary or UTF-16 (save it as UTF-8)";
      }
      return false;
    }
    if (std::optional<std::pair<int, int>> comma = FindLeadingComma(yaml_text)) {
      if (error != nullptr) {
        *error = "line " + std::to_string(comma->first) + ", column " + std::to_string(comma->second) +
                 ": a line cannot start with ',' at the start of a document or after a top-level list item";
      }
      return false;
    }
    std::string budget_error;
    if (!YamlNodeToJson(YAML::Load(std::string(yaml_text)), out, &budget_error)) {
      if (error != nullptr) *error = "line 1, column 1: " + budget_error;
      return false;
    }
    return true;
  } catch (const YAML::Exception& e) {
    if (error != nullptr) {
      *error = "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) + ": " +
               e.msg;
    }
    return false;
  } catch (const std::exception& e) {
    if (error != nullptr) *error = std::string("line 1, column 1: ") + e.what();
    return false;
  }
}

}  // namespace stagegate::cel
