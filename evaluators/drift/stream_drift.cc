#include "evaluators/drift/stream_drift.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "evaluators/drift/baseline_store.h"
#include "evaluators/drift/cohort.h"
#include "evaluators/drift/column_drift.h"
#include "evaluators/drift/multiple_testing.h"
#include "evaluators/drift/online_detectors.h"
#include "evaluators/drift/two_sample.h"

namespace stagegate::drift {
namespace {

using facts::FactDef;
using facts::FactOrigin;
using facts::SubjectKind;
using subjects::ComputedFact;

// The prefix every stream drift fact lives under.
constexpr std::string_view kPrefix = "drift";

std::string Rfc3339(int64_t micros) {
  const int64_t seconds = micros >= 0 ? micros / 1'000'000 : -((-micros + 999'999) / 1'000'000);
  const int64_t fraction = micros - seconds * 1'000'000;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return fraction == 0 ? fmt::format("{}Z", buffer) : fmt::format("{}.{:06d}Z", buffer, fraction);
}

// Null for NaN and ±inf, which CEL facts cannot carry: the fact is then missing.
nlohmann::json Number(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

// Returns `reference` with the values equal to a sentinel moved from its
// finite values to its sentinel count. A baseline records the sentinels given
// to `baseline create`; the data contract may declare more, and both samples
// must treat the same values as missing. When the reference is a sample, the
// population's count is scaled by the sample's share of it.
ReferenceDistribution WithoutSentinels(ReferenceDistribution reference, std::span<const double> sentinels) {
  if (sentinels.empty()) return reference;
  const size_t before = reference.sorted_values.size();
  std::erase_if(reference.sorted_values,
                [&](double v) { return std::find(sentinels.begin(), sentinels.end(), v) != sentinels.end(); });
  const size_t removed = before - reference.sorted_values.size();
  if (removed == 0) return reference;
  const double scale = before == 0 ? 1.0 : static_cast<double>(reference.population_size) / static_cast<double>(before);
  const auto moved = std::min<std::int64_t>(reference.counts.finite, std::llround(static_cast<double>(removed) * scale));
  reference.counts.finite -= moved;
  reference.counts.sentinel += moved;
  reference.population_size = std::max<std::int64_t>(reference.population_size - moved,
                                                     static_cast<std::int64_t>(reference.sorted_values.size()));
  return reference;
}

// What one stream's drift facts are made of, computed once.
struct StreamResult {
  std::string error;               // reading the store or the baseline failed
  bool in_baseline = false;        // the baseline has an entry for the stream
  bool enough_samples = false;     // at least min_samples finite current values
  std::int64_t current_finite = 0;
  DriftResult drift;
};

// The online detectors' runs over a stream's window, computed only when an
// online fact is read (they cost more per sample than the comparison).
struct OnlineRun {
  std::string error;
  OnlineResult page_hinkley, adwin;
};

// The KS p-value of a stream whose comparison another test decided: its
// exact form is O(n1 n2), so it waits until a rule reads it.
struct KsPValueRun {
  std::string error;
  double p_value = std::numeric_limits<double>::quiet_NaN();
};

// One cohort (field value × sensor) compared with its baseline entry.
struct CohortResult {
  std::string name;         // "site=plant-a"
  std::string error;
  bool evaluable = false;   // in the baseline, with at least min_samples current values
  std::int64_t streams = 0;
  DriftResult drift;
  double p_value = std::numeric_limits<double>::quiet_NaN();  // the test's p-value, or KS's for distances
  double adjusted_p_value = std::numeric_limits<double>::quiet_NaN();
  bool drifted = false;
};

struct SensorShare {
  std::int64_t streams = 0;  // evaluable streams of the sensor
  std::int64_t drifted = 0;
};

class DriftState {
 public:
  DriftState(std::shared_ptr<const contracts::Fleet> fleet, policy::DriftSettings settings,
             std::unique_ptr<BaselineReader> baseline)
      : fleet_(std::move(fleet)), settings_(std::move(settings)), baseline_(std::move(baseline)) {
    options_.test = ParseDriftTest(settings_.test).value_or(DriftTest::kAuto);
    options_.threshold = settings_.threshold;
    options_.ks_p_value = false;  // computed on demand: KsPValue
    options_.exact_p_value_band = 10;  // exact KS p-values only where the verdict could depend on them
    for (const subjects::Subject* stream : fleet_->Streams()) {
      streams_.emplace(stream->id, std::make_unique<Entry>());
      order_.push_back(stream);
    }
  }

  const policy::DriftSettings& settings() const { return settings_; }
  const BaselineInfo& baseline_info() const { return baseline_->info(); }
  const std::string& cohort_field() const { return baseline_->info().params.cohort_field; }

  // The stream's result, computed on first use; null for a stream not from the store.
  const StreamResult* Stream(const subjects::Subject& stream) const {
    auto it = streams_.find(stream.id);
    if (it == streams_.end()) return nullptr;
    Entry& entry = *it->second;
    std::call_once(entry.once, [&] { entry.result = ComputeStream(stream); });
    return &entry.result;
  }

  // The stream's online detector runs, computed on first use; null for a
  // stream not from the store.
  const OnlineRun* Online(const subjects::Subject& stream) const {
    auto it = streams_.find(stream.id);
    if (it == streams_.end()) return nullptr;
    Entry& entry = *it->second;
    std::call_once(entry.online_once, [&] {
      auto run = std::make_unique<OnlineRun>();
      if (std::shared_ptr<const contracts::Series> series = fleet_->SeriesOf(stream, &run->error)) {
        run->page_hinkley = RunPageHinkley(series->timestamps_us, series->values);
        run->adwin = RunAdwin(series->timestamps_us, series->values);
      }
      entry.online = std::move(run);
    });
    return entry.online.get();
  }

  // The stream's two-sided KS p-value (exact or kstwo, as SciPy's 'auto'),
  // computed on first use when the deciding test was not KS.
  const KsPValueRun* KsPValue(const subjects::Subject& stream, const StreamResult& result) const {
    auto it = streams_.find(stream.id);
    if (it == streams_.end()) return nullptr;
    Entry& entry = *it->second;
    std::call_once(entry.ks_once, [&] {
      entry.ks = std::make_unique<KsPValueRun>();
      if (!std::isnan(result.drift.ks_p_value)) {
        entry.ks->p_value = result.drift.ks_p_value;
        return;
      }
      std::shared_ptr<const contracts::Series> series = fleet_->SeriesOf(stream, &entry.ks->error);
      if (!series) return;
      const std::string device = stream.document.value("device", "");
      const std::string sensor = stream.document.value("sensor", "");
      const std::string key = StreamEntryKey(device, sensor);
      std::string digest;
      std::optional<DistributionSketch> sketch = baseline_->Find(key, &entry.ks->error, &digest);
      if (!sketch) return;
      const std::vector<double> sentinels = ContractSentinels(stream);
      std::vector<double> finite;
      SplitFinite(series->values, sentinels, &finite);
      std::sort(finite.begin(), finite.end());
      const ReferenceDistribution reference = WithoutSentinels(sketch->ToReference(digest), sentinels);
      entry.ks->p_value = KolmogorovSmirnovSorted(reference.sorted_values, finite).p_value;
    });
    return entry.ks.get();
  }

  // Reference and current values of the stream on the same bins, for charts:
  // twenty equal-width bins over the 0.5th..99.5th percentiles of both
  // samples (values beyond fall in the end bins), each holding its share of
  // the finite values. Computed on each call (reports read a few streams).
  ComputedFact Histogram(const subjects::Subject& stream) const {
    std::string error;
    std::shared_ptr<const contracts::Series> series = fleet_->SeriesOf(stream, &error);
    if (!series) return ComputedFact::Error(error);
    const std::string key = StreamEntryKey(stream.document.value("device", ""), stream.document.value("sensor", ""));
    std::string digest;
    std::optional<DistributionSketch> sketch = baseline_->Find(key, &error, &digest);
    if (!error.empty()) return ComputedFact::Error(error);
    if (!sketch) return ComputedFact::Missing();
    const std::vector<double> sentinels = ContractSentinels(stream);
    const ReferenceDistribution reference = WithoutSentinels(sketch->ToReference(digest), sentinels);
    std::vector<double> current;
    SplitFinite(series->values, sentinels, &current);
    const std::vector<double>& ref = reference.sorted_values;
    if (ref.empty() || current.empty()) return ComputedFact::Missing();
    std::sort(current.begin(), current.end());
    const auto percentile = [](const std::vector<double>& sorted, double q) {
      return sorted[static_cast<size_t>(q * static_cast<double>(sorted.size() - 1))];
    };
    // Outliers beyond the 0.5th..99.5th percentiles of either sample fall in the end bins.
    const double low = std::min(percentile(ref, 0.005), percentile(current, 0.005));
    const double high = std::max(percentile(ref, 0.995), percentile(current, 0.995));
    constexpr int kBins = 20;
    const double width = high > low ? (high - low) / kBins : 1.0;
    const auto shares = [&](const std::vector<double>& values) {
      std::vector<double> counts(kBins, 0.0);
      for (double v : values) {
        const int bin = static_cast<int>((v - low) / width);
        counts[static_cast<size_t>(std::clamp(bin, 0, kBins - 1))] += 1.0;
      }
      for (double& c : counts) c /= static_cast<double>(values.size());
      return counts;
    };
    nlohmann::json edges = nlohmann::json::array();
    for (int i = 0; i <= kBins; ++i) edges.push_back(low + width * i);
    return ComputedFact::Of(nlohmann::json{{"edges", edges}, {"reference", shares(ref)}, {"current", shares(current)}});
  }

  // The stream's cohort result; null when its device is in no cohort or the
  // baseline has no cohorts (`why` says which).
  const CohortResult* Cohort(const subjects::Subject& stream, std::string* why) const {
    std::call_once(cohorts_once_, [&] { ComputeCohorts(); });
    if (!cohorts_error_.empty()) {
      *why = cohorts_error_;
      return nullptr;
    }
    auto it = stream_cohort_.find(stream.id);
    if (it == stream_cohort_.end()) return nullptr;
    return &cohorts_.at(it->second);
  }

  // The drift share of a sensor across the fleet: every stream of the
  // sensor is compared (in parallel) the first time any share is read.
  SensorShare Share(std::string_view sensor, std::string* error) const {
    std::call_once(shares_once_, [&] { ComputeShares(); });
    if (!shares_error_.empty()) {
      *error = shares_error_;
      return {};
    }
    auto it = shares_.find(std::string(sensor));
    return it == shares_.end() ? SensorShare{} : it->second;
  }

 private:
  // The online and KS runs are allocated only for the streams a rule asks
  // them of: a fleet has a million entries.
  struct Entry {
    std::once_flag once;
    StreamResult result;
    std::once_flag online_once;
    std::unique_ptr<OnlineRun> online;
    std::once_flag ks_once;
    std::unique_ptr<KsPValueRun> ks;
  };

  std::vector<double> ContractSentinels(const subjects::Subject& stream) const {
    std::vector<double> sentinels = settings_.sentinels;
    if (const contracts::StreamExpectations* expected = fleet_->ExpectationsOf(stream)) {
      sentinels.insert(sentinels.end(), expected->sentinels.begin(), expected->sentinels.end());
    }
    return sentinels;
  }

  StreamResult ComputeStream(const subjects::Subject& stream) const {
    StreamResult result;
    std::shared_ptr<const contracts::Series> series = fleet_->SeriesOf(stream, &result.error);
    if (!series) return result;

    const std::string device = stream.document.value("device", "");
    const std::string sensor = stream.document.value("sensor", "");
    const std::string key = StreamEntryKey(device, sensor);
    std::string digest;
    std::optional<DistributionSketch> sketch = baseline_->Find(key, &result.error, &digest);
    if (!result.error.empty() || !sketch) return result;
    result.in_baseline = true;
    DriftOptions options = options_;
    options.sentinels = ContractSentinels(stream);
    std::vector<double> finite;
    const ValueCounts counts = SplitFinite(series->values, options.sentinels, &finite);
    result.current_finite = static_cast<std::int64_t>(finite.size());
    result.enough_samples = result.current_finite >= settings_.min_samples;
    if (!result.enough_samples) return result;
    result.drift = CompareNumericSorted(WithoutSentinels(sketch->ToReference(digest), options.sentinels),
                                        SortedValues(finite), counts, options);
    return result;
  }

  void ComputeCohorts() const {
    const std::string& field = cohort_field();
    if (field.empty()) {
      cohorts_error_ = fmt::format(
          "baseline '{}' has no cohorts; create it with 'stagegate baseline create --inventory FILE --cohort-by FIELD'",
          baseline_info().name);
      return;
    }
    // Members of each (value, sensor) cohort, in the fleet's order.
    std::map<std::pair<std::string, std::string>, std::vector<const subjects::Subject*>> members;
    for (const subjects::Subject* stream : order_) {
      const subjects::Subject* device = fleet_->DeviceOf(*stream);
      if (device == nullptr) continue;
      std::optional<std::string> value = CohortValue(device->document, field);
      if (!value) continue;
      members[{*value, stream->document.value("sensor", "")}].push_back(stream);
    }
    // Per sensor: the cohorts' p-values, corrected together.
    std::map<std::string, std::vector<size_t>> by_sensor;
    for (const auto& [key, streams] : members) {
      const auto& [value, sensor] = key;
      CohortResult cohort;
      cohort.name = fmt::format("{}={}", field, value);
      cohort.streams = static_cast<std::int64_t>(streams.size());
      const std::string entry_key = CohortEntryKey(field, value, sensor);
      std::string digest;
      std::optional<DistributionSketch> sketch = baseline_->Find(entry_key, &cohort.error, &digest);
      if (cohort.error.empty() && sketch) {
        std::vector<double> pooled;
        std::vector<double> sentinels = settings_.sentinels;
        for (const subjects::Subject* stream : streams) {
          std::shared_ptr<const contracts::Series> series = fleet_->SeriesOf(*stream, &cohort.error);
          if (!series) break;
          pooled.insert(pooled.end(), series->values.begin(), series->values.end());
          for (double s : ContractSentinels(*stream)) {
            if (std::find(sentinels.begin(), sentinels.end(), s) == sentinels.end()) sentinels.push_back(s);
          }
        }
        if (cohort.error.empty()) {
          DriftOptions options = options_;
          options.sentinels = sentinels;
          options.ks_p_value = true;  // the correction needs a p-value whichever test decides
          std::vector<double> finite;
          SplitFinite(pooled, sentinels, &finite);
          if (static_cast<std::int64_t>(finite.size()) >= settings_.min_samples) {
            cohort.drift =
                CompareNumeric(WithoutSentinels(sketch->ToReference(digest), sentinels), pooled,
                               options);
            cohort.evaluable = cohort.drift.evaluable;
            cohort.p_value = cohort.drift.p_value.value_or(cohort.drift.ks_p_value);
          }
        }
      }
      const size_t index = cohorts_.size();
      cohorts_.push_back(std::move(cohort));
      for (const subjects::Subject* stream : streams) stream_cohort_.emplace(stream->id, index);
      by_sensor[sensor].push_back(index);
    }
    const Correction correction = ParseCorrection(settings_.correction).value_or(Correction::kBenjaminiHochberg);
    for (const auto& [sensor, indices] : by_sensor) {
      std::vector<double> p_values;
      for (size_t i : indices) p_values.push_back(cohorts_[i].evaluable ? cohorts_[i].p_value : std::nan(""));
      std::vector<double> adjusted = AdjustPValues(p_values, correction);
      for (size_t k = 0; k < indices.size(); ++k) {
        CohortResult& cohort = cohorts_[indices[k]];
        cohort.adjusted_p_value = adjusted[k];
        cohort.drifted = cohort.evaluable && adjusted[k] <= settings_.alpha;
      }
    }
  }

  void ComputeShares() const {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < order_.size(); i = next++) Stream(*order_[i]);
    };
    const unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& thread : pool) thread.join();
    for (const subjects::Subject* stream : order_) {
      const StreamResult& result = *Stream(*stream);
      if (!result.error.empty()) {
        shares_error_ = fmt::format("stream {}: {}", stream->id, result.error);
        return;
      }
      if (!result.in_baseline || !result.enough_samples || !result.drift.evaluable) continue;
      SensorShare& share = shares_[stream->document.value("sensor", "")];
      ++share.streams;
      if (result.drift.drifted) ++share.drifted;
    }
  }

  std::shared_ptr<const contracts::Fleet> fleet_;
  policy::DriftSettings settings_;
  std::unique_ptr<BaselineReader> baseline_;
  DriftOptions options_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> streams_;  // fixed after construction
  std::vector<const subjects::Subject*> order_;

  mutable std::once_flag cohorts_once_;
  mutable std::string cohorts_error_;
  mutable std::vector<CohortResult> cohorts_;
  mutable std::map<std::string, size_t, std::less<>> stream_cohort_;  // stream id → cohorts_ index

  mutable std::once_flag shares_once_;
  mutable std::string shares_error_;
  mutable std::map<std::string, SensorShare, std::less<>> shares_;
};

// The online facts of one stream. `fact` is below "drift.online.".
ComputedFact OnlineFact(const OnlineRun& r, std::string_view fact) {
  if (!r.error.empty()) return ComputedFact::Error(r.error);
  const bool detected = r.page_hinkley.detected || r.adwin.detected;
  if (fact == "detected") return ComputedFact::Of(detected);
  if (!detected) return ComputedFact::Missing();
  // The earlier first detection of the two detectors.
  const bool ph_first =
      r.page_hinkley.detected &&
      (!r.adwin.detected || r.page_hinkley.detections.front().timestamp_us <= r.adwin.detections.front().timestamp_us);
  const Detection& first = ph_first ? r.page_hinkley.detections.front() : r.adwin.detections.front();
  if (fact == "at") return ComputedFact::Of(Rfc3339(first.timestamp_us));
  if (fact == "detector") return ComputedFact::Of(ph_first ? "page_hinkley" : "adwin");
  return ComputedFact::Missing();
}

// The facts of one stream, from its result. `fact` is below "drift.".
ComputedFact StreamFact(const DriftState& state, const StreamResult& r, std::string_view fact) {
  if (!r.error.empty()) return ComputedFact::Error(r.error);
  // Facts that need no baseline entry.
  if (fact == "baseline") return ComputedFact::Of(state.baseline_info().name);
  if (fact == "baseline_digest") return ComputedFact::Of(state.baseline_info().digest);
  if (fact == "current_size") return ComputedFact::Of(r.current_finite);
  // The comparison: missing (not_evaluable) without a baseline entry or with
  // too few current values.
  if (!r.in_baseline || !r.enough_samples || !r.drift.evaluable) return ComputedFact::Missing();
  const DriftResult& d = r.drift;
  if (fact == "test") return ComputedFact::Of(std::string(DriftTestName(d.test)));
  if (fact == "statistic") return ComputedFact::Of(Number(d.statistic));
  if (fact == "p_value") return d.p_value ? ComputedFact::Of(Number(*d.p_value)) : ComputedFact::Missing();
  if (fact == "effect") return ComputedFact::Of(Number(d.effect));
  if (fact == "effect_measure") return ComputedFact::Of(d.effect_measure);
  if (fact == "threshold") return ComputedFact::Of(d.threshold);
  if (fact == "drifted") return ComputedFact::Of(d.drifted);
  if (fact == "psi") return ComputedFact::Of(Number(d.psi));
  if (fact == "js") return ComputedFact::Of(Number(d.jensenshannon));
  if (fact == "wasserstein") return ComputedFact::Of(Number(d.wasserstein));
  if (fact == "wasserstein_normed") return ComputedFact::Of(Number(d.wasserstein_normed));
  if (fact == "ks.statistic") return ComputedFact::Of(Number(d.ks_statistic));

  if (fact == "cohens_d") return ComputedFact::Of(Number(d.cohens_d));
  if (fact == "missing_shift") return ComputedFact::Of(Number(d.missing.difference));
  if (fact == "missing_shifted") return ComputedFact::Of(d.missing.shifted);
  if (fact == "reference_size") return ComputedFact::Of(d.reference_size);
  if (fact == "reference_sampled") return ComputedFact::Of(d.reference_sampled);
  if (fact == "reference_digest") return ComputedFact::Of(d.reference_digest);
  if (fact == "binning") return ComputedFact::Of(d.binning);
  if (fact == "bins") return ComputedFact::Of(static_cast<std::int64_t>(d.bins));
  if (fact == "empty_bin_epsilon") return ComputedFact::Of(d.empty_bin_epsilon);
  return ComputedFact::Missing();
}

class DriftProvider : public subjects::FactProvider {
 public:
  explicit DriftProvider(std::shared_ptr<const DriftState> state) : state_(std::move(state)) {}

