#include "evaluators/contracts/data_contract.h"

#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/cel/bindings/yaml_documents.h"
#include "engine/cel/bindings/yaml_limits.h"

namespace stagegate::contracts {
namespace {

constexpr std::string_view kTimeSeriesProperty = "stagegateTimeSeries";
constexpr std::string_view kControlsProperty = "stagegateControls";

const std::set<std::string, std::less<>> kLibraryMetrics = {"missingValues", "nullValues", "duplicateValues",
                                                            "invalidValues", "rowCount"};
const std::set<std::string, std::less<>> kOperators = {
    "mustBe",        "mustNotBe",          "mustBeGreaterThan",   "mustBeGreaterOrEqualTo", "mustBeLessThan",
    "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween"};

class Reader {
 public:
  Reader(const bundle::BundleFile& file, ContractSet* out) : file_(file), out_(out) {}

  eval::FileLocation At(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    return {file_.path, mark.is_null() ? 1 : mark.line + 1, mark.is_null() ? 1 : mark.column + 1};
  }
  void Error(const YAML::Node& node, std::string code, std::string message) {
    out_->diagnostics.push_back({ContractDiagnostic::Level::kError, std::move(code), At(node), std::move(message)});
  }
  void Note(const YAML::Node& node, std::string message) {
    out_->diagnostics.push_back({ContractDiagnostic::Level::kNote, "SG800", At(node), std::move(message)});
  }

  std::string Text(const YAML::Node& map, const char* key) {
    const YAML::Node value = map[key];
    if (!value) return "";
    if (!value.IsScalar()) {
      Error(value, "SG802", fmt::format("'{}' must be a plain value", key));
      return "";
    }
    return value.Scalar();
  }
  std::optional<double> Number(const YAML::Node& node, std::string_view what) {
    if (!node) return std::nullopt;
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
      Error(node, "SG802", fmt::format("'{}' must be a number", what));
      return std::nullopt;
    }
    return value;
  }
  std::optional<double> Positive(const YAML::Node& map, const char* key) {
    std::optional<double> value = Number(map[key], key);
    if (value && *value <= 0) {
      Error(map[key], "SG803", fmt::format("'{}' must be greater than 0", key));
      return std::nullopt;
    }
    return value;
  }

  TimeSeriesSpec ReadTimeSeries(const YAML::Node& value) {
    TimeSeriesSpec spec;
    if (!value.IsMap()) {
      Error(value, "SG802",
            fmt::format("the '{}' custom property's value must be a map such as {{nominalRateHz: 1, maxGapS: 30}}",
                        kTimeSeriesProperty));
      return spec;
    }
    static const std::set<std::string, std::less<>> kKeys = {"nominalRateHz", "maxGapS",   "jitterMs", "clockSkewS",
                                                             "stuckWindowS",  "sentinels", "devices",  "upstream",
                                                             "severity"};
    for (const auto& item : value) {
      const std::string key = item.first.Scalar();
      if (!kKeys.contains(key)) {
        Error(item.first, "SG801",
              fmt::format("unknown key '{}' in {}; use nominalRateHz, maxGapS, jitterMs, clockSkewS, stuckWindowS, "
                          "sentinels, devices, upstream or severity", key, kTimeSeriesProperty));
      }
    }
    spec.nominal_rate_hz = Positive(value, "nominalRateHz");
    spec.max_gap_s = Positive(value, "maxGapS");
    spec.jitter_ms = Positive(value, "jitterMs");
    spec.clock_skew_s = Positive(value, "clockSkewS");
    spec.stuck_window_s = Positive(value, "stuckWindowS");
    if (const YAML::Node sentinels = value["sentinels"]) {
      std::vector<double> list;
      if (!sentinels.IsSequence()) {
        Error(sentinels, "SG802", "'sentinels' must be a list of numbers, such as [-999, 9999]");
      } else {
        for (const YAML::Node& item : sentinels) {
          if (std::optional<double> number = Number(item, "sentinels")) list.push_back(*number);
        }
        spec.sentinels = std::move(list);
      }
    }
    return spec;
  }

  // Returns the value of the `customProperties` entry `property` of `holder`, if present.
  std::optional<YAML::Node> FindCustomProperty(const YAML::Node& holder, std::string_view property) {
    const YAML::Node custom = holder["customProperties"];
    if (!custom) return std::nullopt;
    if (!custom.IsSequence()) {
      // Noted once, when the time-series extension is looked for.
      if (property == kTimeSeriesProperty) Note(custom, "customProperties is not a list; ignored");
      return std::nullopt;
    }
    for (const YAML::Node& item : custom) {
      if (item.IsMap() && item["property"] && item["property"].IsScalar() &&
          item["property"].Scalar() == property && item["value"]) {
        return item["value"];
      }
    }
    return std::nullopt;
  }

