// The whole path from raw samples to facts: randomised streams (irregular
// timing, gaps, NaN, sentinels, duplicates, out-of-order arrival) are written
// to a real telemetry store and read back; the series must equal one built
// naively from the raw rows, and so must every metric computed from it. With
// the metrics' own property test (computed == naive reference), facts from
// the store equal facts computed naively over the raw samples.

#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "evaluators/contracts/stream_metrics.h"
#include "evaluators/contracts/telemetry_store.h"

namespace stagegate::contracts {
namespace {

struct Row {
  int64_t ts;
  double value;
};

// The series a store must return for rows arriving in this order: sorted,
// first arrival kept, later ones counted as duplicates, a row flagged late
// when a later timestamp arrived before it.
Series NaiveSeries(const std::vector<Row>& rows, int64_t from, int64_t to) {
  std::map<int64_t, std::tuple<double, bool, uint32_t>> kept;  // ts → value, late, duplicates
  int64_t high = INT64_MIN;
  for (const Row& row : rows) {
    const bool late = row.ts < high;
    high = std::max(high, row.ts);
    auto it = kept.find(row.ts);
    if (it == kept.end()) {
      kept.emplace(row.ts, std::make_tuple(row.value, late, 0u));
    } else {
      ++std::get<2>(it->second);
    }
  }
  Series series;
  for (const auto& [ts, entry] : kept) {
    if (ts < from || ts >= to) continue;
    const auto& [value, late, duplicates] = entry;
    series.timestamps_us.push_back(ts);
    series.values.push_back(value);
    series.flags.push_back(static_cast<uint8_t>((late ? kArrivedOutOfOrder : 0) | (duplicates ? kHadDuplicates : 0)));
    series.duplicates.push_back(duplicates);
  }
  return series;
}

std::vector<Row> RandomRows(std::mt19937_64& random) {
  std::uniform_int_distribution<int> length(1, 6000);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int n = length(random);
  const int decimals = static_cast<int>(random() % 4);
  const double scale = std::pow(10.0, decimals);
  const bool arbitrary = random() % 5 == 0;  // values with full double precision
  std::vector<Row> rows;
  int64_t ts = 1'748'736'000'000'000 + static_cast<int64_t>(random() % 1'000'000);
  double level = unit(random) * 200 - 100;
  for (int i = 0; i < n; ++i) {
    ts += unit(random) < 0.02 ? static_cast<int64_t>(random() % 600'000'000)  // a gap of up to 10 min
                              : 1'000'000 + static_cast<int64_t>(random() % 40'000) - 20'000;
    level += unit(random) - 0.5;
    double value = arbitrary ? level * (1 + unit(random) * 1e-9) : std::round(level * scale) / scale;
    const double pick = unit(random);
    if (pick < 0.01) value = std::nan("");
    else if (pick < 0.015) value = -999.0;
    else if (pick < 0.017) value = std::numeric_limits<double>::infinity();
    rows.push_back({ts, value});
    if (unit(random) < 0.02) rows.push_back({ts, value + 1});  // a duplicate with another value
  }
  // Out-of-order arrival: swap some neighbours.
  for (size_t i = 1; i < rows.size(); ++i) {
    if (unit(random) < 0.03) std::swap(rows[i - 1], rows[i]);
  }
  return rows;
}

bool SameDouble(std::optional<double> a, std::optional<double> b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return std::bit_cast<uint64_t>(*a) == std::bit_cast<uint64_t>(*b) || (std::isnan(*a) && std::isnan(*b));
}

TEST(StoreToFacts, StoredSeriesAndTheirFactsEqualNaiveOnesFromRawRows) {
  std::string folder = (std::filesystem::temp_directory_path() / "stagegate-store-facts-XXXXXX").string();
  ASSERT_NE(mkdtemp(folder.data()), nullptr);
  const std::string path = folder + "/telemetry.db";
  std::string error;
  std::unique_ptr<TelemetryStore> store = TelemetryStore::Open(path, TelemetryStore::Mode::kReadWrite, &error);
  ASSERT_NE(store, nullptr) << error;
  std::mt19937_64 random(20261122);
  constexpr int kStreams = 120;
  std::vector<std::vector<Row>> raw(kStreams);
  ASSERT_TRUE(store->BeginWrite(&error)) << error;
  for (int s = 0; s < kStreams; ++s) {
    raw[s] = RandomRows(random);
    SampleBatch batch;
    for (const Row& row : raw[s]) {
      batch.timestamps_us.push_back(row.ts);
      batch.values.push_back(row.value);
    }
    WriteStats stats;
    ASSERT_TRUE(store->WriteSamples({"d-" + std::to_string(s), "temperature"}, &batch, &stats, &error)) << error;
  }
  ASSERT_TRUE(store->CommitWrite(&error)) << error;

  StreamExpectations expectations;
  expectations.nominal_rate_hz = 1.0;
  expectations.minimum = -50;
  expectations.maximum = 50;
  expectations.sentinels = {-999.0};
  int compared = 0;
  for (int s = 0; s < kStreams; ++s) {
    SCOPED_TRACE("stream " + std::to_string(s));
    const int64_t first = raw[s].front().ts;
    // A window that cuts into the stream, and one holding all of it.
    const Window windows[] = {{first + 120'000'000, first + 1'500'000'000}, {INT64_MIN / 2, INT64_MAX / 2}};
    for (const Window& window : windows) {
      Series stored;
      ASSERT_TRUE(store->ReadSeries({"d-" + std::to_string(s), "temperature"}, window.from_us, window.to_us, &stored,
                                    &error))
          << error;
      const Series naive = NaiveSeries(raw[s], window.from_us, window.to_us);
      ASSERT_EQ(stored.timestamps_us, naive.timestamps_us);
      ASSERT_EQ(stored.flags, naive.flags);
      ASSERT_EQ(stored.duplicates, naive.duplicates);
      ASSERT_EQ(stored.values.size(), naive.values.size());
      for (size_t i = 0; i < naive.values.size(); ++i) {
        ASSERT_TRUE(SameDouble(stored.values[i], naive.values[i])) << "sample " << i;
      }
      const Window bounded = window.from_us < 0 ? Window{first, raw[s].back().ts + 3'600'000'000} : window;
      const int64_t now = bounded.to_us;
      const StreamMetrics a = ComputeStreamMetrics(stored, bounded, expectations, now);
      const StreamMetrics b = ComputeStreamMetrics(naive, bounded, expectations, now);
      for (const StreamFactInfo& fact : StreamFacts()) {
        if (fact.double_member != nullptr) {
          EXPECT_TRUE(SameDouble(a.*(fact.double_member), b.*(fact.double_member))) << fact.name;
        } else {
          EXPECT_EQ(a.*(fact.int_member), b.*(fact.int_member)) << fact.name;
        }
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 1000);
  store.reset();
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace stagegate::contracts
