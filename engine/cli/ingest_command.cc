#include "engine/cli/ingest_command.h"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "evaluators/contracts/telemetry_ingest.h"
#include "evaluators/contracts/telemetry_store.h"

namespace stagegate::cli {
namespace {

using contracts::IngestOptions;
using contracts::IngestReport;
using contracts::Layout;
using contracts::TimeFormat;

struct IngestArguments {
  std::string store;
  std::vector<std::string> inputs;
  std::string time_format;
  std::string layout;
  bool quarantine = false;
};

// 1234567 -> "1,234,567".
std::string Count(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", Count(n), n == 1 ? one : many);
}

// Draws a progress line on a terminal's stderr, at most five times a second.
class ProgressBar {
 public:
  explicit ProgressBar(std::string source) : source_(std::move(source)), start_(Clock::now()) {}
  ~ProgressBar() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
  }
  void Update(uint64_t read, uint64_t total, int64_t rows) {
    const auto now = Clock::now();
    if (now - start_ < std::chrono::milliseconds(500) || now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    drawn_ = true;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::string bar;
    if (total > 0) {
      const double fraction = std::min(1.0, static_cast<double>(read) / static_cast<double>(total));
      const int filled = static_cast<int>(fraction * 30);
      bar = fmt::format("[{}{}] {:3.0f}% ", std::string(static_cast<size_t>(filled), '#'),
                        std::string(static_cast<size_t>(30 - filled), '.'), fraction * 100);
    }
    std::cerr << fmt::format("\r\033[K{} {}{} rows, {:.1f} MB/s", source_, bar, Count(rows),
                             static_cast<double>(read) / 1e6 / std::max(seconds, 1e-3))
              << std::flush;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string source_;
  Clock::time_point start_, last_;
  bool drawn_ = false;
};

void PrintReport(const IngestReport& r) {
  const std::string src = r.source == "-" ? "<stdin>" : r.source;
  if (r.already_ingested) {
    std::cout << fmt::format("{}: already ingested on {} (same SHA-256 {}...); nothing to do\n", src,
                             r.previous_ingest, r.sha256.substr(0, 12));
    return;
  }
  std::string what = fmt::format("{}{}, {} layout{}", r.json_lines ? "JSON Lines" : "CSV", r.gzip ? " (gzip)" : "",
                                 contracts::LayoutName(r.layout), r.layout_detected ? " (detected)" : "");
  if (r.time_format != TimeFormat::kDetect) {
    what += fmt::format(", timestamps {}", contracts::TimeFormatName(r.time_format));
    if (r.time_format_detected) what += fmt::format(" (detected from line {})", r.time_format_line);
  }
  if (!r.received_column.empty()) what += fmt::format(", receive times from {}", r.received_column);
  if (!r.ignored_columns.empty()) {
    std::string names;
    for (const auto& c : r.ignored_columns) names += (names.empty() ? "" : ", ") + c;
    what += fmt::format(", ignored columns: {}", names);
  }
  std::cout << fmt::format("{}: {}\n", src, what);
  std::string counts = fmt::format("{}: {}: {} accepted, {} rejected, {} dropped", src,
                                   Plural(r.rows, "row", "rows"), Plural(r.write.stored, "sample", "samples"),
                                   Plural(r.rejected, "row", "rows"),
                                   Plural(r.write.duplicates, "duplicate", "duplicates"));
  if (r.write.overlap > 0) {
    counts += fmt::format(", {} already stored", Plural(r.write.overlap, "sample", "samples"));
    if (r.write.overlap_conflicts > 0) {
      counts += fmt::format(" ({} with a different value; kept the stored ones)", Count(r.write.overlap_conflicts));
    }
  }
  if (r.write.out_of_order > 0) counts += fmt::format(", {} out of order", Count(r.write.out_of_order));
  counts += fmt::format("; {}", Plural(r.streams, "stream", "streams"));
  if (r.rejected > 0) counts += " (rejected rows are in the store's quarantine table)";
  std::cout << counts << "\n";
}

int RunIngest(const IngestArguments& args) {
  IngestOptions options;
  static const std::pair<std::string_view, TimeFormat> kFormats[] = {{"rfc3339", TimeFormat::kRfc3339},
                                                                      {"epoch-s", TimeFormat::kEpochSeconds},
                                                                      {"epoch-ms", TimeFormat::kEpochMillis},
                                                                      {"epoch-us", TimeFormat::kEpochMicros}};
  for (const auto& [name, format] : kFormats) {
    if (args.time_format == name) options.time_format = format;
  }
  if (args.layout == "long") options.layout = Layout::kLong;
  if (args.layout == "wide") options.layout = Layout::kWide;
  options.quarantine = args.quarantine;
  if (std::count(args.inputs.begin(), args.inputs.end(), "-") > 1) {
    std::cerr << "error: '-' (standard input) is given more than once; name it once\n";
    return 2;
  }

  std::string error;
  auto store = contracts::TelemetryStore::Open(args.store, contracts::TelemetryStore::Mode::kReadWrite, &error);
  if (!store) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  int exit_code = 0;
  for (const std::string& input : args.inputs) {
    std::unique_ptr<ProgressBar> bar;
    if (terminal) {
      bar = std::make_unique<ProgressBar>(input);
      options.progress = [&bar](uint64_t read, uint64_t total, int64_t rows) { bar->Update(read, total, rows); };
    }
    IngestReport report;
    const bool ok = contracts::IngestInput(store.get(), input, options, &report, &error);
    bar.reset();
    if (!ok) {
      std::cerr << "error: " << error << "\n";
      if (report.bad_row) {
        std::cerr << fmt::format("{}: nothing of it was stored (fix the row, or pass --quarantine to store the good "
                                 "rows and keep the bad ones aside)\n",
                                 input == "-" ? "<stdin>" : input);
      }
      exit_code = 2;
      continue;
    }
    PrintReport(report);
  }
  return exit_code;
}

}  // namespace

void AddIngestCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<IngestArguments>();
  CLI::App* cmd = app.add_subcommand("ingest", "Load telemetry (CSV, JSON Lines, gzip) into the telemetry store");
  cmd->add_option("--store", args->store, "The telemetry store (an SQLite file; created if missing)")->required();
  cmd->add_option("inputs", args->inputs, "CSV or JSON Lines files, gzip or plain; '-' reads standard input")
      ->required();
  cmd->add_option("--time-format", args->time_format,
                  "How timestamps are written: rfc3339, epoch-s, epoch-ms or epoch-us (default: detected from the "
                  "first row; ambiguous values stop with an error)")
      ->check(CLI::IsMember({"rfc3339", "epoch-s", "epoch-ms", "epoch-us"}));
  cmd->add_option("--layout", args->layout,
                  "long (ts,device_id,sensor,value) or wide (ts,device_id,<one column per sensor>); default: long "
                  "when the header has sensor and value columns")
      ->check(CLI::IsMember({"long", "wide"}));
  cmd->add_flag("--quarantine", args->quarantine,
                "Store the good rows and put refused ones in the store's quarantine table, instead of refusing the "
                "whole input");
  cmd->footer(R"(Each input is ingested in one transaction: all of it or, on a malformed row, nothing of it
(unless --quarantine). Re-ingesting the same bytes is a no-op. Samples with a timestamp the
stream already has are dropped (the first arrival stays). Formats: docs/formats/telemetry-input.md.
Examples:
  stagegate ingest --store fleet.db telemetry.csv more.jsonl.gz
  zcat day.csv.gz | stagegate ingest --store fleet.db --time-format epoch-ms -
Exit codes: 0 stored (or already stored); 2 bad input or store (the message names the file and line).)");
  cmd->callback([args, exit_code]() { *exit_code = RunIngest(*args); });
}

}  // namespace stagegate::cli