  std::optional<YAML::Node> FindTimeSeries(const YAML::Node& holder) {
    return FindCustomProperty(holder, kTimeSeriesProperty);
  }

  // The `stagegateControls` of `holder`: a list of "framework:control-id"
  // references. Whether each names a control of the bundle's catalogs is
  // checked when the generated policy is loaded.
  std::vector<std::string> ReadControls(const YAML::Node& holder) {
    std::vector<std::string> controls;
    const std::optional<YAML::Node> value = FindCustomProperty(holder, kControlsProperty);
    if (!value) return controls;
    if (!value->IsSequence()) {
      Error(*value, "SG802", "'stagegateControls' must be a list of control references, e.g. [iec62443-3-3:SR-6.2]");
      return controls;
    }
    for (const YAML::Node& item : *value) {
      const std::string ref = item.IsScalar() ? item.Scalar() : "";
      const size_t colon = ref.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == ref.size()) {
        Error(item, "SG802", "a control reference must be 'framework:control-id', for example 'gdpr:Art-5.1.d'");
        continue;
      }
      controls.push_back(ref);
    }
    return controls;
  }

  void ReadQuality(const YAML::Node& list, std::vector<QualityCheck>* out) {
    if (!list) return;
    if (!list.IsSequence()) {
      Error(list, "SG802", "'quality' must be a list of quality rules");
      return;
    }
    for (const YAML::Node& rule : list) {
      if (!rule.IsMap()) {
        Error(rule, "SG802", "a quality rule must be a map with 'metric' and a mustBe… operator");
        continue;
      }
      QualityCheck check;
      check.location = At(rule);
      check.name = Text(rule, "name");
      check.description = Text(rule, "description");
      check.severity = Text(rule, "severity");
      check.unit = Text(rule, "unit");
      check.controls = ReadControls(rule);
      const std::string type = Text(rule, "type");
      if (type == "custom") {
        if (Text(rule, "engine") != "stagegate") {
          Note(rule, fmt::format("custom quality rule for engine '{}' is not Stagegate's; skipped",
                                 Text(rule, "engine")));
          continue;
        }
        check.implementation = Text(rule, "implementation");
        if (check.implementation.empty()) {
          Error(rule, "SG804", "a custom Stagegate quality rule needs 'implementation': a CEL assertion over 'stream'");
          continue;
        }
        out->push_back(std::move(check));
        continue;
      }
      if (type == "text" || type == "sql") {
        Note(rule, fmt::format("quality rule of type '{}' cannot be checked on sensor streams; skipped", type));
        continue;
      }
      check.metric = Text(rule, "metric");
      if (check.metric.empty()) check.metric = Text(rule, "rule");  // ODCS 3.0 spelling
      if (!kLibraryMetrics.contains(check.metric)) {
        Note(rule, fmt::format("quality metric '{}' has no meaning for sensor streams; skipped (supported: "
                               "missingValues, nullValues, duplicateValues, invalidValues, rowCount)", check.metric));
        continue;
      }
      for (const auto& item : rule) {
        const std::string key = item.first.Scalar();
        if (!kOperators.contains(key)) continue;
        if (!check.op.empty()) {
          Error(item.first, "SG805", fmt::format("quality rule has two operators ('{}' and '{}'); keep one",
                                                 check.op, key));
          continue;
        }
        check.op = key;
        if (key == "mustBeBetween" || key == "mustNotBeBetween") {
          if (!item.second.IsSequence() || item.second.size() != 2) {
            Error(item.second, "SG802", fmt::format("'{}' takes two numbers: [low, high]", key));
            continue;
          }
          for (const YAML::Node& bound : item.second) {
            if (std::optional<double> number = Number(bound, key)) check.operands.push_back(*number);
          }
        } else if (std::optional<double> number = Number(item.second, key)) {
          check.operands.push_back(*number);
        }
      }
      if (check.op.empty()) {
        Error(rule, "SG805", fmt::format("quality rule for '{}' has no operator; add one of mustBe, mustNotBe, "
                                         "mustBeGreaterThan, mustBeGreaterOrEqualTo, mustBeLessThan, "
                                         "mustBeLessOrEqualTo, mustBeBetween, mustNotBeBetween", check.metric));
        continue;
      }
      const size_t wanted = check.op == "mustBeBetween" || check.op == "mustNotBeBetween" ? 2 : 1;
      if (check.operands.size() != wanted) continue;  // reported above
      if (check.unit.empty()) check.unit = "rows";  // the ODCS default
      if (check.unit != "percent" && check.unit != "rows") {
        Note(rule, fmt::format("quality rule unit '{}' is neither 'percent' nor 'rows'; skipped", check.unit));
        continue;
      }
      out->push_back(std::move(check));
    }
  }

