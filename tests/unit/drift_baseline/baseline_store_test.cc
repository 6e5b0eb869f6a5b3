#include "evaluators/drift/baseline_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <atomic>
#include <vector>

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "engine/common/digest.h"
#include "evaluators/contracts/telemetry_ingest.h"
#include "evaluators/contracts/telemetry_store.h"
#include "evaluators/drift/baseline_builder.h"
#include "tests/support/scratch_dir.h"

namespace stagegate::drift {
namespace {

using test_support::ScratchDir;

DistributionSketch Sketch(int n, std::uint64_t seed, double mean) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> normal(mean, 1.0);
  DistributionSketch sketch(SketchOptions{128, 1, {-999.0}});
  for (int i = 0; i < n; ++i) sketch.Add(normal(random), static_cast<std::uint64_t>(i));
  return sketch;
}

BaselineInfo Info(std::string name) {
  BaselineInfo info;
  info.name = std::move(name);
  info.source = "telemetry";
  info.window_from_us = 1'000'000;
  info.window_to_us = 2'000'000;
  info.params.sample_size = 128;
  info.params.seed = 1;
  info.params.sentinels = {-999.0};
  info.params.cohort_field = "site";
  info.created_at = "2025-06-01T00:00:00Z";
  return info;
}

// Writes a baseline with three numeric entries and one categorical one.
BaselineInfo WriteBaseline(const std::string& store, const std::string& name, bool replace = false) {
  std::string error;
  std::unique_ptr<BaselineWriter> writer = BaselineWriter::Begin(store, Info(name), replace, &error);
  EXPECT_TRUE(writer) << error;
  if (!writer) return {};
  EXPECT_TRUE(writer->Add("stream/d-2/temp", Sketch(500, 2, 20), &error)) << error;
  EXPECT_TRUE(writer->Add("stream/d-1/temp", Sketch(1000, 1, 20), &error)) << error;
  EXPECT_TRUE(writer->Add("cohort/site=a/temp", Sketch(300, 3, 21), &error)) << error;
  CategoricalSketch category;
  EXPECT_TRUE(category.Add("pump", &error));
  EXPECT_TRUE(writer->Add("column/class", category, &error)) << error;
  BaselineInfo info;
  EXPECT_TRUE(writer->Commit(&info, &error)) << error;
  return info;
}

int64_t Query(const std::string& store, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(store.c_str(), &db);
  sqlite3_stmt* q = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
    value = sqlite3_column_int64(q, 0);
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return value;
}

void Exec(const std::string& store, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(store.c_str(), &db);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(BaselineStoreTest, WritesReadsAndFindsEntries) {
  ScratchDir dir;
  const std::string store = dir.File("fleet.db");
  const BaselineInfo written = WriteBaseline(store, "june");
  EXPECT_EQ(written.entries, 4);
  EXPECT_EQ(written.digest.rfind("sha256:", 0), 0u);

  std::string error;
  std::unique_ptr<BaselineReader> reader = BaselineReader::Open(store, "june", &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->info().name, "june");
  EXPECT_EQ(reader->info().digest, written.digest);
  EXPECT_EQ(reader->info().created_at, "2025-06-01T00:00:00Z");
  EXPECT_EQ(reader->info().window_from_us, 1'000'000);
  EXPECT_EQ(reader->info().params.cohort_field, "site");
  EXPECT_EQ(reader->info().params.sample_size, 128);
  EXPECT_EQ(reader->info().params.sentinels, std::vector<double>{-999.0});
  EXPECT_EQ(reader->Keys("stream/"), (std::vector<std::string>{"stream/d-1/temp", "stream/d-2/temp"}));
  EXPECT_EQ(reader->Keys("cohort/site=a/"), std::vector<std::string>{"cohort/site=a/temp"});
  EXPECT_EQ(reader->Keys("").size(), 4u);
  EXPECT_TRUE(reader->Keys("stream/d-3").empty());

  std::optional<DistributionSketch> found = reader->Find("stream/d-1/temp", &error);
  ASSERT_TRUE(found) << error;
  EXPECT_TRUE(*found == Sketch(1000, 1, 20));
  error.clear();
  EXPECT_FALSE(reader->Find("stream/d-9/temp", &error));
  EXPECT_EQ(error, "");
  EXPECT_FALSE(reader->Find("column/class", &error));
  EXPECT_NE(error.find("is categorical, not numeric"), std::string::npos) << error;
  error.clear();
  std::optional<CategoricalSketch> category = reader->FindCategorical("column/class", &error);
  ASSERT_TRUE(category) << error;
  EXPECT_EQ(category->total(), 1);

  // The telemetry store's own schema is untouched and still opens.
  EXPECT_EQ(Query(store, "PRAGMA user_version"), contracts::kTelemetrySchemaVersion);
  EXPECT_EQ(Query(store, "SELECT value FROM drift_meta WHERE key = 'schema_version'"), kBaselineSchemaVersion);
  EXPECT_TRUE(contracts::TelemetryStore::Open(store, contracts::TelemetryStore::Mode::kReadOnly, &error)) << error;
}

TEST(BaselineStoreTest, DigestDependsOnContentNotOnNameOrOrder) {
  ScratchDir dir;
  const std::string store = dir.File("fleet.db");
  const BaselineInfo a = WriteBaseline(store, "a");
  const BaselineInfo b = WriteBaseline(store, "b");
  EXPECT_EQ(a.digest, b.digest);
  // Another parameter, another digest.
  std::string error;
  BaselineInfo info = Info("c");
  info.params.sentinels = {65535.0};
  std::unique_ptr<BaselineWriter> writer = BaselineWriter::Begin(store, info, false, &error);
  ASSERT_TRUE(writer) << error;
  BaselineInfo c;
  ASSERT_TRUE(writer->Commit(&c, &error)) << error;
  EXPECT_NE(c.digest, a.digest);
  std::vector<BaselineInfo> all;
  ASSERT_TRUE(ListBaselines(store, &all, &error)) << error;
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "a");
  EXPECT_EQ(all[2].entries, 0);
}

TEST(BaselineStoreTest, DuplicateNameIsAnErrorUnlessReplace) {
  ScratchDir dir;
  const std::string store = dir.File("fleet.db");
  WriteBaseline(store, "june");
  std::string error;
  EXPECT_FALSE(BaselineWriter::Begin(store, Info("june"), false, &error));
  EXPECT_EQ(error, store + ": a baseline named 'june' already exists (created 2025-06-01T00:00:00Z); pick another "
                           "--out name or pass --replace");
  // Replace: the old entries go, in the same transaction.
  std::unique_ptr<BaselineWriter> writer = BaselineWriter::Begin(store, Info("june"), true, &error);
  ASSERT_TRUE(writer) << error;
  ASSERT_TRUE(writer->Add("stream/d-7/temp", Sketch(10, 7, 0), &error)) << error;
  ASSERT_TRUE(writer->Commit(nullptr, &error)) << error;
  std::unique_ptr<BaselineReader> reader = BaselineReader::Open(store, "june", &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->Keys(""), std::vector<std::string>{"stream/d-7/temp"});
  EXPECT_EQ(Query(store, "SELECT count(*) FROM drift_baseline_entries"), 1);
}

TEST(BaselineStoreTest, FailedCreateLeavesNothing) {
  ScratchDir dir;
  const std::string store = dir.File("fleet.db");
  WriteBaseline(store, "kept");
  std::string error;
  {
    // Abandoned after some entries (an error, a crash): rolled back.
    std::unique_ptr<BaselineWriter> writer = BaselineWriter::Begin(store, Info("lost"), false, &error);
    ASSERT_TRUE(writer) << error;
    ASSERT_TRUE(writer->Add("stream/d-1/temp", Sketch(100, 1, 0), &error)) << error;
    EXPECT_FALSE(writer->Add("stream/d-1/temp", Sketch(100, 1, 0), &error));
    EXPECT_EQ(error, store + ": baseline 'lost' has two entries 'stream/d-1/temp'");
  }
  {
    // A failed replace keeps the old baseline.
    std::unique_ptr<BaselineWriter> writer = BaselineWriter::Begin(store, Info("kept"), true, &error);
    ASSERT_TRUE(writer) << error;
  }
  std::vector<BaselineInfo> all;
  ASSERT_TRUE(ListBaselines(store, &all, &error)) << error;
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "kept");
  EXPECT_EQ(all[0].entries, 4);
  EXPECT_EQ(Query(store, "SELECT count(*) FROM drift_baseline_entries"), 4);
}