  ComputedFact Compute(const subjects::Subject& subject, std::string_view fact) const override {
    if (!fact.starts_with(kPrefix) || fact.size() <= kPrefix.size() + 1) return ComputedFact::Missing();
    fact.remove_prefix(kPrefix.size() + 1);
    if (fact.starts_with("cohort.")) return CohortFact(subject, fact.substr(7));
    if (fact.starts_with("fleet.")) return FleetFact(subject, fact.substr(6));
    if (fact.starts_with("online.")) {
      const OnlineRun* run = state_->Online(subject);
      return run == nullptr ? ComputedFact::Missing() : OnlineFact(*run, fact.substr(7));
    }
    if (fact == "histogram") return state_->Histogram(subject);
    const StreamResult* result = state_->Stream(subject);
    if (result == nullptr) return ComputedFact::Missing();
    if (fact == "ks.p_value" && result->error.empty() && result->in_baseline && result->enough_samples &&
        result->drift.evaluable) {
      const KsPValueRun* ks = state_->KsPValue(subject, *result);
      if (!ks->error.empty()) return ComputedFact::Error(ks->error);
      return ComputedFact::Of(Number(ks->p_value));
    }
    return StreamFact(*state_, *result, fact);
  }

 private:
  ComputedFact CohortFact(const subjects::Subject& subject, std::string_view fact) const {
    std::string why;
    const CohortResult* cohort = state_->Cohort(subject, &why);
    if (!why.empty()) return ComputedFact::Error(why);
    if (cohort == nullptr) return ComputedFact::Missing();
    if (!cohort->error.empty()) return ComputedFact::Error(cohort->error);
    if (fact == "name") return ComputedFact::Of(cohort->name);
    if (fact == "streams") return ComputedFact::Of(cohort->streams);
    if (!cohort->evaluable) return ComputedFact::Missing();
    if (fact == "size") return ComputedFact::Of(cohort->drift.current_size);
    if (fact == "test") return ComputedFact::Of(std::string(DriftTestName(cohort->drift.test)));
    if (fact == "statistic") return ComputedFact::Of(Number(cohort->drift.statistic));
    if (fact == "effect") return ComputedFact::Of(Number(cohort->drift.effect));
    if (fact == "p_value") return ComputedFact::Of(Number(cohort->p_value));
    if (fact == "adjusted_p_value") return ComputedFact::Of(Number(cohort->adjusted_p_value));
    if (fact == "drifted") return ComputedFact::Of(cohort->drifted);
    return ComputedFact::Missing();
  }