  void ReadContract(const YAML::Node& root) {
    DataContract contract;
    contract.location = At(root);
    contract.id = Text(root, "id");
    contract.name = Text(root, "name");
    contract.version = Text(root, "version");
    contract.status = Text(root, "status");
    if (contract.id.empty()) {
      Error(root, "SG807", "a DataContract needs an 'id' (ODCS); add 'id: <stable id>'");
      return;
    }
    if (const YAML::Node team = root["team"]; team && team.IsMap() && team["name"] && team["name"].IsScalar()) {
      contract.owner = team["name"].Scalar();
    }
    contract.controls = ReadControls(root);
    if (const std::optional<YAML::Node> extension = FindTimeSeries(root)) {
      contract.time_series = ReadTimeSeries(*extension);
      if (extension->IsMap()) {
        if (const YAML::Node devices = (*extension)["devices"]; devices && devices.IsScalar()) {
          contract.devices = devices.Scalar();
        }
        if (const YAML::Node severity = (*extension)["severity"]; severity && severity.IsScalar()) {
          contract.default_severity = severity.Scalar();
        }
        if (const YAML::Node upstream = (*extension)["upstream"]) {
          if (upstream.IsSequence()) {
            for (const YAML::Node& item : upstream) {
              if (item.IsScalar()) contract.upstream.push_back(item.Scalar());
            }
          } else {
            Error(upstream, "SG802", "'upstream' must be a list of source names");
          }
        }
      }
    }
    for (const auto& item : root["customProperties"] && root["customProperties"].IsSequence()
                                ? root["customProperties"]
                                : YAML::Node(YAML::NodeType::Sequence)) {
      if (item.IsMap() && item["property"] && item["property"].IsScalar() && item["property"].Scalar() == "owner" &&
          item["value"] && item["value"].IsScalar()) {
        contract.owner = item["value"].Scalar();
      }
    }
    const YAML::Node schema = root["schema"];
    if (schema && !schema.IsSequence()) Error(schema, "SG802", "'schema' must be a list of objects (ODCS v3)");
    if (schema && schema.IsSequence()) {
      for (const YAML::Node& object : schema) {
        if (!object.IsMap()) continue;
        ReadQuality(object["quality"], &contract.quality);
        const YAML::Node properties = object["properties"];
        if (!properties) continue;
        if (!properties.IsSequence()) {
          Error(properties, "SG802", "'properties' must be a list (ODCS v3)");
          continue;
        }
        for (const YAML::Node& property : properties) {
          if (!property.IsMap()) continue;
          SensorSpec sensor;
          sensor.location = At(property);
          sensor.name = Text(property, "name");
          if (sensor.name.empty()) {
            Error(property, "SG807", "a schema property needs a 'name': the sensor name of its streams");
            continue;
          }
          if (contract.FindSensor(sensor.name) != nullptr) {
            Error(property, "SG808", fmt::format("sensor '{}' is described twice in contract '{}'; merge them",
                                                 sensor.name, contract.id));
            continue;
          }
          sensor.logical_type = Text(property, "logicalType");
          sensor.required = Text(property, "required") == "true";
          const bool numeric = sensor.logical_type.empty() || sensor.logical_type == "number" ||
                               sensor.logical_type == "integer";
          if (const YAML::Node options = property["logicalTypeOptions"]; numeric && options && options.IsMap()) {
            sensor.minimum = Number(options["minimum"], "minimum");
            sensor.maximum = Number(options["maximum"], "maximum");
            if (sensor.minimum && sensor.maximum && *sensor.minimum > *sensor.maximum) {
              Error(options, "SG803", fmt::format("sensor '{}': minimum {} is above maximum {}", sensor.name,
                                                  *sensor.minimum, *sensor.maximum));
            }
          }
          ReadQuality(property["quality"], &sensor.quality);
          if (const std::optional<YAML::Node> extension = FindTimeSeries(property)) {
            sensor.time_series = ReadTimeSeries(*extension);
          }
          contract.sensors.push_back(std::move(sensor));
        }
      }
    }
    if (const YAML::Node sla = root["slaProperties"]) {
      if (!sla.IsSequence()) {
        Error(sla, "SG802", "'slaProperties' must be a list (ODCS v3)");
      } else {
        for (const YAML::Node& item : sla) {
          if (!item.IsMap()) continue;
          SlaProperty property;
          property.location = At(item);
          property.property = Text(item, "property");
          property.unit = Text(item, "unit");
          if (property.property != "latency" && property.property != "frequency" && property.property != "retention") {
            Note(item, fmt::format("SLA property '{}' is not checked on sensor streams; kept as documentation",
                                   property.property));
            continue;
          }
          std::optional<double> value = Number(item["value"], property.property);
          if (!value) continue;
          property.value = *value;
          property.seconds = SecondsOf(*value, property.unit);
          if (!property.seconds) {
            Error(item, "SG809", fmt::format("SLA '{}' has unit '{}', which is not a time unit; use s, m, h, d "
                                             "(or seconds, minutes, hours, days, y)", property.property,
                                             property.unit));
            continue;
          }
          contract.sla.push_back(std::move(property));
        }
      }
    }
    out_->contracts.push_back(std::move(contract));
  }

