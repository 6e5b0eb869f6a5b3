#include "evaluators/drift/baseline_builder.h"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "engine/common/digest.h"
#include "evaluators/contracts/telemetry_store.h"
#include "evaluators/drift/csv_columns.h"

namespace stagegate::drift {
namespace {

// Stream sketches built ahead of the writer, per reader thread: bounds the
// memory held by finished sketches that wait to be written.
constexpr size_t kSketchesAheadPerThread = 4;

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    start = comma + 1;
  }
  return items;
}

// One stream's sketch as a reader thread hands it to the writer.
struct Built {
  std::optional<DistributionSketch> sketch;
  std::string blob;    // sketch->Serialize(), encoded on the reader thread
  std::string digest;  // and hashed there
  std::string error;
};

}  // namespace

bool StreamSelection::Matches(const contracts::StreamKey& key) const {
  if (!sensors.empty() && std::find(sensors.begin(), sensors.end(), key.sensor) == sensors.end()) return false;
  if (device_globs.empty()) return true;
  return std::any_of(device_globs.begin(), device_globs.end(), [&](const std::string& glob) {
    return fnmatch(glob.c_str(), key.device_id.c_str(), 0) == 0;
  });
}

bool ParseSelectClause(std::string_view clause, StreamSelection* selection, std::string* error) {
  const size_t equals = clause.find('=');
  const std::string_view field = equals == std::string_view::npos ? clause : clause.substr(0, equals);
  const std::vector<std::string> items =
      equals == std::string_view::npos ? std::vector<std::string>{} : SplitList(clause.substr(equals + 1));
  if ((field != "sensor" && field != "device") || items.empty()) {
    *error = fmt::format("--select {}: write sensor=NAME[,NAME...] or device=GLOB[,GLOB...]", clause);
    return false;
  }
  auto& target = field == "sensor" ? selection->sensors : selection->device_globs;
  target.insert(target.end(), items.begin(), items.end());
  return true;
}

bool BuildStreamBaseline(const StreamBaselineOptions& options, BaselineSummary* summary, std::string* error) {
  *summary = BaselineSummary();
  const BaselineInfo& info = options.info;
  std::vector<contracts::StreamInfo> streams;
  {
    std::unique_ptr<contracts::TelemetryStore> store =
        contracts::TelemetryStore::Open(options.store_path, contracts::TelemetryStore::Mode::kReadOnly, error);
    if (!store || !store->ListStreams(&streams, error)) return false;
  }
  const size_t stored = streams.size();
  std::erase_if(streams, [&](const contracts::StreamInfo& s) { return !options.selection.Matches(s.key); });
  if (streams.empty()) {
    *error = stored == 0 ? fmt::format("{}: the telemetry store has no streams; ingest telemetry first "
                                       "('stagegate ingest --store {} FILE')",
                                       options.store_path, options.store_path)
                         : fmt::format("{}: none of its {} streams matches --select {}; check the sensor names and "
                                       "device globs",
                                       options.store_path, stored, info.params.select);
    return false;
  }

  BaselineInfo to_write = info;
  if (to_write.source.empty()) to_write.source = "telemetry";
  std::unique_ptr<BaselineWriter> writer =
      BaselineWriter::Begin(options.store_path, to_write, options.replace, error);
  if (!writer) return false;

  // Reader threads sketch streams ahead (each with its own connection); this
  // thread writes them and merges cohorts in stream order, so that the
  // result does not depend on thread timing.
  const SketchOptions sketch_options = info.params.sketch_options();
  const size_t n = streams.size();
  const int threads = std::max(1, options.threads);
  const size_t ahead = kSketchesAheadPerThread * static_cast<size_t>(threads);
  std::mutex mutex;
  std::condition_variable changed;
  std::map<size_t, Built> ready;
  size_t consumed = 0;
  bool abort = false;
  std::atomic<size_t> next{0};

  auto reader = [&]() {
    std::string open_error;
    std::unique_ptr<contracts::TelemetryStore> store = contracts::TelemetryStore::Open(
        options.store_path, contracts::TelemetryStore::Mode::kReadOnly, &open_error);
    contracts::Series series;
    for (;;) {
      const size_t index = next.fetch_add(1);
      if (index >= n) return;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return abort || index < consumed + ahead; });
        if (abort) return;
      }
      Built built;
      const contracts::StreamInfo& stream = streams[index];
      if (!store) {
        built.error = open_error;
      } else if (!store->ReadSeries(stream.stream_id, info.window_from_us, info.window_to_us, &series,
                                    &built.error)) {
      } else {
        DistributionSketch sketch(sketch_options);
        sketch.AddSeries(StreamHash(stream.key.device_id + "/" + stream.key.sensor), series.timestamps_us,
                         series.values);
        if (sketch.counts().total > 0) {
          built.blob = sketch.Serialize();
          built.digest = "sha256:" + common::Sha256Hex(built.blob);
        }
        built.sketch = std::move(sketch);
      }
      series.clear();
      std::lock_guard<std::mutex> lock(mutex);
      ready.emplace(index, std::move(built));
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back(reader);

  std::map<std::pair<std::string, std::string>, DistributionSketch> cohorts;  // (value, sensor)
  bool ok = true;
  for (size_t index = 0; index < n && ok; ++index) {
    Built built;
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return ready.count(index) > 0; });
      built = std::move(ready[index]);
      ready.erase(index);
      consumed = index + 1;
      changed.notify_all();
    }
    if (!built.sketch) {
      *error = built.error;
      ok = false;
      break;
    }
    const DistributionSketch& sketch = *built.sketch;
    const contracts::StreamKey& key = streams[index].key;
    if (sketch.counts().total == 0) {
      ++summary->empty_streams;
      continue;
    }
    if (!writer->AddEncoded(StreamEntryKey(key.device_id, key.sensor), EntryKind::kNumeric, sketch.counts().total,
                            built.blob, built.digest, error)) {
      ok = false;
      break;
    }
    ++summary->streams;
    summary->values += sketch.counts().total;
    summary->sampled += std::min(sketch.counts().finite, sketch_options.sample_size);
    if (options.cohort_of) {
      if (std::optional<std::string> value = options.cohort_of(key.device_id)) {
        auto [it, inserted] = cohorts.try_emplace({*value, key.sensor}, sketch_options);
        if (!it->second.Merge(sketch, error)) {
          ok = false;
          break;
        }
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    abort = true;
    changed.notify_all();
  }
  for (std::thread& worker : workers) worker.join();
  if (!ok) return false;
  if (summary->streams == 0) {
    auto time = [](std::int64_t us) {
      return fmt::format("{:%FT%TZ}", std::chrono::sys_seconds(std::chrono::seconds(us / 1'000'000)));
    };
    *error = fmt::format("{}: none of the {} selected streams has samples in the window {}/{}; check --window and "
                         "--at (a duration window ends at --at, which defaults to now)",
                         options.store_path, n, time(info.window_from_us), time(info.window_to_us));
    return false;
  }

  for (const auto& [cohort, sketch] : cohorts) {
    if (!writer->Add(CohortEntryKey(info.params.cohort_field, cohort.first, cohort.second), sketch, error)) {
      return false;
    }
    ++summary->cohorts;
  }
  return writer->Commit(&summary->info, error);
}

