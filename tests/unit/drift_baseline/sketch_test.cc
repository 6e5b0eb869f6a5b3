#include "evaluators/drift/sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace stagegate::drift {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A stream-like series: timestamps one second apart, normal values with a
// few NaN, ±inf and sentinels.
struct TestSeries {
  std::vector<std::int64_t> ts;
  std::vector<double> values;
};

TestSeries MakeSeries(int n, std::uint64_t seed, double mean = 20.0, double sd = 3.0) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> normal(mean, sd);
  TestSeries s;
  for (int i = 0; i < n; ++i) {
    s.ts.push_back(1'748'736'000'000'000 + std::int64_t{i} * 1'000'000);
    double v = normal(random);
    if (i % 101 == 5) v = kNaN;
    if (i % 997 == 7) v = kInf;
    if (i % 991 == 8) v = -kInf;
    if (i % 113 == 9) v = -999.0;
    s.values.push_back(v);
  }
  return s;
}

SketchOptions Options(std::int64_t k = 256) {
  SketchOptions o;
  o.sample_size = k;
  o.seed = 7;
  o.sentinels = {-999.0};
  return o;
}

TEST(DistributionSketchTest, CountsMissingValuesApart) {
  DistributionSketch sketch(Options());
  sketch.AddAll(std::vector<double>{1.0, kNaN, kInf, -kInf, -999.0, 2.0, 0.0});
  const ValueCounts& c = sketch.counts();
  EXPECT_EQ(c.total, 7);
  EXPECT_EQ(c.finite, 3);
  EXPECT_EQ(c.nan, 1);
  EXPECT_EQ(c.positive_infinity, 1);
  EXPECT_EQ(c.negative_infinity, 1);
  EXPECT_EQ(c.sentinel, 1);
  EXPECT_EQ(sketch.zero_count(), 1);
  EXPECT_DOUBLE_EQ(sketch.mean(), 1.0);
  EXPECT_DOUBLE_EQ(sketch.variance(), 2.0 / 3.0);
  EXPECT_EQ(sketch.min(), 0.0);
  EXPECT_EQ(sketch.max(), 2.0);
  EXPECT_EQ(sketch.SortedSampleValues(), (std::vector<double>{0.0, 1.0, 2.0}));
}

TEST(DistributionSketchTest, MergeEqualsSketchOfTheUnion) {
  // Three streams; the union sketched at once against the merge of their
  // sketches, in two different orders.
  const TestSeries a = MakeSeries(5000, 1), b = MakeSeries(3000, 2, -5.0, 10.0), c = MakeSeries(700, 3, 1e-3, 1e-3);
  const std::uint64_t ha = StreamHash("d-1/temp"), hb = StreamHash("d-2/temp"), hc = StreamHash("d-3/temp");
  DistributionSketch whole(Options()), sa(Options()), sb(Options()), sc(Options());
  whole.AddSeries(ha, a.ts, a.values);
  whole.AddSeries(hb, b.ts, b.values);
  whole.AddSeries(hc, c.ts, c.values);
  sa.AddSeries(ha, a.ts, a.values);
  sb.AddSeries(hb, b.ts, b.values);
  sc.AddSeries(hc, c.ts, c.values);

  std::string error;
  DistributionSketch left = sa;  // (a + b) + c
  ASSERT_TRUE(left.Merge(sb, &error)) << error;
  ASSERT_TRUE(left.Merge(sc, &error)) << error;
  DistributionSketch right = sc;  // c + (b + a)
  DistributionSketch ba = sb;
  ASSERT_TRUE(ba.Merge(sa, &error)) << error;
  ASSERT_TRUE(right.Merge(ba, &error)) << error;

  for (const DistributionSketch* merged : {&left, &right}) {
    const ValueCounts &m = merged->counts(), &w = whole.counts();
    EXPECT_EQ(m.total, w.total);
    EXPECT_EQ(m.finite, w.finite);
    EXPECT_EQ(m.nan, w.nan);
    EXPECT_EQ(m.positive_infinity, w.positive_infinity);
    EXPECT_EQ(m.negative_infinity, w.negative_infinity);
    EXPECT_EQ(m.sentinel, w.sentinel);
    EXPECT_EQ(merged->PositiveBuckets(), whole.PositiveBuckets());
    EXPECT_EQ(merged->NegativeBuckets(), whole.NegativeBuckets());
    EXPECT_EQ(merged->zero_count(), whole.zero_count());
    EXPECT_EQ(merged->min(), whole.min());
    EXPECT_EQ(merged->max(), whole.max());
    // Moments: Welford and Chan's formula round differently; equal to 1e-12.
    EXPECT_NEAR(merged->mean(), whole.mean(), 1e-12 * std::fabs(whole.mean()));
    EXPECT_NEAR(merged->m2(), whole.m2(), 1e-12 * whole.m2());
    // The sample is exactly the union's: same priorities, same values.
    const auto ms = merged->Sample(), ws = whole.Sample();
    ASSERT_EQ(ms.size(), 256u);
    ASSERT_EQ(ms.size(), ws.size());
    for (size_t i = 0; i < ms.size(); ++i) {
      EXPECT_EQ(ms[i].priority, ws[i].priority) << i;
      EXPECT_EQ(ms[i].value, ws[i].value) << i;
    }
    EXPECT_EQ(merged->Quantile(0.5), whole.Quantile(0.5));
  }
  // The merge order does not change the bytes, except through the moments.
  EXPECT_EQ(left.SortedSampleValues(), right.SortedSampleValues());
}

