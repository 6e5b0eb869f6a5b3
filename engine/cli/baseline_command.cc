#include "engine/cli/baseline_command.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <set>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/cli/authoring_support.h"
#include "engine/subjects/inputs.h"
#include "evaluators/contracts/fleet.h"
#include "evaluators/drift/baseline_builder.h"
#include "evaluators/drift/cohort.h"
#include "evaluators/drift/baseline_store.h"

namespace stagegate::cli {
namespace {

using Json = nlohmann::ordered_json;
constexpr int kOk = 0, kBadInput = 2;

struct CreateArguments {
  std::string store;
  std::string window;
  std::string at;
  std::vector<std::string> select;
  std::string inventory;
  std::string cohort_by;
  std::int64_t sample_size = drift::kDefaultSketchSampleSize;
  std::uint64_t seed = 0;
  std::vector<double> sentinels;
  bool replace = false;
  std::string out;
  std::string csv;
  std::string columns;
  int threads = 0;
};

struct ListArguments {
  std::string store;
  bool json = false;
};

struct ShowArguments {
  std::string name;
  std::string store;
  bool json = false;
};

// 1234567 → "1,234,567".
std::string Grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Rfc3339(std::int64_t us) {
  const std::chrono::sys_time<std::chrono::microseconds> at{std::chrono::microseconds(us)};
  if (us % 1'000'000 == 0) return fmt::format("{:%FT%TZ}", std::chrono::time_point_cast<std::chrono::seconds>(at));
  return fmt::format("{:%FT%TZ}", at);
}

std::string WindowText(const drift::BaselineInfo& info) {
  if (info.window_from_us == 0 && info.window_to_us == 0) return "-";
  return Rfc3339(info.window_from_us) + "/" + Rfc3339(info.window_to_us);
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

void PrintSummary(const drift::BaselineSummary& summary, const CreateArguments& args) {
  const drift::BaselineInfo& info = summary.info;
  if (!args.csv.empty()) {
    fmt::print("baseline {}: {} columns of {}, {} values, {} sampled (at most {} per column)\n", info.name,
               summary.columns, args.csv, Grouped(summary.values), Grouped(summary.sampled), info.params.sample_size);
  } else {
    fmt::print("baseline {}: {} streams, {} cohorts{}, {} values, {} sampled (at most {} per stream)\n", info.name,
               Grouped(summary.streams), Grouped(summary.cohorts),
               info.params.cohort_field.empty() ? "" : " (" + info.params.cohort_field + " x sensor)",
               Grouped(summary.values), Grouped(summary.sampled), info.params.sample_size);
    fmt::print("  window {}\n", WindowText(info));
    if (summary.empty_streams > 0) {
      fmt::print("  {} selected streams have no samples in the window: no entry\n", Grouped(summary.empty_streams));
    }
  }
  fmt::print("  store {}\n  digest {}\n", args.store, info.digest);
}

int RunCreate(const CreateArguments& args) {
  if (args.out.empty()) {
    std::cerr << "error: --out NAME is required: the name the baseline is stored under\n";
    return kBadInput;
  }
  drift::BaselineInfo info;
  info.name = args.out;
  info.params.sample_size = args.sample_size;
  info.params.seed = args.seed;
  info.params.sentinels = args.sentinels;
  if (std::string problem = drift::DistributionSketch::CheckOptions(info.params.sketch_options()); !problem.empty()) {
    std::cerr << "error: --sample-size/--sentinel: " << problem << "\n";
    return kBadInput;
  }
  const int threads = args.threads > 0 ? args.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::string error;
  drift::BaselineSummary summary;

  if (!args.csv.empty()) {
    if (!args.window.empty() || !args.select.empty() || !args.cohort_by.empty() || !args.inventory.empty()) {
      std::cerr << "error: --csv builds a baseline from a training file; --window, --select, --inventory and "
                   "--cohort-by apply to telemetry only: drop them\n";
      return kBadInput;
    }
    drift::CsvBaselineOptions options;
    options.csv_path = args.csv;
    options.store_path = args.store;
    options.info = info;
    options.info.params.columns = SplitCommas(args.columns);
    options.replace = args.replace;
    options.threads = threads;
    if (!drift::BuildCsvBaseline(options, &summary, &error)) {
      std::cerr << "error: " << error << "\n";
      return kBadInput;
    }
    PrintSummary(summary, args);
    return kOk;
  }

  if (!args.columns.empty()) {
    std::cerr << "error: --columns applies to --csv baselines only; select streams with --select\n";
    return kBadInput;
  }
  if (args.window.empty()) {
    std::cerr << "error: --window is required: the telemetry the baseline summarises, e.g. --window 7d (before "
                 "--at) or FROM/TO in RFC 3339\n";
    return kBadInput;
  }
  if (args.cohort_by.empty() != args.inventory.empty()) {
    std::cerr << "error: --cohort-by FIELD and --inventory FILE go together: cohorts group devices by a field of "
                 "the inventory\n";
    return kBadInput;
  }
  std::optional<std::chrono::sys_seconds> at = authoring::ParseAt(args.at);
  if (!at) return kBadInput;
  const std::int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(at->time_since_epoch()).count();
  std::optional<contracts::Window> window = contracts::ParseWindow(args.window, now_us, &error);
  if (!window) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  info.window_from_us = window->from_us;
  info.window_to_us = window->to_us;
  info.params.cohort_field = args.cohort_by;

  drift::StreamBaselineOptions options;
  options.store_path = args.store;
  options.replace = args.replace;
  options.threads = threads;
  for (const std::string& clause : args.select) {
    if (!drift::ParseSelectClause(clause, &options.selection, &error)) {
      std::cerr << "error: " << error << "\n";
      return kBadInput;
    }
    info.params.select += (info.params.select.empty() ? "" : " ") + clause;
  }

  // Cohorts: the inventory's devices by the value of one field.
  subjects::SubjectSet inventory;
  std::map<std::string, std::string, std::less<>> cohort_of_device;
  if (!args.inventory.empty()) {
    contracts::FleetOptions fleet_options;
    fleet_options.inventory_path = args.inventory;
    std::vector<std::string> errors;
    std::shared_ptr<contracts::Fleet> fleet =
        contracts::Fleet::Load(fleet_options, contracts::ContractSet{}, &inventory, &errors);
    for (const std::string& message : errors) std::cerr << "error: " << message << "\n";
    if (!fleet || !errors.empty()) return kBadInput;
    std::set<std::string> fields;
    for (const subjects::Subject* device : inventory.OfKind(facts::SubjectKind::kDevice)) {
      if (std::optional<std::string> value = drift::CohortValue(device->document, args.cohort_by)) {
        cohort_of_device.emplace(device->id, *value);
      }
      for (const auto& [key, value] : device->document.items()) {
        if (value.is_object()) {
          for (const auto& [inner, unused] : value.items()) fields.insert(key + "." + inner);
        } else if (key != "kind") {
          fields.insert(key);
        }
      }
    }
    if (cohort_of_device.empty()) {
      std::string names;
      for (const std::string& f : fields) names += (names.empty() ? "" : ", ") + f;
      std::cerr << fmt::format("error: --cohort-by {}: no device of {} has that field; its devices have: {}\n",
                               args.cohort_by, args.inventory, names.empty() ? "no fields" : names);
      return kBadInput;
    }
    options.cohort_of = [&cohort_of_device](std::string_view device) -> std::optional<std::string> {
      auto it = cohort_of_device.find(device);
      if (it == cohort_of_device.end()) return std::nullopt;
      return it->second;
    };
  }
  options.info = info;
  if (!drift::BuildStreamBaseline(options, &summary, &error)) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  PrintSummary(summary, args);
  return kOk;
}

Json InfoJson(const drift::BaselineInfo& info) {
  Json params = {{"sample_size", info.params.sample_size},
                 {"seed", info.params.seed},
                 {"sentinels", info.params.sentinels},
                 {"relative_accuracy", drift::kSketchRelativeAccuracy},
                 {"ks_cdf_error_bound", drift::SampleCdfErrorBound(info.params.sample_size)}};
  if (!info.params.cohort_field.empty()) params["cohort_field"] = info.params.cohort_field;
  if (!info.params.select.empty()) params["select"] = info.params.select;
  if (!info.params.columns.empty()) params["columns"] = info.params.columns;
  Json json = {{"name", info.name},       {"digest", info.digest},   {"created_at", info.created_at},
               {"source", info.source},   {"entries", info.entries}, {"params", params}};
  if (info.window_from_us != 0 || info.window_to_us != 0) {
    json["window"] = {{"from", Rfc3339(info.window_from_us)}, {"to", Rfc3339(info.window_to_us)}};
  }
  return json;
}

int RunList(const ListArguments& args) {
  std::vector<drift::BaselineInfo> baselines;
  std::string error;
  if (!drift::ListBaselines(args.store, &baselines, &error)) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  if (args.json) {
    Json array = Json::array();
    for (const drift::BaselineInfo& info : baselines) array.push_back(InfoJson(info));
    std::cout << array.dump(2) << "\n";
    return kOk;
  }
  if (baselines.empty()) {
    fmt::print("{}: no baselines; create one with 'stagegate baseline create --store {} --window 7d --out NAME'\n",
               args.store, args.store);
    return kOk;
  }
  fmt::print("{:<20} {:<20} {:>8} {:<45} {:<19} {}\n", "NAME", "CREATED", "ENTRIES", "WINDOW", "DIGEST", "SOURCE");
  for (const drift::BaselineInfo& info : baselines) {
    fmt::print("{:<20} {:<20} {:>8} {:<45} {:<19} {}\n", info.name, info.created_at, Grouped(info.entries),
               WindowText(info), info.digest.substr(0, 19), info.source);
  }
  return kOk;
}

// A number for tables: 4 significant digits, "-" for NaN.
std::string Number(double v) { return std::isnan(v) ? "-" : fmt::format("{:.4g}", v); }

Json NumberJson(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

int RunShow(const ShowArguments& args) {
  std::string error;
  std::unique_ptr<drift::BaselineReader> reader = drift::BaselineReader::Open(args.store, args.name, &error);
  if (!reader) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  if (!reader->ReadEntryDetails(&error)) {
    std::cerr << "error: " << error << "\n";
    return kBadInput;
  }
  const drift::BaselineInfo& info = reader->info();
  Json entries = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const drift::BaselineEntry& entry : reader->entries()) {
    Json item = {{"key", entry.key}, {"kind", std::string(drift::EntryKindName(entry.kind))}, {"count", entry.count}};
    if (entry.kind == drift::EntryKind::kNumeric) {
      std::optional<drift::DistributionSketch> sketch = reader->Find(entry.key, &error);
      if (!sketch) {
        std::cerr << "error: " << error << "\n";
        return kBadInput;
      }
      const drift::ValueCounts& c = sketch->counts();
      const double p1 = sketch->Quantile(0.01), p50 = sketch->Quantile(0.5), p99 = sketch->Quantile(0.99);
      const auto sample = static_cast<std::int64_t>(std::min(c.finite, sketch->options().sample_size));
      item["finite"] = c.finite;
      item["missing"] = {{"nan", c.nan},
                         {"positive_infinity", c.positive_infinity},
                         {"negative_infinity", c.negative_infinity},
                         {"sentinel", c.sentinel},
                         {"ratio", c.missing_ratio()}};
      item["mean"] = NumberJson(sketch->mean());
      item["std"] = NumberJson(std::sqrt(sketch->variance()));
      item["min"] = NumberJson(sketch->min());
      item["max"] = NumberJson(sketch->max());
      item["quantiles"] = {{"p1", NumberJson(p1)}, {"p50", NumberJson(p50)}, {"p99", NumberJson(p99)}};
      item["sample_size"] = sample;
      rows.push_back({entry.key, "numeric", Grouped(entry.count), fmt::format("{:.2f}%", 100 * c.missing_ratio()),
                      Number(p1), Number(p50), Number(p99), Grouped(sample), entry.digest.substr(0, 19)});
    } else {
      std::optional<drift::CategoricalSketch> sketch = reader->FindCategorical(entry.key, &error);
      if (!sketch) {
        std::cerr << "error: " << error << "\n";
        return kBadInput;
      }
      Json categories = Json::object();
      for (const auto& [name, count] : sketch->categories()) categories[name] = count;
      item["missing"] = sketch->missing();
      item["categories"] = categories;
      const double missing = sketch->total() == 0 ? 0.0 : static_cast<double>(sketch->missing()) / sketch->total();
      rows.push_back({entry.key, "categorical", Grouped(entry.count), fmt::format("{:.2f}%", 100 * missing),
                      fmt::format("{} categories", sketch->categories().size()), "", "", "",
                      entry.digest.substr(0, 19)});
    }
    item["digest"] = entry.digest;
    item["bytes"] = entry.bytes;
    entries.push_back(std::move(item));
  }
  if (args.json) {
    Json json = InfoJson(info);
    json["entries"] = std::move(entries);
    std::cout << json.dump(2) << "\n";
    return kOk;
  }
  fmt::print("baseline {}\n  digest   {}\n  created  {}\n  source   {}\n  window   {}\n", info.name, info.digest,
             info.created_at, info.source, WindowText(info));
  fmt::print("  params   sample size {} (KS CDF error <= {:.4f} at 95%), seed {}, sentinels [{}]{}{}\n",
             info.params.sample_size, drift::SampleCdfErrorBound(info.params.sample_size), info.params.seed,
             fmt::join(info.params.sentinels, ", "),
             info.params.cohort_field.empty() ? "" : ", cohorts by " + info.params.cohort_field,
             info.params.select.empty() ? "" : ", select " + info.params.select);
  fmt::print("  {} entries\n\n", Grouped(info.entries));
  size_t key_width = 3;
  for (const auto& row : rows) key_width = std::max(key_width, row[0].size());
  fmt::print("{:<{}} {:<11} {:>10} {:>8} {:>10} {:>10} {:>10} {:>7} {}\n", "KEY", key_width, "KIND", "COUNT",
             "MISSING", "P1", "P50", "P99", "SAMPLE", "DIGEST");
  for (const auto& r : rows) {
    if (r[1] == "categorical") {
      fmt::print("{:<{}} {:<11} {:>10} {:>8} {:<37} {}\n", r[0], key_width, r[1], r[2], r[3], " " + r[4], r[8]);
    } else {
      fmt::print("{:<{}} {:<11} {:>10} {:>8} {:>10} {:>10} {:>10} {:>7} {}\n", r[0], key_width, r[1], r[2], r[3],
                 r[4], r[5], r[6], r[7], r[8]);
    }
  }
  return kOk;
}

template <typename Arguments, typename Runner>
void OnRun(CLI::App* command, std::shared_ptr<Arguments> args, int* exit_code, Runner runner) {
  command->callback([args, exit_code, runner]() {
    try {
      *exit_code = runner(*args);
    } catch (const std::exception& e) {
      std::cerr << "internal error: " << e.what() << "\n";
      *exit_code = 3;
    }
  });
}

}  // namespace

void AddBaselineCommand(CLI::App& app, int* exit_code) {
  CLI::App* baseline =
      app.add_subcommand("baseline", "Record reference distributions of streams, cohorts or a training CSV");
  baseline->require_subcommand(1);
  baseline->footer(R"(Baselines live in the telemetry store's file, in their own tables
(docs/drift.md "Baselines", docs/formats/baseline.md). Exit codes: 0 success, 2 bad input.
Examples:
  stagegate baseline create --store fleet.db --window 7d --at 2025-06-01 --out june
  stagegate baseline create --store fleet.db --window 7d --inventory devices.yaml --cohort-by site --out june-sites
  stagegate baseline create --store fleet.db --window 24h --select sensor=temperature --select 'device=pump-*' --out pumps
  stagegate baseline create --csv train.csv --columns temp,rpm --store fleet.db --out model-v3-inputs
  stagegate baseline list --store fleet.db
  stagegate baseline show june --store fleet.db --json)");

  auto create = std::make_shared<CreateArguments>();
  CLI::App* create_command = baseline->add_subcommand("create", "Summarise telemetry (or a CSV file) as a baseline");
  create_command->add_option("--store", create->store, "Telemetry store (SQLite) that holds the baseline")->required();
  create_command->add_option("--window", create->window,
                             "Telemetry window: a duration before --at (24h, 7d, 90m) or FROM/TO in RFC 3339");
  create_command->add_option("--at", create->at, "End of a duration window, RFC 3339 or YYYY-MM-DD (default: now)");
  create_command->add_option("--select", create->select,
                             "Streams to include: sensor=NAME[,NAME...] or device=GLOB[,GLOB...]; repeat to require "
                             "both (default: every stream)");
  create_command->add_option("--inventory", create->inventory, "Device inventory (JSON, YAML or CSV) for --cohort-by");
  create_command->add_option("--cohort-by", create->cohort_by,
                             "Inventory field that groups devices into cohorts (site, zone, class, firmware, "
                             "labels.KEY, ...): one merged entry per value and sensor");
  create_command->add_option("--sample-size", create->sample_size,
                             "Values kept per entry for KS and Wasserstein (default 4096)");
  create_command->add_option("--seed", create->seed, "Seed of the sample's hash (default 0)");
  create_command->add_option("--sentinel", create->sentinels,
                             "A value that means 'no reading' (-999, 65535, ...): counted as missing; repeatable");
  create_command->add_flag("--replace", create->replace, "Replace an existing baseline of the same name");
  create_command->add_option("--out", create->out, "Name of the baseline")->required();
  create_command->add_option("--csv", create->csv, "Build the baseline from this CSV file (a training set) instead");
  create_command->add_option("--columns", create->columns, "With --csv: comma-separated columns (default: all)");
  create_command->add_option("--threads", create->threads, "Reader threads (default: all cores)");
  OnRun(create_command, create, exit_code, RunCreate);

  auto list = std::make_shared<ListArguments>();
  CLI::App* list_command = baseline->add_subcommand("list", "List the store's baselines");
  list_command->add_option("--store", list->store, "Telemetry store")->required();
  list_command->add_flag("--json", list->json, "JSON array instead of a table");
  OnRun(list_command, list, exit_code, RunList);

  auto show = std::make_shared<ShowArguments>();
  CLI::App* show_command = baseline->add_subcommand("show", "Show a baseline's entries: counts, quantiles, digests");
  show_command->add_option("NAME", show->name, "Baseline name")->required();
  show_command->add_option("--store", show->store, "Telemetry store")->required();
  show_command->add_flag("--json", show->json, "JSON instead of a table");
  OnRun(show_command, show, exit_code, RunShow);
}

}  // namespace stagegate::cli
