#include "evaluators/contracts/block_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace stagegate::contracts {
namespace {

struct Columns {
  std::vector<int64_t> ts;
  std::vector<double> values;
  std::vector<uint8_t> flags;
  std::vector<uint32_t> duplicates;
  std::vector<int64_t> received;

  BlockColumns View() const { return {ts, values, flags, duplicates, received}; }
};

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Encodes, decodes and compares every column bit for bit.
void ExpectRoundTrip(const Columns& c, std::string* blob_out = nullptr) {
  std::string blob, error;
  ASSERT_TRUE(EncodeBlock(c.View(), &blob, &error)) << error;
  Series series;
  ASSERT_TRUE(DecodeBlock(blob, &series, &error)) << error;
  ASSERT_EQ(series.size(), c.ts.size());
  for (size_t i = 0; i < c.ts.size(); ++i) {
    ASSERT_EQ(series.timestamps_us[i], c.ts[i]) << "sample " << i;
    ASSERT_TRUE(SameBits(series.values[i], c.values[i]))
        << "sample " << i << ": " << series.values[i] << " != " << c.values[i];
    ASSERT_EQ(series.flags[i], c.flags.empty() ? 0 : c.flags[i]) << "sample " << i;
    ASSERT_EQ(series.duplicates[i], c.duplicates.empty() ? 0u : c.duplicates[i]) << "sample " << i;
  }
  bool any_received = false;
  for (int64_t r : c.received) any_received |= r != kReceiveTimeUnknown;
  if (any_received) {
    ASSERT_EQ(series.received_us, c.received);
  } else {
    ASSERT_TRUE(series.received_us.empty());
  }
  if (blob_out) *blob_out = blob;
}

double RoundTo(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::nearbyint(v * scale) / scale;
}

TEST(BlockCodec, RegularDecimalSeriesIsSmall) {
  Columns c;
  std::mt19937_64 rng(7);
  double temperature = 21.5;
  for (int i = 0; i < 4096; ++i) {
    c.ts.push_back(1'700'000'000'000'000 + int64_t{i} * 1'000'000);
    temperature += (static_cast<double>(rng() % 11) - 5.0) / 100.0;
    c.values.push_back(RoundTo(temperature, 2));
  }
  std::string blob;
  ExpectRoundTrip(c, &blob);
  BlockHeader header;
  std::string error;
  ASSERT_TRUE(ReadBlockHeader(blob, &header, &error)) << error;
  EXPECT_EQ(header.value_coding, ValueCoding::kDecimal);
  EXPECT_EQ(header.decimal_scale, 2);
  // Timestamps cost one bit and deltas within ±5 four bits: well under a byte per sample.
  EXPECT_LT(blob.size(), 4096u);
}

TEST(BlockCodec, SpecialValuesRoundTripBitForBit) {
  Columns c;
  const double specials[] = {std::numeric_limits<double>::quiet_NaN(),
                             -std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             -0.0,
                             0.0,
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::lowest(),
                             -999.0,
                             0.1 + 0.2};
  uint64_t payload_nan_bits = 0x7ff8000000001234;
  double payload_nan;
  std::memcpy(&payload_nan, &payload_nan_bits, 8);
  int64_t t = -5;
  for (double v : specials) {
    c.ts.push_back(t);
    c.values.push_back(v);
    t += 3;
  }
  c.ts.push_back(t);
  c.values.push_back(payload_nan);
  ExpectRoundTrip(c);
  // The same values as rare exceptions among decimals.
  Columns d;
  for (int i = 0; i < 200; ++i) {
    d.ts.push_back(i * 1000);
    d.values.push_back(i % 50 == 7 ? specials[static_cast<size_t>(i / 50)] : RoundTo(i * 0.37, 2));
  }
  ExpectRoundTrip(d);
}

TEST(BlockCodec, SingleSampleAndExtremeTimestamps) {
  ExpectRoundTrip({{42}, {1.5}, {}, {}, {}});
  ExpectRoundTrip({{std::numeric_limits<int64_t>::min() + 1, 0, std::numeric_limits<int64_t>::max()},
                   {1, 2, 3},
                   {},
                   {},
                   {}});
  ExpectRoundTrip({{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}, {-0.0, 1e308}, {}, {}, {}});
}

TEST(BlockCodec, FlagsDuplicatesAndReceiveTimes) {
  Columns c;
  for (int i = 0; i < 1000; ++i) {
    c.ts.push_back(int64_t{i} * 1'000'000);
    c.values.push_back(i);
    c.flags.push_back(i % 97 == 0 ? kArrivedOutOfOrder : (i % 89 == 0 ? kHadDuplicates : 0));
    c.duplicates.push_back(i % 89 == 0 ? 3 : 0);
    c.received.push_back(i % 13 == 0 ? kReceiveTimeUnknown : c.ts.back() + 250'000 + (i % 7) * 1000);
  }
  ExpectRoundTrip(c);
  // Only unknown receive times: the column is omitted.
  for (auto& r : c.received) r = kReceiveTimeUnknown;
  ExpectRoundTrip(c);
}

TEST(BlockCodec, RejectsUnorderedTimestamps) {
  std::string blob, error;
  std::vector<int64_t> ts = {1, 1};
  std::vector<double> values = {1, 2};
  EXPECT_FALSE(EncodeBlock({ts, values, {}, {}, {}}, &blob, &error));
  EXPECT_EQ(error, "block timestamps must strictly increase (sample 1)");
}

TEST(BlockCodec, DamagedBlobsAreErrorsNotCrashes) {
  Columns c;
  for (int i = 0; i < 300; ++i) {
    c.ts.push_back(i * 1000 + (i * 7919) % 13);
    c.values.push_back(i % 3 == 0 ? std::sin(i) : RoundTo(i * 0.1, 1));
    c.received.push_back(c.ts.back() + 5);
  }
  std::string blob, error;
  ASSERT_TRUE(EncodeBlock(c.View(), &blob, &error)) << error;
  std::mt19937_64 rng(3);
  int failures = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string damaged = blob;
    if (round % 3 == 0) {
      damaged.resize(rng() % damaged.size());
    } else {
      for (int k = 0; k < 1 + round % 4; ++k) damaged[rng() % damaged.size()] ^= static_cast<char>(1 << (rng() % 8));
    }
    Series series;
    series.timestamps_us.push_back(-1);
    series.values.push_back(0);
    series.flags.push_back(0);
    series.duplicates.push_back(0);
    if (!DecodeBlock(damaged, &series, &error)) {
      ++failures;
      EXPECT_EQ(series.size(), 1u);  // restored
      EXPECT_EQ(series.values.size(), 1u);
    }
  }
  EXPECT_GT(failures, 0);
}

// Randomised shapes: regular and irregular timing, decimal and arbitrary
// values, specials, huge ranges, short and long blocks.
TEST(BlockCodec, RandomisedRoundTrip) {
  std::mt19937_64 rng(20240611);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  for (int round = 0; round < 400; ++round) {
    Columns c;
    const size_t n = round % 10 == 0 ? 1 + rng() % 3 : 1 + rng() % 5000;
    const int timing = static_cast<int>(rng() % 4);
    const int shape = static_cast<int>(rng() % 6);
    const int decimals = static_cast<int>(rng() % 7);
    int64_t t = static_cast<int64_t>(rng() % 4'000'000'000'000'000) - 1'000'000'000'000'000;
    double level = uniform(-1e4, 1e4);
    for (size_t i = 0; i < n; ++i) {
      c.ts.push_back(t);
      switch (timing) {
        case 0: t += 1'000'000; break;                                           // regular 1 Hz
        case 1: t += 1'000'000 + static_cast<int64_t>(rng() % 2001) - 1000; break;  // jitter ±1 ms
        case 2: t += 1 + static_cast<int64_t>(rng() % 100'000'000'000); break;   // irregular, huge gaps
        default: t += rng() % 5 == 0 ? 60'000'000 : 100'000; break;              // bursts and pauses
      }
      double v = 0;
      switch (shape) {
        case 0: level += uniform(-0.5, 0.5); v = RoundTo(level, decimals); break;
        case 1: v = uniform(-1e300, 1e300); break;
        case 2: v = std::sin(static_cast<double>(i) * 0.01) * 3.7; break;
        case 3: v = RoundTo(level, decimals); break;  // constant
        case 4: {
          const uint64_t bits = rng();
          std::memcpy(&v, &bits, 8);  // any bit pattern, NaNs with payloads included
          break;
        }
        default: {
          const double pick[] = {std::nan(""), -0.0, std::numeric_limits<double>::infinity(), -999.0,
                                 RoundTo(uniform(-100, 100), decimals)};
          v = pick[rng() % 5];
        }
      }
      c.values.push_back(v);
      if (round % 3 == 0) c.flags.push_back(static_cast<uint8_t>(rng() % 20 == 0 ? rng() % 4 : 0));
      if (round % 4 == 0) c.duplicates.push_back(static_cast<uint32_t>(rng() % 30 == 0 ? rng() % 1000 : 0));
      if (round % 5 == 0) {
        c.received.push_back(rng() % 10 == 0 ? kReceiveTimeUnknown
                                             : c.ts.back() + static_cast<int64_t>(rng() % 3'000'000) - 1'000'000);
      }
      if (t < c.ts.back()) break;  // wrapped past the largest timestamp
    }
    c.ts.resize(c.values.size());
    if (!c.flags.empty()) c.flags.resize(c.values.size());
    if (!c.duplicates.empty()) c.duplicates.resize(c.values.size());
    if (!c.received.empty()) c.received.resize(c.values.size());
    SCOPED_TRACE(testing::Message() << "round " << round << " timing " << timing << " shape " << shape);
    ExpectRoundTrip(c);
  }
}

TEST(BlockCodec, DecodeAppendsAndAlignsReceiveTimes) {
  Columns with{{1, 2}, {1, 2}, {}, {}, {11, 12}};
  Columns without{{3, 4}, {3, 4}, {}, {}, {}};
  std::string a, b, error;
  ASSERT_TRUE(EncodeBlock(without.View(), &a, &error));
  ASSERT_TRUE(EncodeBlock(with.View(), &b, &error));
  Series series;
  ASSERT_TRUE(DecodeBlock(a, &series, &error));
  ASSERT_TRUE(DecodeBlock(b, &series, &error));
  ASSERT_TRUE(DecodeBlock(a, &series, &error));
  EXPECT_EQ(series.timestamps_us, (std::vector<int64_t>{3, 4, 1, 2, 3, 4}));
  EXPECT_EQ(series.received_us, (std::vector<int64_t>{kReceiveTimeUnknown, kReceiveTimeUnknown, 11, 12,
                                                      kReceiveTimeUnknown, kReceiveTimeUnknown}));
}

TEST(BlockCodec, ValueColumnsRoundTripBitForBitAndRejectDamage) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> decimals;
  for (int i = 0; i < 1000; ++i) decimals.push_back(20.0 + (i % 37) * 0.25);
  std::vector<double> irrational;
  for (int i = 0; i < 300; ++i) irrational.push_back(std::sqrt(2.0 + i));
  const std::vector<double> special = {-0.0, nan, 1e300, -std::numeric_limits<double>::infinity(), 5e-324};
  for (const std::vector<double>* values : std::vector<const std::vector<double>*>{&decimals, &irrational, &special}) {
    std::string column = "prefix";
    AppendValueColumn(*values, &column);
    const std::string_view appended = std::string_view(column).substr(6);
    std::vector<double> back(values->size());
    ASSERT_TRUE(DecodeValueColumn(appended, back.size(), back.data()));
    EXPECT_EQ(std::memcmp(back.data(), values->data(), 8 * back.size()), 0);
    // Every truncation and a wrong coding byte are false, never a crash.
    for (size_t n = 0; n < appended.size(); ++n) {
      std::vector<double> out(values->size());
      EXPECT_FALSE(DecodeValueColumn(appended.substr(0, n), out.size(), out.data())) << n;
    }
    std::string wrong(appended);
    wrong[0] = 7;
    EXPECT_FALSE(DecodeValueColumn(wrong, back.size(), back.data()));
  }
  // Sorted readings of two decimals take under a byte each.
  std::vector<double> ascending = decimals;
  std::sort(ascending.begin(), ascending.end());
  std::string sorted;
  AppendValueColumn(ascending, &sorted);
  EXPECT_LT(sorted.size(), decimals.size());
  std::string empty;
  AppendValueColumn({}, &empty);
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(DecodeValueColumn("", 0, nullptr));
  EXPECT_FALSE(DecodeValueColumn("x", 0, nullptr));
}

}  // namespace
}  // namespace stagegate::contracts