TEST(BaselineStoreTest, UnknownNameListsTheBaselines) {
  ScratchDir dir;
  const std::string store = dir.File("fleet.db");
  std::string error;
  EXPECT_FALSE(BaselineReader::Open(store, "june", &error));
  EXPECT_NE(error.find(store + ": no such store"), std::string::npos) << error;
  ASSERT_TRUE(contracts::TelemetryStore::Open(store, contracts::TelemetryStore::Mode::kReadWrite, &error)) << error;
  EXPECT_FALSE(BaselineReader::Open(store, "june", &error));
  EXPECT_NE(error.find("the store has no baselines"), std::string::npos) << error;
  WriteBaseline(store, "may");
  WriteBaseline(store, "april");
  EXPECT_FALSE(BaselineReader::Open(store, "june", &error));
  EXPECT_EQ(error, store + ": no baseline named 'june'; the store has: april, may");
}

TEST(BaselineStoreTest, RefusesAFileThatIsNotATelemetryStore) {
  ScratchDir dir;
  const std::string other = dir.File("other.db");
  Exec(other, "CREATE TABLE t (x)");
  std::string error;
  EXPECT_FALSE(BaselineWriter::Begin(other, Info("x"), false, &error));
  EXPECT_NE(error.find("not a Stagegate telemetry store"), std::string::npos) << error;
  const std::string text = dir.File("text.db");
  std::ofstream(text) << "not sqlite at all, but long enough to be read as a header by sqlite ..........";
  std::vector<BaselineInfo> all;
  EXPECT_FALSE(ListBaselines(text, &all, &error));
  EXPECT_NE(error.find(text + ": not a readable store"), std::string::npos) << error;
}

