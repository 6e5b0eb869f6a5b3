#include "evaluators/contracts/fleet_simulator.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "evaluators/contracts/telemetry_ingest.h"
#include "evaluators/contracts/telemetry_store.h"
#include "tests/support/scratch_dir.h"

namespace stagegate::contracts {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class SimulatorTest : public testing::Test {
 protected:
  test_support::ScratchDir scratch_{"sg_sim"};
  const fs::path& dir_ = scratch_.path();
};

SimulatorOptions Small(uint64_t seed) {
  SimulatorOptions o;
  o.seed = seed;
  o.devices = 6;
  o.days = 0.05;
  o.faulty_share = 1.0;  // every device gets a fault
  o.write_wide = true;
  return o;
}

TEST_F(SimulatorTest, SameSeedSameFilesOtherSeedOtherFiles) {
  SimulationSummary a, b, c;
  std::string error;
  ASSERT_TRUE(SimulateFleet(Small(7), (dir_ / "a").string(), &a, &error)) << error;
  ASSERT_TRUE(SimulateFleet(Small(7), (dir_ / "b").string(), &b, &error)) << error;
  ASSERT_TRUE(SimulateFleet(Small(8), (dir_ / "c").string(), &c, &error)) << error;
  for (const char* file : {"devices.yaml", "telemetry.csv", "telemetry_wide.csv", "faults.json"}) {
    EXPECT_EQ(ReadAll(dir_ / "a" / file), ReadAll(dir_ / "b" / file)) << file;
  }
  EXPECT_NE(ReadAll(dir_ / "a" / "telemetry.csv"), ReadAll(dir_ / "c" / "telemetry.csv"));
  EXPECT_EQ(a.devices, 6);
  EXPECT_GE(a.faults, 6);
}

TEST_F(SimulatorTest, InventoryGroundTruthAndTelemetryAgree) {
  SimulatorOptions o = Small(3);
  o.devices = 40;
  o.days = 0.2;
  SimulationSummary summary;
  std::string error;
  ASSERT_TRUE(SimulateFleet(o, (dir_ / "f").string(), &summary, &error)) << error;
  const std::string inventory = ReadAll(dir_ / "f" / "devices.yaml");
  EXPECT_EQ(inventory.rfind("kind: device\nid: dev-0001\nsite: plant-", 0), 0u) << inventory.substr(0, 80);
  const nlohmann::json truth = nlohmann::json::parse(ReadAll(dir_ / "f" / "faults.json"));
  std::set<std::string> kinds;
  for (const auto& f : truth["faults"]) kinds.insert(f["kind"].get<std::string>());
  EXPECT_EQ(kinds.size(), std::size(kFaultKinds)) << truth.dump();

  auto store = TelemetryStore::Open((dir_ / "t.db").string(), TelemetryStore::Mode::kReadWrite, &error);
  ASSERT_NE(store, nullptr) << error;
  IngestReport report;
  ASSERT_TRUE(IngestInput(store.get(), (dir_ / "f" / "telemetry.csv").string(), {}, &report, &error)) << error;
  EXPECT_EQ(report.rows, summary.rows_long);
  EXPECT_EQ(report.write.stored, summary.samples);  // duplicates dropped, every distinct sample kept
  EXPECT_GT(report.write.duplicates, 0);
  EXPECT_GT(report.write.out_of_order, 0);
  EXPECT_EQ(report.streams, 40 * 5);
  // Sentinels and NaN are stored where the ground truth put them.
  for (const auto& f : truth["faults"]) {
    if (f["kind"] != "sentinel" && f["kind"] != "nan") continue;
    int64_t from = 0, to = 0;
    std::string why;
    ASSERT_TRUE(ParseRfc3339(f["start"].get<std::string>(), &from, &why));
    ASSERT_TRUE(ParseRfc3339(f["end"].get<std::string>(), &to, &why));
    Series s;
    ASSERT_TRUE(store->ReadSeries({f["device"], f["sensor"]}, from, to, &s, &error)) << error;
    int marked = 0;
    for (double v : s.values) marked += f["kind"] == "nan" ? std::isnan(v) : v == kSimulatedSentinel;
    EXPECT_GT(marked, 0) << f.dump();
  }
}

TEST_F(SimulatorTest, BadOptionsSayWhatToChange) {
  SimulatorOptions o;
  o.sensors = {"temperature", "radiation"};
  std::string error;
  EXPECT_FALSE(ValidateSimulatorOptions(o, &error));
  EXPECT_EQ(error, "--sensors: unknown sensor type \"radiation\"; pick from temperature, vibration, pressure, "
                   "humidity, current");
  o = SimulatorOptions();
  o.faults = {"gremlins"};
  EXPECT_FALSE(ValidateSimulatorOptions(o, &error));
  EXPECT_EQ(error, "--faults: unknown fault \"gremlins\"; pick from silence, stuck, drift, clock_skew, duplicates, "
                   "out_of_order, nan, sentinel (or all, none)");
  o = SimulatorOptions();
  o.rate_hz = 3;
  EXPECT_FALSE(ValidateSimulatorOptions(o, &error));
}

}  // namespace
}  // namespace stagegate::contracts
