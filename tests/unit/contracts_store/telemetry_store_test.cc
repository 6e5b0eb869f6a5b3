#include "evaluators/contracts/telemetry_store.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "evaluators/contracts/block_codec.h"

namespace stagegate::contracts {
namespace {

namespace fs = std::filesystem;

class TelemetryStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sg_store_" + std::to_string(::getpid()) + "_" + testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "telemetry.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<TelemetryStore> OpenWrite() {
    std::string error;
    auto store = TelemetryStore::Open(path_, TelemetryStore::Mode::kReadWrite, &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  // Writes one batch in its own transaction.
  WriteStats Write(TelemetryStore* store, const StreamKey& key, SampleBatch batch) {
    std::string error;
    WriteStats stats;
    EXPECT_TRUE(store->BeginWrite(&error)) << error;
    EXPECT_TRUE(store->WriteSamples(key, &batch, &stats, &error)) << error;
    EXPECT_TRUE(store->CommitWrite(&error)) << error;
    return stats;
  }

  fs::path dir_;
  std::string path_;
};

SampleBatch Regular(int64_t start_us, int64_t step_us, size_t n, double base = 0) {
  SampleBatch batch;
  for (size_t i = 0; i < n; ++i) {
    batch.timestamps_us.push_back(start_us + static_cast<int64_t>(i) * step_us);
    batch.values.push_back(base + static_cast<double>(i % 1000) / 10.0);
  }
  return batch;
}

TEST_F(TelemetryStoreTest, RoundTripAcrossBlocks) {
  auto store = OpenWrite();
  const StreamKey key{"dev-1", "temperature"};
  const size_t n = 3 * kBlockSamples + 17;
  WriteStats stats = Write(store.get(), key, Regular(1'000'000, 1'000'000, n));
  EXPECT_EQ(stats.stored, static_cast<int64_t>(n));
  Series series;
  std::string error;
  ASSERT_TRUE(store->ReadSeries(key, INT64_MIN, INT64_MAX, &series, &error)) << error;
  ASSERT_EQ(series.size(), n);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(series.timestamps_us[i], 1'000'000 + static_cast<int64_t>(i) * 1'000'000);
    ASSERT_EQ(series.values[i], static_cast<double>(i % 1000) / 10.0);
  }
  TelemetryStore::Totals totals;
  ASSERT_TRUE(store->ReadTotals(&totals, &error)) << error;
  EXPECT_EQ(totals.blocks, 4);
  EXPECT_EQ(totals.samples, static_cast<int64_t>(n));
  EXPECT_EQ(totals.streams, 1);

  std::vector<StreamInfo> streams;
  ASSERT_TRUE(store->ListStreams(&streams, &error));
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].key, key);
  EXPECT_EQ(streams[0].count, static_cast<int64_t>(n));
  EXPECT_EQ(streams[0].first_us, 1'000'000);
  EXPECT_EQ(streams[0].last_us, static_cast<int64_t>(n) * 1'000'000);
}

TEST_F(TelemetryStoreTest, AReadSnapshotKeepsTheStoreAsItWasAtItsFirstRead) {
  auto writer = OpenWrite();
  const StreamKey key{"dev-1", "temperature"};
  Write(writer.get(), key, Regular(1'000'000, 1'000'000, 10));
  std::string error;
  auto reader = TelemetryStore::Open(path_, TelemetryStore::Mode::kReadOnly, &error);
  ASSERT_NE(reader, nullptr) << error;
  ASSERT_TRUE(reader->HoldReadSnapshot(&error)) << error;
  Series series;
  ASSERT_TRUE(reader->ReadSeries(key, INT64_MIN, INT64_MAX, &series, &error)) << error;
  EXPECT_EQ(series.size(), 10u);
  // A write committed after the snapshot's first read is not seen by it...
  Write(writer.get(), key, Regular(100'000'000, 1'000'000, 5));
  ASSERT_TRUE(reader->ReadSeries(key, INT64_MIN, INT64_MAX, &series, &error)) << error;
  EXPECT_EQ(series.size(), 10u);
  // ...but is by a connection opened since.
  auto later = TelemetryStore::Open(path_, TelemetryStore::Mode::kReadOnly, &error);
  ASSERT_NE(later, nullptr) << error;
  ASSERT_TRUE(later->ReadSeries(key, INT64_MIN, INT64_MAX, &series, &error)) << error;
  EXPECT_EQ(series.size(), 15u);
}

TEST_F(TelemetryStoreTest, AReadSnapshotOfAWritableStoreIsRefusedByName) {
  auto writer = OpenWrite();
  std::string error;
  EXPECT_FALSE(writer->HoldReadSnapshot(&error));
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  EXPECT_NE(error.find("needs the store opened read-only"), std::string::npos) << error;
}

