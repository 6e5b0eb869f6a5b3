#include "engine/cli/drift_command.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/common/digest.h"
#include "evaluators/drift/column_drift.h"
#include "evaluators/drift/csv_columns.h"

namespace stagegate::cli {
namespace {

using drift::CsvColumn;
using drift::CsvFile;
using drift::DriftOptions;
using drift::DriftResult;

// Columns of both files held in memory at once are bounded by this budget
// (8 bytes per cell of each file); wider inputs are read in groups of
// columns, one pass over each file per group.
constexpr std::int64_t kDefaultMemoryMiB = 3072;
// glibc caps the mmap threshold at 32 MiB; a 3,000,000-row column (24 MB) fits.
constexpr int kReusedAllocationBytes = 32 << 20;

struct DriftCompareArguments {
  std::string reference;
  std::string current;
  std::string columns;
  std::string test = "auto";
  std::optional<double> threshold;
  std::vector<double> sentinels;
  std::string binning = "quantile";
  int bins = drift::kDefaultQuantileBins;
  bool json = false;
  std::int64_t memory_mib = kDefaultMemoryMiB;
  int threads = 0;
};

struct ColumnPair {
  int reference = 0;
  int current = 0;
  std::string name;  // "a", or "a:b" when the names differ
};

std::vector<std::string> SplitList(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string HeaderList(const CsvFile& file) {
  std::string names;
  for (const auto& h : file.header()) names += (names.empty() ? "" : ", ") + h;
  return names;
}

// Resolves --columns into pairs of header positions.
bool ResolveColumns(const CsvFile& ref, const CsvFile& cur, const std::string& spec, std::vector<ColumnPair>* pairs,
                    std::string* error) {
  if (spec.empty()) {
    for (std::size_t i = 0; i < ref.header().size(); ++i) {
      if (const auto j = cur.Find(ref.header()[i])) pairs->push_back({static_cast<int>(i), *j, ref.header()[i]});
    }
    if (pairs->empty()) {
      *error = fmt::format("{}:1: no column name is in both {} and {}; name the pairs with --columns REF_NAME:CUR_NAME",
                           cur.path(), ref.path(), cur.path());
      return false;
    }
    return true;
  }
  for (const std::string& item : SplitList(spec, ',')) {
    const std::size_t colon = item.find(':');
    const std::string ref_name = item.substr(0, colon);
    const std::string cur_name = colon == std::string::npos ? item : item.substr(colon + 1);
    if (ref_name.empty() || cur_name.empty()) {
      *error = fmt::format("--columns: '{}' is not a column name nor a pair; write a,b or ref_name:cur_name", item);
      return false;
    }
    const auto i = ref.Find(ref_name);
    if (!i) {
      *error = fmt::format("{}:1: no column named '{}' (the header has: {}); check --columns", ref.path(), ref_name,
                           HeaderList(ref));
      return false;
    }
    const auto j = cur.Find(cur_name);
    if (!j) {
      *error = fmt::format("{}:1: no column named '{}' (the header has: {}); check --columns", cur.path(), cur_name,
                           HeaderList(cur));
      return false;
    }
    pairs->push_back({*i, *j, ref_name == cur_name ? ref_name : ref_name + ":" + cur_name});
  }
  return true;
}

drift::CategoryCounts CountCategories(const std::vector<std::string>& cells) {
  drift::CategoryCounts counts;
  for (const auto& cell : cells) ++counts[cell];
  return counts;
}

// "sha256:" of the cells in row order, each followed by a line feed.
std::string DigestCells(const std::vector<std::string>& cells) {
  common::Sha256Stream stream;
  for (const auto& cell : cells) {
    stream.Update(cell);
    stream.Update("\n");
  }
  return "sha256:" + stream.FinishHex();
}

// Compares one pair of columns and frees their cells.
DriftResult CompareColumns(CsvColumn& ref, CsvColumn& cur, const DriftOptions& options) {
  if (ref.numeric && cur.numeric) {
    const drift::ReferenceDistribution reference = drift::MakeReference(ref.numbers, options.sentinels);
    std::vector<double>().swap(ref.numbers);
    DriftResult result = drift::CompareNumeric(reference, cur.numbers, options);
    std::vector<double>().swap(cur.numbers);
    return result;
  }
  DriftResult result =
      drift::CompareCategorical(CountCategories(ref.strings), CountCategories(cur.strings), options,
                                DigestCells(ref.strings));
  std::vector<std::string>().swap(ref.strings);
  std::vector<std::string>().swap(cur.strings);
  return result;
}

std::string Number(double v) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", v);
}

std::string Percent(double ratio) { return fmt::format("{:.2f}%", ratio * 100); }

void PrintTable(const std::vector<std::pair<std::string, DriftResult>>& results) {
  const std::vector<std::string> head = {"column", "test",      "statistic", "p-value",
                                         "effect", "threshold", "drifted",   "missing ref→cur"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, r] : results) {
    std::string missing = Percent(r.missing.reference_ratio) + "→" + Percent(r.missing.current_ratio);
    if (r.missing.shifted) missing += " shifted";
    rows.push_back({name, std::string(drift::DriftTestName(r.test)) + (r.chosen_automatically ? "" : "*"),
                    Number(r.statistic), r.p_value ? Number(*r.p_value) : "-",
                    r.effect_measure.empty() ? "-" : Number(r.effect) + " " + std::string(r.effect_measure), Number(r.threshold),
                    r.evaluable ? (r.drifted ? "yes" : "no") : "n/a", missing});
  }
  // Widths in code points: the arrow is one column wide but three bytes.
  const auto width = [](const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  std::vector<std::size_t> widths(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    widths[c] = width(head[c]);
    for (const auto& row : rows) widths[c] = std::max(widths[c], width(row[c]));
  }
  const auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - width(row[c]) + 2, ' ');
    }
    std::cout << line << "\n";
  };
  print(head);
  for (const auto& row : rows) print(row);
}