TEST(DistributionSketchTest, MergeWithItselfDoublesTheCounts) {
  DistributionSketch sketch(Options(16));
  for (int i = 0; i < 100; ++i) sketch.Add(i, static_cast<std::uint64_t>(i));
  std::string error;
  ASSERT_TRUE(sketch.Merge(sketch, &error)) << error;
  EXPECT_EQ(sketch.counts().total, 200);
  EXPECT_EQ(sketch.Sample().size(), 16u);
  EXPECT_DOUBLE_EQ(sketch.mean(), 49.5);
}

TEST(DistributionSketchTest, MergeRefusesDifferentOptions) {
  DistributionSketch a(Options(256)), b(Options(512));
  std::string error;
  EXPECT_FALSE(a.Merge(b, &error));
  EXPECT_NE(error.find("different options"), std::string::npos) << error;
}

TEST(DistributionSketchTest, SampleIsExactWhenAtMostK) {
  const TestSeries s = MakeSeries(4096 + 60, 11);
  DistributionSketch sketch(Options(4096));
  sketch.AddSeries(StreamHash("d/s"), s.ts, s.values);
  ASSERT_LE(sketch.counts().finite, 4096);
  std::vector<double> finite;
  for (double v : s.values) {
    if (std::isfinite(v) && v != -999.0) finite.push_back(v);
  }
  std::sort(finite.begin(), finite.end());
  EXPECT_EQ(sketch.SortedSampleValues(), finite);
  const ReferenceDistribution reference = sketch.ToReference();
  EXPECT_FALSE(reference.sampled());
  EXPECT_EQ(reference.population_size, static_cast<std::int64_t>(finite.size()));
}

TEST(DistributionSketchTest, SampleIsUniformWithinTheDkwBound) {
  // 200,000 values 0..199,999 in time order; a uniform 4,096-sample's CDF
  // must stay within the DKW bound of the population's (the sample is
  // deterministic, so this cannot flake).
  const int n = 200'000;
  DistributionSketch sketch(SketchOptions{4096, 3, {}});
  const std::uint64_t h = StreamHash("d-9/pressure");
  for (int i = 0; i < n; ++i) sketch.Add(static_cast<double>(i), StreamPositionKey(h, std::int64_t{i} * 1'000'000));
  const std::vector<double> sample = sketch.SortedSampleValues();
  ASSERT_EQ(sample.size(), 4096u);
  double d = 0;
  for (size_t i = 0; i < sample.size(); ++i) {
    const double population_cdf = (sample[i] + 1) / n;
    d = std::max({d, std::fabs(population_cdf - static_cast<double>(i + 1) / 4096),
                  std::fabs(population_cdf - static_cast<double>(i) / 4096)});
  }
  EXPECT_LT(d, SampleCdfErrorBound(4096));
  EXPECT_NEAR(SampleCdfErrorBound(4096), 0.021220, 1e-6);
  const ReferenceDistribution reference = sketch.ToReference();
  EXPECT_TRUE(reference.sampled());
  EXPECT_EQ(reference.population_size, n);
}