  static std::optional<double> SecondsOf(double value, std::string_view unit) {
    static const std::map<std::string, double, std::less<>> kUnits = {
        {"ms", 0.001},  {"s", 1},        {"sec", 1},        {"second", 1},   {"seconds", 1},  {"m", 60},
        {"min", 60},    {"minute", 60},  {"minutes", 60},   {"h", 3600},     {"hr", 3600},    {"hour", 3600},
        {"hours", 3600}, {"d", 86400},   {"day", 86400},    {"days", 86400}, {"y", 31557600}, {"yr", 31557600},
        {"year", 31557600}, {"years", 31557600}};
    auto it = kUnits.find(unit);
    if (it == kUnits.end()) return std::nullopt;
    return value * it->second;
  }

  void ReadFile() {
    if (file_.content.find("DataContract") == std::string::npos) return;  // cheap skip of plain policy files
    // The policy loader reports these with their positions.
    if (cel::FindNulByte(file_.content) || cel::FindLeadingComma(file_.content)) return;
    std::vector<YAML::Node> documents;
    try {
      documents = cel::LoadYamlDocuments(file_.content);
    } catch (const YAML::Exception&) {
      return;  // the policy loader reports YAML syntax errors with their position
    }
    for (const YAML::Node& root : documents) {
      if (!root.IsMap() || !cel::YamlWithinBudget(root)) continue;
      const YAML::Node kind = root["kind"];
      if (!kind || !kind.IsScalar() || kind.Scalar() != "DataContract") continue;
      const YAML::Node api = root["apiVersion"];
      if (!api || !api.IsScalar() || api.Scalar().rfind("v3.", 0) != 0) {
        Error(api ? api : root, "SG810",
              "a DataContract is an ODCS v3 document: set 'apiVersion: v3.1.0' (the Open Data Contract Standard)");
        continue;
      }
      ReadContract(root);
    }
  }

 private:
  const bundle::BundleFile& file_;
  ContractSet* out_;
};

}  // namespace

std::string FormatContractDiagnostic(const ContractDiagnostic& d) {
  return fmt::format("{}:{}:{}: {} {}: {}", d.location.file, d.location.line, d.location.column,
                     d.level == ContractDiagnostic::Level::kError ? "error" : "note", d.code, d.message);
}

void TimeSeriesSpec::MergeFrom(const TimeSeriesSpec& more) {
  if (more.nominal_rate_hz) nominal_rate_hz = more.nominal_rate_hz;
  if (more.max_gap_s) max_gap_s = more.max_gap_s;
  if (more.jitter_ms) jitter_ms = more.jitter_ms;
  if (more.clock_skew_s) clock_skew_s = more.clock_skew_s;
  if (more.stuck_window_s) stuck_window_s = more.stuck_window_s;
  if (more.sentinels) sentinels = more.sentinels;
}

const SensorSpec* DataContract::FindSensor(std::string_view sensor) const {
  for (const SensorSpec& spec : sensors) {
    if (spec.name == sensor) return &spec;
  }
  return nullptr;
}

TimeSeriesSpec DataContract::ExpectationsFor(std::string_view sensor) const {
  TimeSeriesSpec spec = time_series;
  if (!spec.nominal_rate_hz) {
    for (const SlaProperty& property : sla) {
      if (property.property == "frequency" && property.seconds && *property.seconds > 0) {
        spec.nominal_rate_hz = 1.0 / *property.seconds;
      }
    }
  }
  if (const SensorSpec* spec_of_sensor = FindSensor(sensor)) spec.MergeFrom(spec_of_sensor->time_series);
  return spec;
}

bool ContractSet::ok() const {
  for (const ContractDiagnostic& d : diagnostics) {
    if (d.level == ContractDiagnostic::Level::kError) return false;
  }
  return true;
}

ContractSet LoadContracts(const bundle::Bundle& bundle) {
  ContractSet set;
  for (const bundle::BundleFile& file : bundle.files) Reader(file, &set).ReadFile();
  std::map<std::string, eval::FileLocation> seen;
  for (const DataContract& contract : set.contracts) {
    auto [it, inserted] = seen.emplace(contract.id, contract.location);
    if (!inserted) {
      set.diagnostics.push_back({ContractDiagnostic::Level::kError, "SG808", contract.location,
                                 fmt::format("contract id '{}' is already used at {}:{}; give each contract its own id",
                                             contract.id, it->second.file, it->second.line)});
    }
  }
  return set;
}

}  // namespace stagegate::contracts
