// The fleet's stream subjects:
// - Fleet::SeriesOf keeps the last series each thread read: a stream's
//   consumers share one decode, and a second fleet over another store never
//   sees the first fleet's series, though their streams have the same ids;
// - each thread reads one snapshot of the store per fleet: a later fleet
//   sees what was written since;
// - the `contract.*` and `lineage.*` facts come from the contract a stream is
//   bound to, served by a provider, and are absent from the documents.

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/bundle/bundle_source.h"
#include "engine/subjects/fact_provider.h"
#include "engine/subjects/inputs.h"
#include "evaluators/contracts/data_contract.h"
#include "evaluators/contracts/fleet.h"
#include "evaluators/contracts/telemetry_store.h"
#include "tests/support/scratch_dir.h"

namespace stagegate::contracts {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMinuteUs = 60'000'000;

class FleetStreamsTest : public testing::Test {
 protected:
  // A store with one stream (`device`, temp) of `count` samples, all `value`.
  std::string MakeStore(const std::string& name, int count, double value, const std::string& device = "dev-1") {
    const std::string path = (dir_ / name).string();
    std::string error;
    auto store = TelemetryStore::Open(path, TelemetryStore::Mode::kReadWrite, &error);
    EXPECT_NE(store, nullptr) << error;
    SampleBatch batch;
    for (int i = 0; i < count; ++i) {
      batch.timestamps_us.push_back(i * kMinuteUs);
      batch.values.push_back(value);
    }
    WriteStats stats;
    EXPECT_TRUE(store->BeginWrite(&error)) << error;
    EXPECT_TRUE(store->WriteSamples({device, "temp"}, &batch, &stats, &error)) << error;
    EXPECT_TRUE(store->CommitWrite(&error)) << error;
    return path;
  }

  struct Loaded {
    subjects::SubjectSet subjects;
    std::shared_ptr<Fleet> fleet;
    const subjects::Subject* stream = nullptr;
  };

  void LoadFleet(const std::string& store_path, Loaded* loaded, const ContractSet& contracts = ContractSet()) {
    FleetOptions options;
    options.store_path = store_path;
    options.window = {0, 1000 * kMinuteUs};
    std::vector<std::string> errors;
    loaded->fleet = Fleet::Load(options, contracts, &loaded->subjects, &errors);
    ASSERT_NE(loaded->fleet, nullptr) << (errors.empty() ? "" : errors.front());
    std::vector<const subjects::Subject*> streams = loaded->fleet->Streams();
    ASSERT_EQ(streams.size(), 1u);
    loaded->stream = streams.front();
  }