bool BuildCsvBaseline(const CsvBaselineOptions& options, BaselineSummary* summary, std::string* error) {
  *summary = BaselineSummary();
  const int threads =
      options.threads > 0 ? options.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::unique_ptr<CsvFile> csv = CsvFile::Open(options.csv_path, threads, error);
  if (!csv) return false;
  std::vector<int> indices;
  if (options.info.params.columns.empty()) {
    for (size_t i = 0; i < csv->header().size(); ++i) indices.push_back(static_cast<int>(i));
  } else {
    for (const std::string& name : options.info.params.columns) {
      std::optional<int> index = csv->Find(name);
      if (!index) {
        std::string names;
        for (const std::string& h : csv->header()) names += (names.empty() ? "" : ", ") + h;
        *error = fmt::format("{}: no column '{}' (--columns); the file has: {}", options.csv_path, name, names);
        return false;
      }
      indices.push_back(*index);
    }
  }
  if (indices.empty()) {
    *error = fmt::format("{}: no columns in the header; a training set needs a header row", options.csv_path);
    return false;
  }

  BaselineInfo to_write = options.info;
  if (to_write.source.empty()) to_write.source = "csv:" + options.csv_path;
  std::unique_ptr<BaselineWriter> writer =
      BaselineWriter::Begin(options.store_path, to_write, options.replace, error);
  if (!writer) return false;
  const SketchOptions sketch_options = options.info.params.sketch_options();
  const size_t group = static_cast<size_t>(std::max(1, options.columns_at_once));
  std::vector<CsvColumn> columns;
  for (size_t first = 0; first < indices.size(); first += group) {
    const std::span<const int> some(indices.data() + first, std::min(group, indices.size() - first));
    columns.clear();
    if (!csv->Read(some, {}, &columns, error)) return false;
    for (const CsvColumn& column : columns) {
      const std::string key = ColumnEntryKey(column.name);
      if (column.numeric) {
        DistributionSketch sketch(sketch_options);
        sketch.AddAll(column.numbers);
        if (!writer->Add(key, sketch, error)) return false;
        summary->values += sketch.counts().total;
        summary->sampled += std::min(sketch.counts().finite, sketch_options.sample_size);
      } else {
        CategoricalSketch sketch;
        for (const std::string& cell : column.strings) {
          if (!sketch.Add(cell, error)) {
            *error = fmt::format("{}: column '{}': {}; leave it out with --columns", options.csv_path, column.name,
                                 *error);
            return false;
          }
        }
        if (!writer->Add(key, sketch, error)) return false;
        summary->values += sketch.total();
      }
      ++summary->columns;
    }
  }
  return writer->Commit(&summary->info, error);
}

}  // namespace stagegate::drift