TEST(BaselineStoreTest, DigestsAndSizesAreReadWithTheBlobsOrOnRequest) {
  ScratchDir dir;
  const std::string store = dir.File("fleet.db");
  WriteBaseline(store, "june");
  std::string error;
  std::unique_ptr<BaselineReader> reader = BaselineReader::Open(store, "june", &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_TRUE(reader->entries().empty());  // Open reads no entry
  const std::string key = "stream/d-1/temp";
  std::string digest;
  std::optional<DistributionSketch> sketch = reader->Find(key, &error, &digest);
  ASSERT_TRUE(sketch) << error;
  EXPECT_EQ(digest, "sha256:" + common::Sha256Hex(sketch->Serialize()));
  ASSERT_TRUE(reader->ReadEntryDetails(&error)) << error;
  EXPECT_EQ(reader->entries().size(), 4u);
  for (const BaselineEntry& entry : reader->entries()) {
    EXPECT_TRUE(entry.digest.starts_with("sha256:")) << entry.key;
    EXPECT_GT(entry.bytes, 0) << entry.key;
    EXPECT_GT(entry.count, 0) << entry.key;
  }
  const auto numeric = std::find_if(reader->entries().begin(), reader->entries().end(),
                                    [&](const BaselineEntry& e) { return e.key == key; });
  ASSERT_NE(numeric, reader->entries().end());
  EXPECT_EQ(numeric->kind, EntryKind::kNumeric);
  EXPECT_EQ(numeric->digest, digest);
  EXPECT_EQ(numeric->bytes, static_cast<int64_t>(sketch->Serialize().size()));
}

TEST(BaselineStoreTest, CorruptEntriesAreErrors) {
  ScratchDir dir;
  const std::string store = dir.File("fleet.db");
  WriteBaseline(store, "june");
  // Altered bytes: the digest no longer matches.
  Exec(store, "UPDATE drift_baseline_entries SET blob = substr(blob, 1, 40) WHERE key = 'stream/d-1/temp'");
  std::string error;
  std::unique_ptr<BaselineReader> reader = BaselineReader::Open(store, "june", &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_FALSE(reader->Find("stream/d-1/temp", &error));
  EXPECT_EQ(error, store + ": baseline 'june' entry 'stream/d-1/temp' does not match its digest (damaged or "
                           "altered store); re-create the baseline");
  // Altered bytes with a matching digest: the blob's own checks catch it.
  std::string blob = Sketch(500, 2, 20).Serialize();
  blob[60] = static_cast<char>(blob[60] ^ 1);  // the finite count
  std::string hex;
  for (unsigned char c : blob) hex += fmt::format("{:02x}", c);
  Exec(store, fmt::format("UPDATE drift_baseline_entries SET blob = x'{}', digest = 'sha256:{}' "
                          "WHERE key = 'stream/d-2/temp'",
                          hex, common::Sha256Hex(blob)));
  reader = BaselineReader::Open(store, "june", &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_FALSE(reader->Find("stream/d-2/temp", &error));
  EXPECT_EQ(error, store + ": baseline 'june' entry 'stream/d-2/temp': corrupt sketch blob: the counts do not add "
                           "up to the total at byte 96 of " + std::to_string(blob.size()));
  error.clear();
  EXPECT_TRUE(reader->Find("cohort/site=a/temp", &error)) << error;
  // An unknown kind: the entry cannot be read, listing the entries fails.
  Exec(store, "UPDATE drift_baseline_entries SET kind = 'ordinal' WHERE key = 'cohort/site=a/temp'");
  reader = BaselineReader::Open(store, "june", &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_FALSE(reader->Find("cohort/site=a/temp", &error));
  const std::string unknown = store + ": baseline 'june' entry 'cohort/site=a/temp' has unknown kind 'ordinal' "
                                      "(damaged store?)";
  EXPECT_EQ(error, unknown);
  error.clear();
  EXPECT_FALSE(reader->ReadEntryDetails(&error));
  EXPECT_EQ(error, unknown);
  EXPECT_TRUE(reader->entries().empty());
  // A key the baseline does not have is absent, not an error.
  error.clear();
  EXPECT_FALSE(reader->Find("stream/d-9/temp", &error));
  EXPECT_EQ(error, "");
}

TEST(BaselineStoreTest, ReaderIsThreadSafe) {
  ScratchDir dir;
  const std::string store = dir.File("fleet.db");
  WriteBaseline(store, "june");
  std::string error;
  std::unique_ptr<BaselineReader> reader = BaselineReader::Open(store, "june", &error);
  ASSERT_TRUE(reader) << error;
  const std::string expected = Sketch(1000, 1, 20).Digest();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        std::string e;
        std::optional<DistributionSketch> s = reader->Find(i % 2 ? "stream/d-1/temp" : "stream/d-2/temp", &e);
        if (s && (i % 2 == 0 || s->Digest() == expected)) ++good;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), 200);
}

// ---- building from the telemetry store (tests/data/fleet) ------------------------

class FleetBaselineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = dir_.File("fleet.db");
    std::string error;
    std::unique_ptr<contracts::TelemetryStore> store =
        contracts::TelemetryStore::Open(store_, contracts::TelemetryStore::Mode::kReadWrite, &error);
    ASSERT_TRUE(store) << error;
    contracts::IngestOptions options;
    options.time_format = contracts::TimeFormat::kEpochSeconds;
    contracts::IngestReport report;
    ASSERT_TRUE(contracts::IngestInput(store.get(), std::string(STAGEGATE_SOURCE_DIR) + "/tests/data/fleet/telemetry.csv.gz",
                                       options, &report, &error))
        << error;
    ASSERT_EQ(report.write.stored, 15'600);
  }
  StreamBaselineOptions Options(std::string name) const {
    StreamBaselineOptions options;
    options.store_path = store_;
    options.info.name = std::move(name);
    options.info.window_from_us = 1'748'734'200'000'000;  // 2025-05-31T23:30:00Z
    options.info.window_to_us = 1'748'736'000'000'000;    // 2025-06-01T00:00:00Z
    options.info.params.sentinels = {-999.0};
    options.info.params.cohort_field = "site";
    options.cohort_of = [](std::string_view device) -> std::optional<std::string> {
      if (device == "d-3") return "plant-b";
      return "plant-a";
    };
    options.threads = 2;
    return options;
  }
  ScratchDir dir_;
  std::string store_;
};

TEST_F(FleetBaselineTest, BuildsStreamAndCohortEntries) {
  BaselineSummary summary;
  std::string error;
  ASSERT_TRUE(BuildStreamBaseline(Options("june"), &summary, &error)) << error;
  EXPECT_EQ(summary.streams, 9);
  EXPECT_EQ(summary.cohorts, 6);  // 2 sites x 3 sensors
  EXPECT_EQ(summary.values, 15'600);
  std::unique_ptr<BaselineReader> reader = BaselineReader::Open(store_, "june", &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->info().digest, summary.info.digest);
  // d-3's temperature sends the sentinel -999 every 40th sample.
  std::optional<DistributionSketch> d3 = reader->Find("stream/d-3/temperature", &error);
  ASSERT_TRUE(d3) << error;
  EXPECT_EQ(d3->counts().total, 1800);
  EXPECT_EQ(d3->counts().sentinel, 45);
  EXPECT_GT(d3->min(), -100.0);
  // The plant-a cohort merges d-1 and d-2 exactly.
  std::optional<DistributionSketch> d1 = reader->Find("stream/d-1/temperature", &error);
  std::optional<DistributionSketch> d2 = reader->Find("stream/d-2/temperature", &error);
  std::optional<DistributionSketch> cohort = reader->Find("cohort/site=plant-a/temperature", &error);
  ASSERT_TRUE(d1 && d2 && cohort) << error;
  DistributionSketch merged = *d1;
  ASSERT_TRUE(merged.Merge(*d2, &error)) << error;
  EXPECT_TRUE(merged == *cohort);
  EXPECT_EQ(cohort->counts().total, d1->counts().total + d2->counts().total);
  EXPECT_EQ(reader->Keys("cohort/site=plant-b/").size(), 3u);

  // The same inputs give the same digest, whatever the thread count.
  StreamBaselineOptions again = Options("june-again");
  again.threads = 1;
  BaselineSummary second;
  ASSERT_TRUE(BuildStreamBaseline(again, &second, &error)) << error;
  EXPECT_EQ(second.info.digest, summary.info.digest);
}

TEST_F(FleetBaselineTest, SelectsStreams) {
  StreamSelection selection;
  std::string error;
  ASSERT_TRUE(ParseSelectClause("sensor=temperature,vibration", &selection, &error)) << error;
  ASSERT_TRUE(ParseSelectClause("device=d-[12]", &selection, &error)) << error;
  EXPECT_FALSE(ParseSelectClause("zone=x", &selection, &error));
  EXPECT_EQ(error, "--select zone=x: write sensor=NAME[,NAME...] or device=GLOB[,GLOB...]");
  StreamBaselineOptions options = Options("some");
  options.selection = selection;
  options.cohort_of = nullptr;
  BaselineSummary summary;
  ASSERT_TRUE(BuildStreamBaseline(options, &summary, &error)) << error;
  EXPECT_EQ(summary.streams, 4);
  EXPECT_EQ(summary.cohorts, 0);

  StreamBaselineOptions none = Options("none");
  none.selection.sensors = {"humidity"};
  none.info.params.select = "sensor=humidity";
  EXPECT_FALSE(BuildStreamBaseline(none, &summary, &error));
  EXPECT_EQ(error, store_ + ": none of its 9 streams matches --select sensor=humidity; check the sensor names and "
                            "device globs");
  std::vector<BaselineInfo> all;
  ASSERT_TRUE(ListBaselines(store_, &all, &error));
  EXPECT_EQ(all.size(), 1u);
}

TEST_F(FleetBaselineTest, AnEmptyWindowIsAnErrorAndStoresNothing) {
  StreamBaselineOptions options = Options("old");
  options.info.window_from_us = 0;
  options.info.window_to_us = 1'000'000;
  BaselineSummary summary;
  std::string error;
  EXPECT_FALSE(BuildStreamBaseline(options, &summary, &error));
  EXPECT_EQ(error, store_ + ": none of the 9 selected streams has samples in the window "
                            "1970-01-01T00:00:00Z/1970-01-01T00:00:01Z; check --window and --at (a duration window "
                            "ends at --at, which defaults to now)");
  EXPECT_EQ(summary.empty_streams, 9);
  std::vector<BaselineInfo> all;
  ASSERT_TRUE(ListBaselines(store_, &all, &error)) << error;
  EXPECT_TRUE(all.empty());
}

TEST(CsvBaselineTest, BuildsColumnEntries) {
  ScratchDir dir;
  const std::string csv = dir.File("train.csv");
  {
    std::ofstream out(csv);
    out << "temp,class,rpm\n";
    for (int i = 0; i < 5000; ++i) out << (20 + i % 7) << "," << (i % 3 ? "pump" : "fan") << "," << (i % 50 ? std::to_string(i) : "") << "\n";
  }
  CsvBaselineOptions options;
  options.csv_path = csv;
  options.store_path = dir.File("models.db");
  options.info.name = "train-v1";
  options.columns_at_once = 2;
  BaselineSummary summary;
  std::string error;
  ASSERT_TRUE(BuildCsvBaseline(options, &summary, &error)) << error;
  EXPECT_EQ(summary.columns, 3);
  EXPECT_EQ(summary.values, 15'000);
  std::unique_ptr<BaselineReader> reader = BaselineReader::Open(options.store_path, "train-v1", &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->info().source, "csv:" + csv);
  std::optional<DistributionSketch> rpm = reader->Find("column/rpm", &error);
  ASSERT_TRUE(rpm) << error;
  EXPECT_EQ(rpm->counts().nan, 100);
  EXPECT_EQ(rpm->counts().finite, 4900);
  EXPECT_EQ(rpm->ToReference().sorted_values.size(), 4096u);
  std::optional<CategoricalSketch> kind = reader->FindCategorical("column/class", &error);
  ASSERT_TRUE(kind) << error;
  EXPECT_EQ(kind->categories().at("fan"), 1667);

  options.info.name = "subset";
  options.info.params.columns = {"temp", "speed"};
  EXPECT_FALSE(BuildCsvBaseline(options, &summary, &error));
  EXPECT_EQ(error, csv + ": no column 'speed' (--columns); the file has: temp, class, rpm");
}

}  // namespace
}  // namespace stagegate::drift