TEST_F(TelemetryStoreTest, WindowReadsAtBlockEdges) {
  auto store = OpenWrite();
  const StreamKey key{"dev-1", "vibration"};
  const size_t n = 3 * kBlockSamples;
  Write(store.get(), key, Regular(0, 10, n));  // sample i at 10 * i
  const int64_t edge = static_cast<int64_t>(kBlockSamples) * 10;  // first sample of block 2
  struct Case {
    int64_t from, to;
    size_t expected_first, expected_count;
  };
  const Case cases[] = {
      {edge, edge + 10, kBlockSamples, 1},              // exactly the first sample of a block
      {edge - 10, edge, kBlockSamples - 1, 1},          // exactly the last sample of a block
      {edge - 10, edge + 10, kBlockSamples - 1, 2},     // straddles the edge
      {edge - 5, edge + 5, kBlockSamples, 1},           // between samples
      {edge + 1, edge + 9, 0, 0},                       // empty window inside a block
      {0, static_cast<int64_t>(n) * 10, 0, n},          // everything
      {-100, 0, 0, 0},                                  // before the stream
      {static_cast<int64_t>(n) * 10, INT64_MAX, 0, 0},  // after it
      {5, 5, 0, 0},                                     // empty range
      {edge, 2 * edge, kBlockSamples, kBlockSamples},   // exactly one block
  };
  for (const Case& c : cases) {
    Series series;
    std::string error;
    ASSERT_TRUE(store->ReadSeries(key, c.from, c.to, &series, &error)) << error;
    SCOPED_TRACE(testing::Message() << "[" << c.from << ", " << c.to << ")");
    ASSERT_EQ(series.size(), c.expected_count);
    if (c.expected_count > 0) {
      EXPECT_EQ(series.timestamps_us.front(), static_cast<int64_t>(c.expected_first) * 10);
      EXPECT_EQ(series.timestamps_us.back(), static_cast<int64_t>(c.expected_first + c.expected_count - 1) * 10);
    }
  }
  Series unknown;
  std::string error;
  ASSERT_TRUE(store->ReadSeries(StreamKey{"dev-9", "x"}, 0, 100, &unknown, &error));
  EXPECT_EQ(unknown.size(), 0u);
}

TEST_F(TelemetryStoreTest, OutOfOrderAndDuplicatesWithinOneInput) {
  auto store = OpenWrite();
  const StreamKey key{"d", "s"};
  SampleBatch batch;
  batch.timestamps_us = {10, 30, 20, 30, 40, 30, 50};
  batch.values = {1, 3, 2, 33, 4, 333, 5};
  WriteStats stats = Write(store.get(), key, std::move(batch));
  EXPECT_EQ(stats.stored, 5);
  EXPECT_EQ(stats.duplicates, 2);
  EXPECT_EQ(stats.out_of_order, 1);
  Series s;
  std::string error;
  ASSERT_TRUE(store->ReadSeries(key, 0, 100, &s, &error));
  EXPECT_EQ(s.timestamps_us, (std::vector<int64_t>{10, 20, 30, 40, 50}));
  EXPECT_EQ(s.values, (std::vector<double>{1, 2, 3, 4, 5}));  // the first arrival stays
  EXPECT_EQ(s.flags, (std::vector<uint8_t>{0, kArrivedOutOfOrder, kHadDuplicates, 0, 0}));
  EXPECT_EQ(s.duplicates, (std::vector<uint32_t>{0, 0, 2, 0, 0}));
}

