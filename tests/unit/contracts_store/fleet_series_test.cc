// Fleet::SeriesOf keeps the last series each thread read: a stream's
// consumers share one decode, and a second fleet over another store never
// sees the first fleet's series, though their streams have the same ids.

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/subjects/inputs.h"
#include "evaluators/contracts/data_contract.h"
#include "evaluators/contracts/fleet.h"
#include "evaluators/contracts/telemetry_store.h"

namespace stagegate::contracts {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMinuteUs = 60'000'000;

class FleetSeriesTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sg_fleet_series_" + std::to_string(::getpid()) + "_" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A store with one stream (dev-1, temp) of `count` samples, all `value`.
  std::string MakeStore(const std::string& name, int count, double value) {
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
    EXPECT_TRUE(store->WriteSamples({"dev-1", "temp"}, &batch, &stats, &error)) << error;
    EXPECT_TRUE(store->CommitWrite(&error)) << error;
    return path;
  }

  struct Loaded {
    subjects::SubjectSet subjects;
    std::shared_ptr<Fleet> fleet;
    const subjects::Subject* stream = nullptr;
  };

  void LoadFleet(const std::string& store_path, Loaded* loaded) {
    FleetOptions options;
    options.store_path = store_path;
    options.window = {0, 1000 * kMinuteUs};
    std::vector<std::string> errors;
    loaded->fleet = Fleet::Load(options, ContractSet(), &loaded->subjects, &errors);
    ASSERT_NE(loaded->fleet, nullptr) << (errors.empty() ? "" : errors.front());
    std::vector<const subjects::Subject*> streams = loaded->fleet->Streams();
    ASSERT_EQ(streams.size(), 1u);
    loaded->stream = streams.front();
  }

  fs::path dir_;
};

TEST_F(FleetSeriesTest, ReadingAStreamAgainOnOneThreadReusesItsSeries) {
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

TEST_F(FleetSeriesTest, AnotherFleetWithTheSameStreamIdsReadsItsOwnStore) {
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

TEST_F(FleetSeriesTest, AStoreThatCannotBeReadGivesNoSeriesAndAnError) {
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

}  // namespace
}  // namespace stagegate::contracts