TEST(DistributionSketchTest, QuantilesWithinRelativeAccuracy) {
  std::mt19937_64 random(5);
  std::lognormal_distribution<double> lognormal(0.0, 2.0);
  std::vector<double> values;
  for (int i = 0; i < 100'000; ++i) {
    double v = lognormal(random);
    if (i % 3 == 0) v = -v;  // both signs
    if (i % 1000 == 0) v = 0.0;
    values.push_back(v);
  }
  DistributionSketch sketch;
  sketch.AddAll(values);
  std::sort(values.begin(), values.end());
  for (double q : {0.0, 0.001, 0.01, 0.1, 0.25, 0.3333, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0}) {
    const double exact = values[static_cast<size_t>(std::floor(q * (values.size() - 1)))];
    const double estimate = sketch.Quantile(q);
    EXPECT_LE(std::fabs(estimate - exact), kSketchRelativeAccuracy * (1 + 1e-9) * std::fabs(exact))
        << "q=" << q << " exact " << exact << " estimate " << estimate;
  }
  EXPECT_TRUE(std::isnan(DistributionSketch().Quantile(0.5)));
}

TEST(DistributionSketchTest, SerialisationRoundTrips) {
  const TestSeries s = MakeSeries(10'000, 21, 0.0, 50.0);
  DistributionSketch sketch(Options(1000));
  sketch.AddSeries(StreamHash("d/x"), s.ts, s.values);
  const std::string blob = sketch.Serialize();
  std::string error;
  std::optional<DistributionSketch> back = DistributionSketch::Deserialize(blob, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_TRUE(*back == sketch);
  EXPECT_EQ(back->Serialize(), blob);
  EXPECT_EQ(back->Digest(), sketch.Digest());
  EXPECT_EQ(sketch.Digest().size(), 7u + 64u);
  EXPECT_EQ(sketch.Digest().rfind("sha256:", 0), 0u);
  EXPECT_EQ(sketch.ToReference().digest, sketch.Digest());
  // A deserialised sketch keeps merging and adding.
  ASSERT_TRUE(back->Merge(sketch, &error)) << error;
  back->Add(1.0, 12345);
  EXPECT_EQ(back->counts().total, 2 * sketch.counts().total + 1);

  // The empty sketch too.
  DistributionSketch empty(Options());
  std::optional<DistributionSketch> empty_back = DistributionSketch::Deserialize(empty.Serialize(), &error);
  ASSERT_TRUE(empty_back) << error;
  EXPECT_TRUE(*empty_back == empty);
  EXPECT_TRUE(std::isnan(empty_back->min()));
}

TEST(DistributionSketchTest, LayoutStartsWithMagicAndVersion) {
  const std::string blob = DistributionSketch().Serialize();
  ASSERT_GE(blob.size(), 8u);
  EXPECT_EQ(blob.substr(0, 4), "SGSK");
  EXPECT_EQ(blob[4], 2);  // version 2, little-endian
  EXPECT_EQ(blob[5], 0);
  EXPECT_EQ(blob[6], 1);  // numeric
}

// Checks that every truncation of `blob` is an error, and returns how many
// of its single-byte changes (each byte XOR each mask) are rejected; a change
// either fails or still reads as a consistent sketch, and never crashes.
int CountRejectedCorruptions(const std::string& blob, std::initializer_list<char> masks) {
  std::string error;
  for (size_t n = 0; n < blob.size(); ++n) {
    error.clear();
    EXPECT_FALSE(DistributionSketch::Deserialize(blob.substr(0, n), &error)) << n;
    EXPECT_FALSE(error.empty()) << n;
  }
  int rejected = 0;
  for (size_t i = 0; i < blob.size(); ++i) {
    for (const char mask : masks) {
      std::string changed = blob;
      changed[i] = static_cast<char>(changed[i] ^ mask);
      error.clear();
      if (!DistributionSketch::Deserialize(changed, &error)) {
        ++rejected;
        EXPECT_NE(error.find("corrupt sketch blob"), std::string::npos) << error;
      }
    }
  }
  return rejected;
}

TEST(DistributionSketchTest, CorruptBlobsAreErrorsNotCrashes) {
  const TestSeries s = MakeSeries(300, 4);
  DistributionSketch sketch(Options(64));
  sketch.AddSeries(StreamHash("d/y"), s.ts, s.values);
  const std::string blob = sketch.Serialize();
  std::string error;
  const int rejected = CountRejectedCorruptions(blob, {'\x5a'});
  // The 64 prioritised sample items are most of the blob, and a changed
  // priority byte often keeps their order.
  EXPECT_GT(rejected, static_cast<int>(blob.size() / 4));
  // Precise messages.
  EXPECT_FALSE(DistributionSketch::Deserialize("XXXX", &error));
  EXPECT_EQ(error, "corrupt sketch blob: not a Stagegate sketch (no 'SGSK' magic) at byte 4 of 4");
  std::string newer = blob;
  newer[4] = 3;
  EXPECT_FALSE(DistributionSketch::Deserialize(newer, &error));
  EXPECT_EQ(error, "corrupt sketch blob: format version 3 (this build reads 1 to 2) at byte 6 of " +
                       std::to_string(blob.size()));
  EXPECT_FALSE(DistributionSketch::Deserialize(blob + "x", &error));
  EXPECT_NE(error.find("1 bytes after the end"), std::string::npos) << error;
  // A categorical blob is not a numeric one.
  EXPECT_FALSE(DistributionSketch::Deserialize(CategoricalSketch().Serialize(), &error));
  EXPECT_NE(error.find("kind 2 where 1 was expected"), std::string::npos) << error;
}

// The format-1 layout (docs/formats/baseline.md), written from the public
// accessors, as stores made by earlier builds hold it.
std::string SerializeFormat1(const DistributionSketch& sketch) {
  std::string out = "SGSK";
  auto put = [&](std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto put_f64 = [&](double v) { put(std::bit_cast<std::uint64_t>(v), 8); };
  put(1, 2);
  put(1, 1);
  put(0, 1);
  put_f64(kSketchRelativeAccuracy);
  put_f64(kSketchMinIndexable);
  put(sketch.options().seed, 8);
  put(static_cast<std::uint64_t>(sketch.options().sample_size), 4);
  put(sketch.options().sentinels.size(), 4);
  for (double s : sketch.options().sentinels) put_f64(s);
  const ValueCounts& c = sketch.counts();
  for (std::int64_t n : {c.total, c.finite, c.nan, c.positive_infinity, c.negative_infinity, c.sentinel}) put(n, 8);
  put_f64(sketch.mean());
  put_f64(sketch.m2());
  put_f64(sketch.min());
  put_f64(sketch.max());
  put(static_cast<std::uint64_t>(sketch.zero_count()), 8);
  for (const auto& buckets : {sketch.PositiveBuckets(), sketch.NegativeBuckets()}) {
    put(buckets.size(), 4);
    for (const auto& [index, count] : buckets) {
      put(static_cast<std::uint32_t>(index), 4);
      put(static_cast<std::uint64_t>(count), 8);
    }
  }
  const auto sample = sketch.Sample();
  put(sample.size(), 4);
  for (const auto& item : sample) {
    put(item.priority, 8);
    put_f64(item.value);
  }
  return out;
}

TEST(DistributionSketchTest, CompleteSampleIsStoredWithoutPrioritiesAndCompactly) {
  // A day of one stream at one-minute resolution, two decimals, as the
  // fleet's sensors report: every value fits the default K.
  std::mt19937_64 random(17);
  std::normal_distribution<double> normal(61.5, 4.0);
  std::vector<std::int64_t> ts;
  std::vector<double> values;
  for (int i = 0; i < 1440; ++i) {
    ts.push_back(1'748'736'000'000'000 + std::int64_t{i} * 60'000'000);
    values.push_back(std::round(normal(random) * 100) / 100);
  }
  DistributionSketch sketch(SketchOptions{kDefaultSketchSampleSize, 3, {}});
  sketch.AddSeries(StreamHash("pump-7/temp"), ts, values);
  const std::string blob = sketch.Serialize();
  // Format 1 kept 16 bytes per value and 12 per bucket: about 25 KB here.
  const std::string format1 = SerializeFormat1(sketch);
  EXPECT_GT(format1.size(), 23'000u);
  EXPECT_LT(blob.size(), format1.size() / 8) << blob.size();

  std::string error;
  std::optional<DistributionSketch> back = DistributionSketch::Deserialize(blob, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_FALSE(back->priorities_known());
  EXPECT_TRUE(*back == sketch);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(back->SortedSampleValues(), sorted);
  EXPECT_EQ(back->Serialize(), blob);
  EXPECT_EQ(back->ToReference().digest, sketch.Digest());
  EXPECT_EQ(back->ToReference().sorted_values, sketch.ToReference().sorted_values);

  // Merging needs priorities once the union passes K.
  DistributionSketch small(SketchOptions{kDefaultSketchSampleSize, 3, {}});
  small.AddSeries(StreamHash("pump-8/temp"), std::span(ts).first(100), std::span(values).first(100));
  DistributionSketch within = *back;
  ASSERT_TRUE(within.Merge(small, &error)) << error;
  EXPECT_EQ(within.counts().finite, 1540);
  EXPECT_EQ(within.SortedSampleValues().size(), 1540u);
  DistributionSketch past = *back;
  DistributionSketch large = past;
  ASSERT_TRUE(large.Merge(*back, &error)) << error;  // 2,880 values: still within K
  EXPECT_FALSE(past.Merge(large, &error));           // 4,320 values: past K
  EXPECT_NE(error.find("without their sample priorities"), std::string::npos) << error;
}

TEST(DistributionSketchTest, CorruptCompactSamplesAreErrorsNotCrashes) {
  const TestSeries s = MakeSeries(300, 4);
  DistributionSketch sketch(Options(4096));
  sketch.AddSeries(StreamHash("d/y"), s.ts, s.values);
  const std::string blob = sketch.Serialize();
  EXPECT_GT(CountRejectedCorruptions(blob, {'\x5a', '\x01', '\x80'}), static_cast<int>(blob.size()));
}

TEST(DistributionSketchTest, ReadsFormat1Blobs) {
  // Stores written by earlier builds keep their baselines readable.
  for (const std::int64_t k : {4096, 64}) {  // a complete and a bounded sample
    const TestSeries s = MakeSeries(1000, 9);
    DistributionSketch sketch(Options(k));
    sketch.AddSeries(StreamHash("d/z"), s.ts, s.values);
    std::string error;
    std::optional<DistributionSketch> back = DistributionSketch::Deserialize(SerializeFormat1(sketch), &error);
    ASSERT_TRUE(back) << error;
    EXPECT_TRUE(back->priorities_known());
    EXPECT_TRUE(*back == sketch);
    EXPECT_EQ(back->Serialize(), sketch.Serialize());
  }
}

TEST(CategoricalSketchTest, CountsRoundTripsAndCaps) {
  CategoricalSketch sketch;
  std::string error;
  for (const char* v : {"pump", "fan", "pump", "", "valve"}) ASSERT_TRUE(sketch.Add(v, &error)) << error;
  EXPECT_EQ(sketch.total(), 5);
  EXPECT_EQ(sketch.missing(), 1);
  EXPECT_EQ(sketch.categories().at("pump"), 2);
  std::optional<CategoricalSketch> back = CategoricalSketch::Deserialize(sketch.Serialize(), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_TRUE(*back == sketch);
  const std::string blob = sketch.Serialize();
  for (size_t n = 0; n < blob.size(); ++n) EXPECT_FALSE(CategoricalSketch::Deserialize(blob.substr(0, n), &error));

  CategoricalSketch many;
  for (size_t i = 0; i < kMaxSketchCategories; ++i) ASSERT_TRUE(many.Add(std::to_string(i), &error)) << error;
  EXPECT_TRUE(many.Add("7", &error));  // a known category is fine
  EXPECT_FALSE(many.Add("one too many", &error));
  EXPECT_NE(error.find("more than 10000 distinct values"), std::string::npos) << error;
  EXPECT_EQ(many.total(), static_cast<std::int64_t>(kMaxSketchCategories) + 1);
  CategoricalSketch other;
  ASSERT_TRUE(other.Add("new", &error));
  EXPECT_FALSE(many.Merge(other, &error));
}

TEST(DistributionSketchTest, CheckOptionsNamesTheProblem) {
  EXPECT_EQ(DistributionSketch::CheckOptions({}), "");
  EXPECT_EQ(DistributionSketch::CheckOptions({0, 0, {}}), "the sample size must be between 1 and 16777216, not 0");
  EXPECT_EQ(DistributionSketch::CheckOptions({10, 0, {kNaN}}), "a sentinel must be a finite number, not nan");
}

}  // namespace
}  // namespace stagegate::drift
