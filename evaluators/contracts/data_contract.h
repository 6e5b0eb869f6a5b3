#pragma once
// Data contracts for sensor streams: Open Data Contract Standard (ODCS) v3
// documents in the policy repository, read as they are, plus Stagegate's
// time-series extension, carried in ODCS `customProperties` so that ODCS tools
// ignore it (docs/formats/contracts.md).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/bundle/bundle_source.h"
#include "engine/eval/run_result.h"

namespace stagegate::contracts {

// A problem with a contract file; notes are unknown or unsupported ODCS
// content that is skipped (never an error: ODCS files are read as they are).
struct ContractDiagnostic {
  enum class Level { kError, kNote };
  Level level = Level::kError;
  std::string code;     // "SG801" ...
  eval::FileLocation location;
  std::string message;  // what and how to fix it
};
std::string FormatContractDiagnostic(const ContractDiagnostic& diagnostic);

// Time-series expectations: the `stagegateTimeSeries` custom property of the
// contract, overridable per property (sensor).
struct TimeSeriesSpec {
  std::optional<double> nominal_rate_hz;
  std::optional<double> max_gap_s;
  std::optional<double> jitter_ms;           // allowed p99 jitter
  std::optional<double> clock_skew_s;        // allowed |receive - device time|
  std::optional<double> stuck_window_s;      // longest allowed run of one value
  std::optional<std::vector<double>> sentinels;  // values that mean "no reading"
  void MergeFrom(const TimeSeriesSpec& more_specific);
};

// One ODCS quality rule (library metric with a mustBe… operator, or a custom
// rule whose engine is `stagegate` with a CEL implementation).
struct QualityCheck {
  std::string name;         // ODCS `name`, or derived from the metric
  std::string metric;       // "missingValues", "nullValues", "duplicateValues", "invalidValues", "rowCount"; "" for custom
  std::string op;           // "mustBe", "mustBeLessThan", ... ("" for custom)
  std::vector<double> operands;  // one, or two for (not) between
  std::string unit;         // "percent" or "rows"
  std::string implementation;  // custom: a CEL assertion over `stream`
  std::string description;
  std::string severity;     // ODCS severity as written ("error", "warning", "info", or a Stagegate severity)
  std::vector<std::string> controls;  // `stagegateControls` of the rule: added to the contract's
  eval::FileLocation location;
};

// A schema property: one sensor.
struct SensorSpec {
  std::string name;               // the sensor name streams carry
  std::string logical_type;
  bool required = false;
  std::optional<double> minimum;  // logicalTypeOptions
  std::optional<double> maximum;
  std::vector<QualityCheck> quality;
  TimeSeriesSpec time_series;     // property-level override
  eval::FileLocation location;
};

struct SlaProperty {
  std::string property;  // "latency", "frequency", "retention", ...
  double value = 0;
  std::string unit;      // "s", "m", "h", "d", ... as ODCS writes them
  std::optional<double> seconds;  // value in seconds when the unit is a time unit
  eval::FileLocation location;
};

struct DataContract {
  std::string id;
  std::string name;
  std::string version;
  std::string status;
  std::string owner;                    // team name / `owner` custom property
  std::string devices;                  // CEL selector over `device` ("" = every device)
  std::vector<std::string> upstream;    // lineage: where the data comes from
  std::string default_severity = "high";
  // `customProperties` entry `stagegateControls`: the framework controls
  // ("iec62443-3-3:SR-6.2") every generated rule of the contract evidences.
  std::vector<std::string> controls;
  TimeSeriesSpec time_series;           // contract-level
  std::vector<SensorSpec> sensors;      // schema[].properties[]
  std::vector<QualityCheck> quality;    // schema[].quality[] (apply to every sensor)
  std::vector<SlaProperty> sla;
  eval::FileLocation location;          // the document
  const SensorSpec* FindSensor(std::string_view sensor) const;
  // The expectations a stream of `sensor` is judged with: contract level,
  // then the property's override, then the SLA frequency as nominal rate.
  TimeSeriesSpec ExpectationsFor(std::string_view sensor) const;
};

struct ContractSet {
  std::vector<DataContract> contracts;
  std::vector<ContractDiagnostic> diagnostics;
  bool ok() const;
};

// Reads every `kind: DataContract` document of the bundle's files (ODCS
// `apiVersion: v3.x.y`). Other documents are skipped.
ContractSet LoadContracts(const bundle::Bundle& bundle);

}  // namespace stagegate::contracts
