// Fuzzes what the telemetry store reads: stored blocks (a damaged blob must
// be an error, never a crash; a blob that decodes must re-encode to the same
// series), RFC 3339 timestamps, and whole input files through `ingest`
// (CSV or JSON Lines, any layout), with and without quarantine.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "evaluators/contracts/block_codec.h"
#include "evaluators/contracts/telemetry_ingest.h"
#include "evaluators/contracts/telemetry_store.h"

namespace {

struct Workspace {
  std::string folder;
  std::unique_ptr<stagegate::contracts::TelemetryStore> store;
  Workspace() {
    folder = (std::filesystem::temp_directory_path() / "stagegate-telemetry-fuzz-XXXXXX").string();
    if (mkdtemp(folder.data()) == nullptr) __builtin_trap();
    std::string error;
    store = stagegate::contracts::TelemetryStore::Open(folder + "/t.db",
                                                        stagegate::contracts::TelemetryStore::Mode::kReadWrite, &error);
    if (!store) __builtin_trap();
  }
  ~Workspace() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  namespace contracts = stagegate::contracts;
  static Workspace workspace;
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  std::string error;

  contracts::Series series;
  if (contracts::DecodeBlock(data, &series, &error)) {
    contracts::BlockColumns columns;
    columns.timestamps_us = series.timestamps_us;
    columns.values = series.values;
    columns.flags = series.flags;
    columns.duplicates = series.duplicates;
    columns.received_us = series.received_us;
    std::string blob;
    contracts::Series again;
    if (contracts::EncodeBlock(columns, &blob, &error) && contracts::DecodeBlock(blob, &again, &error)) {
      if (again.timestamps_us != series.timestamps_us || again.flags != series.flags ||
          again.duplicates != series.duplicates || again.values.size() != series.values.size() ||
          std::memcmp(again.values.data(), series.values.data(), series.values.size() * sizeof(double)) != 0) {
        __builtin_trap();  // a decoded block does not survive a round trip
      }
    }
  }
  int64_t us = 0;
  std::string why;
  (void)contracts::ParseRfc3339(data, &us, &why);

  const std::string input = workspace.folder + (size % 3 == 0 ? "/input.jsonl" : "/input.csv");
  if (FILE* file = std::fopen(input.c_str(), "wb")) {
    std::fwrite(bytes, 1, size, file);
    std::fclose(file);
    contracts::IngestOptions options;
    options.quarantine = (size % 2) == 0;
    options.now_rfc3339 = [] { return std::string("2026-11-22T00:00:00Z"); };
    contracts::IngestReport report;
    (void)contracts::IngestInput(workspace.store.get(), input, options, &report, &error);
  }
  return 0;
}
