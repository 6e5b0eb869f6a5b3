#pragma once
// A synthetic AIoT fleet for demos, tests and benchmarks: devices on sites
// and zones with classes and firmware versions, sensors with daily cycles and
// noise at realistic precision, and injected faults (silences, stuck values,
// drifts, clock skew, duplicates, out-of-order bursts, NaN and sentinel
// values) recorded as ground truth. The same options and seed give the same
// files on the same platform: randomness is std::mt19937_64 with our own
// distributions (the standard ones differ between library implementations).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace stagegate::contracts {

// Fault kinds, as named on the command line and in faults.json.
inline constexpr const char* kFaultKinds[] = {"silence",   "stuck",        "drift", "clock_skew",
                                              "duplicates", "out_of_order", "nan",   "sentinel"};
// Sensor types the simulator models.
inline constexpr const char* kSensorTypes[] = {"temperature", "vibration", "pressure", "humidity", "current"};

// The value sentinel devices send when a reading failed.
inline constexpr double kSimulatedSentinel = -999;

// A device as the simulator planned it, for record_fields below.
struct SimulatedDevice {
  std::string id, site, zone, device_class, firmware;
};

struct SimulatorOptions {
  uint64_t seed = 1;
  int devices = 10;
  std::vector<std::string> sensors = {std::begin(kSensorTypes), std::end(kSensorTypes)};
  double days = 1;
  double rate_hz = 1;
  std::vector<std::string> faults = {std::begin(kFaultKinds), std::end(kFaultKinds)};  // empty: a healthy fleet
  double faulty_share = 0.3;          // share of devices that get faults
  int64_t start_us = 1709251200LL * 1'000'000;  // 2024-03-01T00:00:00Z
  bool write_long = true;             // telemetry.csv: ts,device_id,sensor,value,received_at
  bool write_wide = false;            // telemetry_wide.csv: ts,device_id,received_at,<sensor>...
  bool epoch_ms = false;              // timestamps as epoch milliseconds instead of RFC 3339
  bool write_received = true;         // the received_at column (receive latency, clock skew)
  // When set, called once per device in order: YAML lines appended to its
  // inventory record (`stagegate simulate --trust`). Lines that give
  // `firmware` replace the record's firmware version string. May throw
  // std::exception; the message becomes SimulateFleet's error.
  std::function<std::string(const SimulatedDevice&)> record_fields;
};

struct SimulationSummary {
  int devices = 0;
  int64_t samples = 0;  // distinct samples generated (before duplicates)
  int64_t rows_long = 0;
  int64_t rows_wide = 0;
  int faults = 0;
  std::vector<std::string> files;  // written, relative to the output folder
};

// Checks `options` (names, ranges); returns false with a message saying what to change.
bool ValidateSimulatorOptions(const SimulatorOptions& options, std::string* error);

// Writes devices.yaml, the telemetry CSV file(s) and faults.json into `out_dir`
// (created when missing). Returns false with a message on I/O errors.
bool SimulateFleet(const SimulatorOptions& options, const std::string& out_dir, SimulationSummary* summary,
                   std::string* error);

}  // namespace stagegate::contracts
