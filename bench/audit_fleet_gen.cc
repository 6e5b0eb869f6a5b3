// Writes the telemetry store of the fleet-audit benchmark (bench/audit_process.sh)
// straight through the store's API: DEVICES devices (dev-0001 ...) x the ten
// sensors below, one sample a minute for MINUTES minutes from
// 2024-03-01T00:00:00Z, each a daily cycle plus noise at the sensor's
// precision; 1 % of the streams fall silent for two hours and 0.5 % get stuck.
// Each sample has its receive time, as `stagegate simulate` writes it and an
// ingest with a received_at column stores it: 150 ms plus an exponential
// delay of mean 60 ms after the sample's true time, in whole milliseconds;
// 0.5 % of the devices stamp their samples with a clock 10 to 60 s off.
// Going through CSV would take longer than the audit it prepares.
//   audit_fleet_gen STORE DEVICES MINUTES

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numbers>
#include <random>
#include <string>

#include <fmt/format.h>

#include "evaluators/contracts/telemetry_store.h"

namespace {

struct Sensor {
  const char* name;
  double base, amplitude, noise, scale;  // scale: 10^decimals the sensor reports
};

// The bench contract (bench/data/audit/contract.odcs.yaml) names these ten.
constexpr Sensor kSensors[] = {
    {"temperature", 30, 3, 0.2, 100}, {"vibration", 4, 1, 0.3, 100}, {"pressure", 6, 0.5, 0.05, 1000},
    {"humidity", 45, 8, 1.0, 10},     {"current", 12, 2, 0.4, 100},  {"voltage", 230, 2, 0.5, 10},
    {"flow", 80, 10, 2.0, 10},        {"speed", 1450, 20, 5, 1},     {"noise", 62, 4, 1.5, 10},
    {"torque", 35, 5, 0.8, 100}};

constexpr int64_t kStartUs = 1709251200LL * 1'000'000;  // 2024-03-01T00:00:00Z
constexpr int64_t kMinuteUs = 60'000'000;

}  // namespace

int main(int argc, char** argv) {
  namespace contracts = stagegate::contracts;
  if (argc != 4) {
    std::fprintf(stderr, "usage: audit_fleet_gen STORE DEVICES MINUTES\n");
    return 2;
  }
  const std::string path = argv[1];
  const int devices = std::atoi(argv[2]);
  const int minutes = std::atoi(argv[3]);
  std::string error;
  std::unique_ptr<contracts::TelemetryStore> store =
      contracts::TelemetryStore::Open(path, contracts::TelemetryStore::Mode::kReadWrite, &error);
  if (!store) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::mt19937_64 random(2024);
  std::normal_distribution<double> gaussian(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::exponential_distribution<double> delay_ms(1.0 / 60.0);
  contracts::SampleBatch batch;
  int64_t samples = 0;
  constexpr int kDevicesPerTransaction = 1000;
  for (int first = 0; first < devices; first += kDevicesPerTransaction) {
    if (!store->BeginWrite(&error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    for (int device = first; device < std::min(devices, first + kDevicesPerTransaction); ++device) {
      const std::string device_id = fmt::format("dev-{:04}", device + 1);
      const bool skewed = uniform(random) < 0.005;
      const int64_t clock_offset_us =
          skewed ? static_cast<int64_t>((uniform(random) < 0.5 ? -1 : 1) * (10 + 50 * uniform(random)) * 1e6) : 0;
      for (const Sensor& sensor : kSensors) {
        const double draw = uniform(random);
        const bool silent = draw < 0.01, stuck = draw >= 0.01 && draw < 0.015;
        const int silence_start = static_cast<int>(uniform(random) * (minutes - 120));
        const double offset = gaussian(random) * sensor.amplitude * 0.2;
        batch.clear();
        double value = sensor.base;
        for (int minute = 0; minute < minutes; ++minute) {
          if (silent && minute >= silence_start && minute < silence_start + 120) continue;
          if (!(stuck && minute > minutes / 2)) {
            value = sensor.base + offset + sensor.amplitude * std::sin(minute * 2.0 * std::numbers::pi / 1440.0) +
                    sensor.noise * gaussian(random);
            // As a CSV reader would see "30.12": the double nearest the decimal.
            value = std::round(value * sensor.scale) / sensor.scale;
          }
          const int64_t true_us = kStartUs + minute * kMinuteUs;
          batch.timestamps_us.push_back(true_us + clock_offset_us);
          batch.values.push_back(value);
          batch.received_us.push_back(true_us + (150 + static_cast<int64_t>(delay_ms(random))) * 1000);
        }
        samples += static_cast<int64_t>(batch.values.size());
        contracts::WriteStats stats;
        if (!store->WriteSamples({device_id, sensor.name}, &batch, &stats, &error)) {
          std::fprintf(stderr, "%s\n", error.c_str());
          return 1;
        }
      }
    }
    if (!store->CommitWrite(&error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
  }
  std::printf("%s: %d devices x %zu sensors, %d minutes: %lld samples\n", path.c_str(), devices, std::size(kSensors),
              minutes, static_cast<long long>(samples));
  return 0;
}
