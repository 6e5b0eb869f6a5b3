// Building baselines (baseline_store.h) from the telemetry store, stream by
// stream, or from the columns of a CSV training set. Memory stays bounded
// however many streams there are: each stream's series is read, sketched and
// dropped; only cohort sketches (one per cohort value and sensor) and a few
// in-flight stream sketches are held at once.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evaluators/contracts/series.h"
#include "evaluators/contracts/stream_metrics.h"
#include "evaluators/drift/baseline_store.h"

namespace stagegate::drift {

// Which streams a baseline covers: clauses from --select, each
// "sensor=NAME[,NAME...]" or "device=GLOB[,GLOB...]" (shell globs: * ? [..]).
// A stream is selected when it matches every clause given (any name or glob
// within a clause); no clause selects every stream.
struct StreamSelection {
  std::vector<std::string> sensors;
  std::vector<std::string> device_globs;
  bool Matches(const contracts::StreamKey& key) const;
  bool empty() const { return sensors.empty() && device_globs.empty(); }
};

// Adds one --select clause to `selection`; false with `error` when it is not
// "sensor=..." or "device=...".
bool ParseSelectClause(std::string_view clause, StreamSelection* selection, std::string* error);

struct StreamBaselineOptions {
  std::string store_path;
  BaselineInfo info;     // name, window, params (cohort_field, sample size, seed, sentinels, select)
  bool replace = false;
  StreamSelection selection;
  // The cohort value of a device (cohorts by info.params.cohort_field), or
  // nullopt when the device has none (its streams then join no cohort).
  // Empty function: no cohorts.
  std::function<std::optional<std::string>(std::string_view device_id)> cohort_of;
  int threads = 1;  // reader threads (each opens its own store connection)
};

struct BaselineSummary {
  BaselineInfo info;              // as stored, with its digest
  std::int64_t streams = 0;       // stream entries written
  std::int64_t empty_streams = 0; // selected streams with no samples in the window (no entry)
  std::int64_t cohorts = 0;       // cohort entries written
  std::int64_t columns = 0;       // column entries written (CSV)
  std::int64_t values = 0;        // values summarised (all, finite or not)
  std::int64_t sampled = 0;       // sample values kept across stream and column entries
};

// Builds and stores a baseline of the selected streams' samples in
// [window_from_us, window_to_us): one entry per stream with samples, and one
// per (cohort value, sensor) merging its streams in stream order. One
// transaction: on failure nothing is stored. `error` names the store. A
// window in which no selected stream has samples is an error.
bool BuildStreamBaseline(const StreamBaselineOptions& options, BaselineSummary* summary, std::string* error);

struct CsvBaselineOptions {
  std::string csv_path;
  std::string store_path;
  BaselineInfo info;               // name, params (columns, sample size, seed, sentinels)
  bool replace = false;
  int threads = 0;                 // CSV reader threads (0: all cores)
  int columns_at_once = 8;         // columns held in memory at a time
};

// Builds and stores a baseline of a CSV file's columns (all, or
// info.params.columns): numeric columns as DistributionSketch (position key
// = row number), others as CategoricalSketch.
bool BuildCsvBaseline(const CsvBaselineOptions& options, BaselineSummary* summary, std::string* error);

}  // namespace stagegate::drift