  test_support::ScratchDir scratch_{"sg_fleet_streams"};
  const fs::path& dir_ = scratch_.path();
};

TEST_F(FleetStreamsTest, ReadingAStreamAgainOnOneThreadReusesItsSeries) {
  Loaded loaded;
  LoadFleet(MakeStore("a.db", 30, 1.5), &loaded);
  std::string error;
  std::shared_ptr<const Series> first = loaded.fleet->SeriesOf(*loaded.stream, &error);
  ASSERT_NE(first, nullptr) << error;
  EXPECT_EQ(first->size(), 30u);
  EXPECT_EQ(loaded.fleet->SeriesOf(*loaded.stream, &error), first);

  // Another thread decodes its own copy, with the same samples.
  std::shared_ptr<const Series> other;
  std::thread([&] { other = loaded.fleet->SeriesOf(*loaded.stream, &error); }).join();
  ASSERT_NE(other, nullptr) << error;
  EXPECT_NE(other, first);
  EXPECT_EQ(other->values, first->values);
  EXPECT_EQ(other->timestamps_us, first->timestamps_us);
}

TEST_F(FleetStreamsTest, AnotherFleetWithTheSameStreamIdsReadsItsOwnStore) {
  Loaded a, b;
  LoadFleet(MakeStore("a.db", 30, 1.5), &a);
  LoadFleet(MakeStore("b.db", 20, 7.0), &b);
  std::string error;
  std::shared_ptr<const Series> from_a = a.fleet->SeriesOf(*a.stream, &error);
  ASSERT_NE(from_a, nullptr) << error;
  std::shared_ptr<const Series> from_b = b.fleet->SeriesOf(*b.stream, &error);
  ASSERT_NE(from_b, nullptr) << error;
  EXPECT_EQ(from_a->size(), 30u);
  ASSERT_EQ(from_b->size(), 20u);
  EXPECT_EQ(from_b->values.front(), 7.0);
  // And the first fleet, read again after the second, still reads its own.
  EXPECT_EQ(a.fleet->SeriesOf(*a.stream, &error)->size(), 30u);
}

TEST_F(FleetStreamsTest, ALaterFleetOverTheSameStoreSeesTheSamplesWrittenSince) {
  const std::string path = MakeStore("a.db", 30, 1.5);
  Loaded before;
  LoadFleet(path, &before);
  std::string error;
  ASSERT_NE(before.fleet->SeriesOf(*before.stream, &error), nullptr) << error;
  {
    auto store = TelemetryStore::Open(path, TelemetryStore::Mode::kReadWrite, &error);
    ASSERT_NE(store, nullptr) << error;
    SampleBatch batch;
    for (int i = 30; i < 40; ++i) {
      batch.timestamps_us.push_back(i * kMinuteUs);
      batch.values.push_back(2.5);
    }
    WriteStats stats;
    ASSERT_TRUE(store->BeginWrite(&error)) << error;
    ASSERT_TRUE(store->WriteSamples({"dev-1", "temp"}, &batch, &stats, &error)) << error;
    ASSERT_TRUE(store->CommitWrite(&error)) << error;
  }
  Loaded after;
  LoadFleet(path, &after);
  std::shared_ptr<const Series> series = after.fleet->SeriesOf(*after.stream, &error);
  ASSERT_NE(series, nullptr) << error;
  ASSERT_EQ(series->size(), 40u);
  EXPECT_EQ(series->values.back(), 2.5);
}

TEST_F(FleetStreamsTest, AStoreThatCannotBeReadGivesNoSeriesAndAnError) {
  Loaded loaded;
  const std::string path = MakeStore("a.db", 30, 1.5);
  LoadFleet(path, &loaded);
  // Unreadable after the load: the thread opens its connection on first read.
  fs::remove(path);
  std::shared_ptr<const Series> series;
  std::string error;
  std::thread([&] { series = loaded.fleet->SeriesOf(*loaded.stream, &error); }).join();
  EXPECT_EQ(series, nullptr);
  EXPECT_NE(error.find("a.db"), std::string::npos) << error;
}

// A contract for the `temp` sensor of devices whose id starts with "dev-".
ContractSet TempContract() {
  bundle::Bundle bundle;
  bundle.files.push_back({"contracts/c.yaml", R"(apiVersion: v3.1.0
kind: DataContract
id: plant-temp
name: Plant temperature
version: 1.2.0
status: active
team: {name: data-platform}
customProperties:
  - property: stagegateTimeSeries
    value:
      upstream: [edge-gateway, mqtt-broker]
      devices: device.id.startsWith("dev-")
schema:
  - name: t
    properties:
      - name: temp
)"});
  return LoadContracts(bundle);
}

struct Fact {
  bool missing = true;
  nlohmann::json value;
};

Fact ContractFact(const Fleet& fleet, const subjects::Subject& stream, std::string_view name) {
  subjects::FactProviderRegistry registry;
  fleet.RegisterProviders(&registry);
  const subjects::FactProvider* provider = registry.Find(facts::SubjectKind::kStream, name);
  EXPECT_NE(provider, nullptr) << name;
  if (provider == nullptr) return {};
  subjects::ComputedFact computed = provider->Compute(stream, name);
  EXPECT_EQ(computed.error, "") << name;
  if (!computed.value) return {};
  return {false, *computed.value};
}

TEST_F(FleetStreamsTest, ABoundStreamReadsItsContractAndLineageFromTheProvider) {
  const ContractSet contracts = TempContract();
  ASSERT_TRUE(contracts.ok());
  Loaded loaded;
  LoadFleet(MakeStore("a.db", 3, 1.0), &loaded, contracts);
  const subjects::Subject& stream = *loaded.stream;
  EXPECT_FALSE(stream.document.contains("contract"));
  EXPECT_FALSE(stream.document.contains("lineage"));
  EXPECT_EQ(ContractFact(*loaded.fleet, stream, "contract.id").value, "plant-temp");
  EXPECT_EQ(ContractFact(*loaded.fleet, stream, "contract.name").value, "Plant temperature");
  EXPECT_EQ(ContractFact(*loaded.fleet, stream, "contract.version").value, "1.2.0");
  EXPECT_EQ(ContractFact(*loaded.fleet, stream, "contract.status").value, "active");
  EXPECT_EQ(ContractFact(*loaded.fleet, stream, "contract.owner").value, "data-platform");
  EXPECT_EQ(ContractFact(*loaded.fleet, stream, "lineage.upstream").value,
            nlohmann::json::array({"edge-gateway", "mqtt-broker"}));
  EXPECT_EQ(ContractFact(*loaded.fleet, stream, "lineage.owner").value, "data-platform");
  EXPECT_EQ(ContractFact(*loaded.fleet, stream, "lineage.version").value, "1.2.0");
  // The groups themselves are read fact by fact; unknown fields are missing.
  EXPECT_TRUE(ContractFact(*loaded.fleet, stream, "contract").missing);
  EXPECT_TRUE(ContractFact(*loaded.fleet, stream, "contract.bogus").missing);
}

TEST_F(FleetStreamsTest, AStreamNoContractCoversHasAnEmptyContractIdAndNoLineage) {
  const ContractSet contracts = TempContract();
  Loaded loaded;
  LoadFleet(MakeStore("a.db", 3, 1.0, "other-1"), &loaded, contracts);  // the selector leaves it out
  EXPECT_EQ(ContractFact(*loaded.fleet, *loaded.stream, "contract.id").value, "");
  EXPECT_TRUE(ContractFact(*loaded.fleet, *loaded.stream, "contract.name").missing);
  EXPECT_TRUE(ContractFact(*loaded.fleet, *loaded.stream, "lineage.owner").missing);
}

}  // namespace
}  // namespace stagegate::contracts