TEST_F(TelemetryStoreTest, OverlappingIngestsMergeAndKeepStoredValues) {
  auto store = OpenWrite();
  const StreamKey key{"d", "s"};
  Write(store.get(), key, Regular(0, 1000, 10'000, 0));        // [0, 10 s)
  WriteStats second = Write(store.get(), key, Regular(5'000'000, 1000, 10'000, 7));  // [5 s, 15 s)
  EXPECT_EQ(second.stored, 5000);
  EXPECT_EQ(second.overlap, 5000);
  EXPECT_EQ(second.overlap_conflicts, 5000);
  EXPECT_EQ(second.duplicates, 0);
  Series s;
  std::string error;
  ASSERT_TRUE(store->ReadSeries(key, INT64_MIN, INT64_MAX, &s, &error));
  ASSERT_EQ(s.size(), 15'000u);
  for (size_t i = 1; i < s.size(); ++i) ASSERT_EQ(s.timestamps_us[i] - s.timestamps_us[i - 1], 1000);
  EXPECT_EQ(s.values[9999], 999 / 10.0 + 0);  // the stored value
  EXPECT_EQ(s.values[10'000], 7 + 5000 % 1000 / 10.0);
  for (uint8_t f : s.flags) ASSERT_EQ(f, 0);
  // Blocks still never overlap and are full except possibly the last ones touched.
  std::vector<StreamInfo> streams;
  ASSERT_TRUE(store->ListStreams(&streams, &error));
  EXPECT_EQ(streams[0].count, 15'000);
  EXPECT_EQ(streams[0].first_us, 0);
  EXPECT_EQ(streams[0].last_us, 14'999'000);
  // A batch in the middle, out of order, inside an earlier batch of the same input.
  SampleBatch middle;
  middle.timestamps_us = {2'000'000, 2'000'500};
  middle.values = {-1, -2};
  middle.input_first_us = 0;
  middle.input_last_us = 3'000'000;
  middle.arrived_after_us = 14'999'000;
  WriteStats third = Write(store.get(), key, std::move(middle));
  EXPECT_EQ(third.stored, 1);
  EXPECT_EQ(third.duplicates, 1);
  EXPECT_EQ(third.out_of_order, 1);
  ASSERT_TRUE(store->ReadSeries(key, 2'000'000, 2'001'001, &s, &error));
  EXPECT_EQ(s.timestamps_us, (std::vector<int64_t>{2'000'000, 2'000'500, 2'001'000}));
  EXPECT_EQ(s.flags, (std::vector<uint8_t>{kHadDuplicates, kArrivedOutOfOrder, 0}));
  EXPECT_EQ(s.duplicates, (std::vector<uint32_t>{1, 0, 0}));
}

TEST_F(TelemetryStoreTest, AppendsFillTheLastBlock) {
  auto store = OpenWrite();
  const StreamKey key{"d", "s"};
  for (int i = 0; i < 50; ++i) Write(store.get(), key, Regular(i * 100'000, 1000, 100));
  TelemetryStore::Totals totals;
  std::string error;
  ASSERT_TRUE(store->ReadTotals(&totals, &error));
  EXPECT_EQ(totals.samples, 5000);
  EXPECT_EQ(totals.blocks, 2);
}

TEST_F(TelemetryStoreTest, ReceiveTimesSurviveMixedInputs) {
  auto store = OpenWrite();
  const StreamKey key{"d", "s"};
  SampleBatch with = Regular(0, 1000, 3);
  with.received_us = {500, 1500, kReceiveTimeUnknown};
  Write(store.get(), key, std::move(with));
  Write(store.get(), key, Regular(3000, 1000, 2));
  Series s;
  std::string error;
  ASSERT_TRUE(store->ReadSeries(key, INT64_MIN, INT64_MAX, &s, &error));
  EXPECT_EQ(s.received_us,
            (std::vector<int64_t>{500, 1500, kReceiveTimeUnknown, kReceiveTimeUnknown, kReceiveTimeUnknown}));
}

TEST_F(TelemetryStoreTest, RollbackLeavesNothing) {
  auto store = OpenWrite();
  std::string error;
  ASSERT_TRUE(store->BeginWrite(&error));
  SampleBatch batch = Regular(0, 1000, 100);
  WriteStats stats;
  ASSERT_TRUE(store->WriteSamples({"d", "s"}, &batch, &stats, &error));
  ASSERT_TRUE(store->Quarantine({"f.csv", "abc", 3, "bad,row", "reason"}, &error));
  store->RollbackWrite();
  std::vector<StreamInfo> streams;
  ASSERT_TRUE(store->ListStreams(&streams, &error));
  EXPECT_TRUE(streams.empty());
  std::vector<QuarantinedRow> rows;
  ASSERT_TRUE(store->ListQuarantine(&rows, &error));
  EXPECT_TRUE(rows.empty());
}

TEST_F(TelemetryStoreTest, UncommittedWriteIsGoneAfterAbruptClose) {
  {
    auto store = OpenWrite();
    Write(store.get(), {"d", "s"}, Regular(0, 1000, 10));
    std::string error;
    ASSERT_TRUE(store->BeginWrite(&error));
    SampleBatch batch = Regular(1'000'000, 1000, 10);
    WriteStats stats;
    ASSERT_TRUE(store->WriteSamples({"d", "s"}, &batch, &stats, &error));
    // Destroyed mid-write, as when the process dies: the transaction is lost.
  }
  std::string error;
  auto reader = TelemetryStore::Open(path_, TelemetryStore::Mode::kReadOnly, &error);
  ASSERT_NE(reader, nullptr) << error;
  Series s;
  ASSERT_TRUE(reader->ReadSeries({"d", "s"}, INT64_MIN, INT64_MAX, &s, &error));
  EXPECT_EQ(s.size(), 10u);
}

TEST_F(TelemetryStoreTest, IngestRecordsAndStreamsOfADevice) {
  auto store = OpenWrite();
  std::string error;
  ASSERT_TRUE(store->BeginWrite(&error));
  IngestRecord record{"ab12", "data.csv", "2024-01-01T00:00:00Z", 10, 9, 1, 0};
  ASSERT_TRUE(store->RecordIngest(record, &error));
  for (const char* sensor : {"vibration", "current", "temperature"}) {
    SampleBatch b = Regular(0, 1000, 5);
    WriteStats stats;
    ASSERT_TRUE(store->WriteSamples({"dev-2", sensor}, &b, &stats, &error));
  }
  SampleBatch other = Regular(0, 1000, 5);
  WriteStats stats;
  ASSERT_TRUE(store->WriteSamples({"dev-1", "current"}, &other, &stats, &error));
  ASSERT_TRUE(store->CommitWrite(&error));
  std::optional<IngestRecord> found = store->FindIngest("ab12", &error);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->source, "data.csv");
  EXPECT_EQ(found->rejected, 1);
  EXPECT_FALSE(store->FindIngest("cd34", &error).has_value());
  EXPECT_EQ(error, "");
  std::vector<StreamInfo> streams;
  ASSERT_TRUE(store->ListDeviceStreams("dev-2", &streams, &error));
  ASSERT_EQ(streams.size(), 3u);
  EXPECT_EQ(streams[0].key.sensor, "current");
  EXPECT_EQ(streams[2].key.sensor, "vibration");
}

TEST_F(TelemetryStoreTest, OpenErrorsSayWhatToDo) {
  std::string error;
  EXPECT_EQ(TelemetryStore::Open(path_, TelemetryStore::Mode::kReadOnly, &error), nullptr);
  EXPECT_EQ(error, path_ + ": no telemetry store there; create one with 'stagegate ingest --store " + path_ +
                       " FILE...'");
  // Some other SQLite database.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(TelemetryStore::Open(path_, TelemetryStore::Mode::kReadWrite, &error), nullptr);
  EXPECT_EQ(error, path_ + ": an SQLite database, but not a Stagegate telemetry store; pass another --store file");
  fs::remove(path_);
  // A file that is no database at all.
  { std::ofstream(path_) << "ts,device_id,sensor,value\n"; }
  EXPECT_EQ(TelemetryStore::Open(path_, TelemetryStore::Mode::kReadWrite, &error), nullptr);
  EXPECT_NE(error.find("not a telemetry store"), std::string::npos) << error;
  fs::remove(path_);
  // A store from a newer version.
  OpenWrite().reset();
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(TelemetryStore::Open(path_, TelemetryStore::Mode::kReadOnly, &error), nullptr);
  EXPECT_EQ(error, path_ + ": written by a newer Stagegate (schema 99, this build reads up to 1); upgrade stagegate");
}

// Random batches against a simple model of the store's semantics.
TEST_F(TelemetryStoreTest, RandomisedMergeMatchesAModel) {
  auto store = OpenWrite();
  const StreamKey key{"d", "s"};
  std::map<int64_t, double> model;
  std::mt19937_64 rng(99);
  for (int round = 0; round < 40; ++round) {
    SampleBatch batch;
    const int64_t start = static_cast<int64_t>(rng() % 50'000) * 1000;
    const size_t n = 1 + rng() % 6000;
    for (size_t i = 0; i < n; ++i) {
      const int64_t t = start + static_cast<int64_t>(rng() % (n * 2)) * 1000;
      batch.timestamps_us.push_back(t);
      batch.values.push_back(static_cast<double>(rng() % 10000) / 100.0);
    }
    for (size_t i = 0; i < n; ++i) model.emplace(batch.timestamps_us[i], batch.values[i]);  // first wins
    Write(store.get(), key, std::move(batch));
  }
  Series s;
  std::string error;
  ASSERT_TRUE(store->ReadSeries(key, INT64_MIN, INT64_MAX, &s, &error));
  ASSERT_EQ(s.size(), model.size());
  size_t i = 0;
  for (const auto& [t, v] : model) {
    ASSERT_EQ(s.timestamps_us[i], t);
    ASSERT_EQ(s.values[i], v);
    ++i;
  }
  // Random windows agree with the model too.
  for (int k = 0; k < 200; ++k) {
    const int64_t from = static_cast<int64_t>(rng() % 70'000'000), to = from + static_cast<int64_t>(rng() % 20'000'000);
    ASSERT_TRUE(store->ReadSeries(key, from, to, &s, &error));
    const size_t expected = static_cast<size_t>(std::distance(model.lower_bound(from), model.lower_bound(to)));
    ASSERT_EQ(s.size(), expected);
  }
}

}  // namespace
}  // namespace stagegate::contracts