int RunDriftCompare(const DriftCompareArguments& args) {
  // Every column allocates and frees buffers of tens of megabytes (the
  // columns, the sorts' scratch). Above glibc's mmap threshold each would be
  // fresh pages from the kernel, faulted in and zeroed again: keep them in
  // the heap for reuse instead (measured: a third less system time).
  ::mallopt(M_MMAP_THRESHOLD, kReusedAllocationBytes);
  ::mallopt(M_TRIM_THRESHOLD, kReusedAllocationBytes);
  DriftOptions options;
  const auto test = drift::ParseDriftTest(args.test);
  if (!test) {
    std::cerr << "error: --test: unknown test '" << args.test
              << "'; use auto, ks, chisquare, z, wasserstein, jensenshannon or psi\n";
    return 2;
  }
  options.test = *test;
  options.threshold = args.threshold;
  options.sentinels = args.sentinels;
  options.binning = args.binning == "sturges" ? drift::Binning::kSturges : drift::Binning::kReferenceQuantiles;
  options.bins = args.bins;
  const int threads =
      args.threads > 0 ? args.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  std::string error;
  const auto ref = CsvFile::Open(args.reference, threads, &error);
  if (!ref) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  const auto cur = CsvFile::Open(args.current, threads, &error);
  if (!cur) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  std::vector<ColumnPair> pairs;
  if (!ResolveColumns(*ref, *cur, args.columns, &pairs, &error)) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }

  // Columns per group so that both files' cells of a group fit the budget.
  const std::int64_t bytes_per_pair = std::max<std::int64_t>(1, (ref->rows() + cur->rows()) * 8);
  const auto group_size = static_cast<std::size_t>(
      std::clamp<std::int64_t>(args.memory_mib * 1024 * 1024 / bytes_per_pair, 1,
                               static_cast<std::int64_t>(pairs.size())));
  std::vector<std::pair<std::string, DriftResult>> results(pairs.size());
  for (std::size_t start = 0; start < pairs.size(); start += group_size) {
    const std::size_t stop = std::min(pairs.size(), start + group_size);
    std::vector<int> ref_indices, cur_indices;
    for (std::size_t k = start; k < stop; ++k) {
      ref_indices.push_back(pairs[k].reference);
      cur_indices.push_back(pairs[k].current);
    }
    std::vector<CsvColumn> ref_columns, cur_columns;
    if (!ref->Read(ref_indices, {}, &ref_columns, &error) || !cur->Read(cur_indices, {}, &cur_columns, &error)) {
      std::cerr << "error: " << error << "\n";
      return 2;
    }
    // A column numeric in one file and not in the other is compared as text.
    std::vector<int> ref_text, cur_text;
    for (std::size_t k = 0; k < ref_columns.size(); ++k) {
      if (ref_columns[k].numeric && !cur_columns[k].numeric) ref_text.push_back(ref_indices[k]);
      if (!ref_columns[k].numeric && cur_columns[k].numeric) cur_text.push_back(cur_indices[k]);
    }
    for (auto [file, text, columns, indices] : {std::tuple{ref.get(), &ref_text, &ref_columns, &ref_indices},
                                                 std::tuple{cur.get(), &cur_text, &cur_columns, &cur_indices}}) {
      if (text->empty()) continue;
      std::vector<CsvColumn> again;
      if (!file->Read(*text, *text, &again, &error)) {
        std::cerr << "error: " << error << "\n";
        return 2;
      }
      for (std::size_t t = 0; t < text->size(); ++t) {
        const auto k = static_cast<std::size_t>(std::find(indices->begin(), indices->end(), (*text)[t]) -
                                                indices->begin());
        (*columns)[k] = std::move(again[t]);
      }
    }
    // Columns are independent: spread them over the threads.
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t k = next++; k < ref_columns.size(); k = next++) {
        results[start + k] = {pairs[start + k].name, CompareColumns(ref_columns[k], cur_columns[k], options)};
      }
    };
    std::vector<std::thread> workers;
    for (int t = 1; t < std::min<int>(threads, static_cast<int>(ref_columns.size())); ++t) workers.emplace_back(work);
    work();
    for (auto& worker : workers) worker.join();
  }

  std::int64_t drifted = 0;
  for (const auto& [name, r] : results) drifted += r.drifted ? 1 : 0;
  const auto total = static_cast<std::int64_t>(results.size());
  const double share = total == 0 ? 0.0 : static_cast<double>(drifted) / static_cast<double>(total);
  if (args.json) {
    nlohmann::json out;
    out["reference_file"] = args.reference;
    out["current_file"] = args.current;
    out["columns"] = nlohmann::json::array();
    for (const auto& [name, r] : results) {
      nlohmann::json column = r.ToJson();
      column["column"] = name;
      out["columns"].push_back(std::move(column));
    }
    out["drifted"] = drifted;
    out["total"] = total;
    out["share"] = share;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  PrintTable(results);
  for (const auto& [name, r] : results) {
    if (!r.evaluable) std::cout << fmt::format("{}: not evaluable: {}\n", name, r.reason);
  }
  std::cout << fmt::format("{} of {} columns drifted (share {:.3g})\n", drifted, total, share);
  return 0;
}

}  // namespace