  ComputedFact FleetFact(const subjects::Subject& subject, std::string_view fact) const {
    std::string error;
    const SensorShare share = state_->Share(subject.document.value("sensor", ""), &error);
    if (!error.empty()) return ComputedFact::Error(error);
    if (fact == "streams") return ComputedFact::Of(share.streams);
    if (fact == "drifted") return ComputedFact::Of(share.drifted);
    if (fact == "share") {
      if (share.streams == 0) return ComputedFact::Missing();
      return ComputedFact::Of(static_cast<double>(share.drifted) / static_cast<double>(share.streams));
    }
    return ComputedFact::Missing();
  }

  std::shared_ptr<const DriftState> state_;
};

// Serves drift facts when no policy names a baseline: an error that says what to do.
class UnconfiguredDriftProvider : public subjects::FactProvider {
 public:
  ComputedFact Compute(const subjects::Subject&, std::string_view) const override {
    return ComputedFact::Error(
        "no policy names a drift baseline: add 'drift: {baseline: NAME}' to the policy's spec, with NAME made by "
        "'stagegate baseline create --out NAME', and pass the telemetry store with --store");
  }
};

// Registers `provider` for the drift facts and each group of them, so that
// `stream.drift.cohort.drifted` reaches it through the group `drift.cohort`.
void RegisterGroups(subjects::FactProviderRegistry* registry, std::shared_ptr<const subjects::FactProvider> provider) {
  for (std::string_view group : {"", ".ks", ".online", ".cohort", ".fleet"}) {
    registry->Register(SubjectKind::kStream, fmt::format("{}{}", kPrefix, group), provider);
  }
}

}  // namespace

void RegisterDriftFacts(facts::FactSchema& schema) {
  auto add = [&](std::string name, cel::Type type, std::string unit, std::string description) {
    FactDef def;
    def.name = fmt::format("{}.{}", kPrefix, name);
    def.type = std::move(type);
    def.unit = std::move(unit);
    def.description = std::move(description);
    def.origin = FactOrigin::kComputed;
    schema.Add(SubjectKind::kStream, std::move(def));
  };
  const cel::Type d = cel::Type::Double(), i = cel::Type::Int(), s = cel::Type::String(), b = cel::Type::Bool();
  add("baseline", s, "", "Name of the baseline the stream is compared with (the policy's spec.drift.baseline).");
  add("baseline_digest", s, "", "Digest of the whole baseline (sha256:...), as `baseline show` prints it.");
  add("reference_digest", s, "", "Digest of the stream's baseline entry the comparison used (sha256:...).");
  add("reference_size", i, "", "Finite reference values compared: the baseline entry's sample.");
  add("reference_sampled", b, "", "True when the reference is a bounded sample of a larger baseline population.");
  add("binning", s, "", "How PSI and Jensen-Shannon binned the values: quantile (of the reference), sturges or category.");
  add("bins", i, "", "Bins PSI and Jensen-Shannon used (equal reference quantiles merge, so it can be fewer than asked).");
  add("empty_bin_epsilon", d, "", "Proportion given to an empty bin so that PSI stays finite (docs/drift.md).");
  add("current_size", i, "", "Finite current values of the stream in the window (NaN, ±inf and sentinels excluded).");
  add("test", s, "",
      "Test that decided: ks, chisquare, z, wasserstein, jensenshannon or psi (chosen as Evidently does unless the "
      "policy's spec.drift.test names one).");
  add("statistic", d, "", "Statistic of the deciding test.");
  add("p_value", d, "", "p-value of the deciding test; missing for the distance measures (wasserstein, jensenshannon, psi).");
  add("effect", d, "", "Effect size beside the p-value: KS D, Cramér's V, |Cohen's h|, or the distance itself.");
  add("effect_measure", s, "", "What drift.effect measures: ks_d, cramers_v, cohens_h, wasserstein_normed, jensenshannon, psi.");
  add("threshold", d, "", "Threshold of the deciding test (p-value below it, or distance at or above it, is drift).");
  add("drifted", b, "", "The deciding test's verdict at its threshold.");
  add("psi", d, "", "Population Stability Index over the reference's quantile bins.");
  add("js", d, "", "Jensen-Shannon distance (natural log) over the same bins.");
  add("wasserstein", d, "value units", "Wasserstein-1 distance, in the values' units.");
  add("wasserstein_normed", d, "", "Wasserstein-1 distance divided by the reference's standard deviation.");
  add("ks.statistic", d, "", "Two-sample Kolmogorov-Smirnov statistic D.");
  add("histogram", cel::Type::Map(s, cel::Type::List(d)), "",
      "The reference and current values on twenty equal-width bins over the 0.5th..99.5th percentiles of both "
      "(values beyond in the end bins): {edges, reference, current}, each bin's share of the finite values; "
      "for charts (report.html).");
  add("ks.p_value", d, "", "Two-sided KS p-value (exact or kstwo, as scipy.stats.ks_2samp method='auto').");
  add("cohens_d", d, "", "Cohen's d: mean shift over the pooled standard deviation, signed.");
  add("missing_shift", d, "ratio",
      "Change of the missing ratio (NaN, ±inf, sentinels), current minus reference.");
  add("missing_shifted", b, "", "The missing ratio changed significantly (p < 0.05) and by at least one percentage point.");
  add("online.detected", b, "", "Page-Hinkley or ADWIN (river's defaults) detected a change in the window, in time order.");
  add("online.at", cel::Type::Timestamp(), "", "Time of the first online detection; missing when none.");
  add("online.detector", s, "", "Detector that fired first: page_hinkley or adwin.");
  add("cohort.name", s, "", "The stream's cohort, \"<field>=<value>\" (the baseline's --cohort-by field).");
  add("cohort.streams", i, "", "Streams of the cohort (same field value and sensor).");
  add("cohort.size", i, "", "Finite current values of the cohort's streams, pooled.");
  add("cohort.test", s, "", "Test that decided for the cohort.");
  add("cohort.statistic", d, "", "Statistic of the cohort's deciding test.");
  add("cohort.effect", d, "", "Effect size of the cohort's change.");
  add("cohort.p_value", d, "", "p-value of the cohort's test (KS's for the distance measures), before correction.");
  add("cohort.adjusted_p_value", d, "",
      "Cohort p-value adjusted across the sensor's cohorts (spec.drift.correction: benjamini-hochberg or bonferroni).");
  add("cohort.drifted", b, "", "The cohort's adjusted p-value is at most spec.drift.alpha.");
  add("fleet.streams", i, "", "Streams of this sensor across the fleet compared with the baseline.");
  add("fleet.drifted", i, "", "Of those, streams that drifted.");
  add("fleet.share", d, "ratio", "Fleet drift share of the sensor: drifted streams / compared streams.");
}

bool CollectDriftSettings(const std::vector<const policy::Policy*>& policies,
                          std::optional<policy::DriftSettings>* settings, std::string* error) {
  const policy::Policy* first = nullptr;
  for (const policy::Policy* policy : policies) {
    if (!policy->drift) continue;
    if (first == nullptr) {
      first = policy;
      *settings = *policy->drift;
    } else if (!(*policy->drift == **settings)) {
      *error = fmt::format(
          "policies '{}' ({}:{}) and '{}' ({}:{}) give different drift settings; one run compares streams with one "
          "baseline and one set of settings: make them the same, or run the policies separately",
          first->name, first->drift->location.file, first->drift->location.line, policy->name,
          policy->drift->location.file, policy->drift->location.line);
      return false;
    }
  }
  return true;
}

bool RegisterDriftProviders(std::shared_ptr<const contracts::Fleet> fleet,
                            const std::optional<policy::DriftSettings>& settings,
                            subjects::FactProviderRegistry* registry, std::string* error) {
  if (!settings || !fleet || fleet->options().store_path.empty()) {
    RegisterGroups(registry, std::make_shared<UnconfiguredDriftProvider>());
    return true;
  }
  std::unique_ptr<BaselineReader> baseline = BaselineReader::Open(fleet->options().store_path, settings->baseline, error);
  if (!baseline) return false;
  auto state = std::make_shared<const DriftState>(std::move(fleet), *settings, std::move(baseline));
  RegisterGroups(registry, std::make_shared<DriftProvider>(std::move(state)));
  return true;
}

}  // namespace stagegate::drift