void AddDriftCommand(CLI::App& app, int* exit_code) {
  CLI::App* drift = app.add_subcommand("drift", "Compare distributions: reference data against current data");
  drift->require_subcommand(1);
  auto args = std::make_shared<DriftCompareArguments>();
  CLI::App* cmd = drift->add_subcommand("compare", "Compare the columns of two CSV files for drift");
  cmd->add_option("reference", args->reference, "The reference CSV (header row, comma-separated)")->required();
  cmd->add_option("current", args->current, "The current CSV to compare with it")->required();
  cmd->add_option("--columns", args->columns,
                  "Columns to compare: a,b (names in both files) or ref_name:cur_name pairs; default: every column "
                  "whose name is in both files");
  cmd->add_option("--test", args->test,
                  "auto (Evidently's default choice), ks, chisquare, z, wasserstein, jensenshannon or psi");
  cmd->add_option("--threshold", args->threshold,
                  "Drift threshold: p-value below it for ks/chisquare/z, distance at or above it otherwise "
                  "(default 0.05 and 0.1)");
  cmd->add_option("--sentinel", args->sentinels, "A value that means missing (e.g. -999); repeat for several")
      ->allow_extra_args(false);
  cmd->add_option("--binning", args->binning, "Bins of PSI and Jensen-Shannon: quantile (reference deciles) or sturges")
      ->check(CLI::IsMember({"quantile", "sturges"}));
  cmd->add_option("--bins", args->bins, "Number of quantile bins")->check(CLI::Range(1, 10000));
  cmd->add_flag("--json", args->json, "Print JSON: {columns: [...], drifted, total, share}");
  cmd->add_option("--memory-mb", args->memory_mib,
                  "Cells held in memory at once, in MiB (both files; wider inputs are read a group of columns at a "
                  "time)")
      ->check(CLI::Range(std::int64_t{64}, std::int64_t{1} << 30));
  cmd->add_option("--threads", args->threads, "Threads for parsing and statistics (default: all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->footer(R"(A column is numeric when every non-empty cell is a number; empty cells, nan, inf and
--sentinel values count as missing and are compared apart (missing ref→cur). Tests as Evidently
chooses them: docs/drift.md. A '*' after the test name marks a test given with --test.
Examples:
  stagegate drift compare train.csv today.csv
  stagegate drift compare ref.csv cur.csv --columns temperature:temp_c --sentinel -999 --json
Exit codes: 0 compared (whatever the drift); 2 bad input (the message names the file and line).)");
  cmd->callback([args, exit_code]() { *exit_code = RunDriftCompare(*args); });
}

}  // namespace stagegate::cli
