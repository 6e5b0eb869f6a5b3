#pragma once
// Ingest of telemetry files (CSV and JSON Lines, long or wide layout, plain
// or gzip, or standard input) into the telemetry store: one input, one
// transaction. The accepted formats are documented in docs/formats/telemetry-input.md.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "evaluators/contracts/telemetry_store.h"

namespace stagegate::contracts {

enum class TimeFormat { kDetect, kRfc3339, kEpochSeconds, kEpochMillis, kEpochMicros };
enum class Layout { kDetect, kLong, kWide };

// "rfc3339", "epoch-s", "epoch-ms", "epoch-us" ("detect" for kDetect).
std::string_view TimeFormatName(TimeFormat format);
std::string_view LayoutName(Layout layout);  // "long", "wide"

struct IngestOptions {
  TimeFormat time_format = TimeFormat::kDetect;
  Layout layout = Layout::kDetect;
  // Refused rows go to the store's quarantine table and the rest is stored;
  // otherwise the first refused row stops the input and nothing of it is stored.
  bool quarantine = false;
  // Samples buffered before they are merged into the store (within the same
  // transaction); bounds memory at about 32 bytes per sample.
  size_t batch_samples = 4'000'000;
  // Called about every MiB read, with the input bytes read so far, the
  // input's size (0 when unknown: standard input) and the rows read.
  std::function<void(uint64_t read, uint64_t total, int64_t rows)> progress;
  // The clock for `ingested_at`; the system clock when empty.
  std::function<std::string()> now_rfc3339;
};

// What happened to one input.
struct IngestReport {
  std::string source;
  std::string sha256;
  bool already_ingested = false;
  bool bad_row = false;           // the input failed on a malformed row (not on I/O or its header)  // the same bytes were ingested before: nothing done
  std::string previous_ingest;    // when already_ingested: its time
  bool gzip = false;
  bool json_lines = false;
  Layout layout = Layout::kDetect;
  bool layout_detected = false;
  TimeFormat time_format = TimeFormat::kDetect;
  bool time_format_detected = false;
  int64_t time_format_line = 0;      // the line the time format was detected from
  std::string received_column;       // the receive-time column, "" when none
  std::vector<std::string> ignored_columns;  // long layout: columns that are neither key, value nor time
  int64_t rows = 0;                  // data rows read
  int64_t rejected = 0;              // rows refused (quarantined)
  int64_t samples = 0;               // samples read from accepted rows
  WriteStats write;                  // what the store did with them
  int64_t streams = 0;               // streams the input touched
};

// Ingests `path` ("-" for standard input) into `store`. Returns false with a
// one-line error "file:line: reason; what to do" for bad input (nothing of
// the input stored) or "file: ..." for I/O and store faults.
bool IngestInput(TelemetryStore* store, const std::string& path, const IngestOptions& options, IngestReport* report,
                 std::string* error);

// Parses an RFC 3339 timestamp ("2024-03-31T01:59:59.250+01:00", 'T' or ' '
// between date and time, 'Z' or an offset required) into µs since the epoch.
// Digits beyond microseconds are truncated. On failure, `why` says what is wrong.
bool ParseRfc3339(std::string_view text, int64_t* us, std::string* why);

}  // namespace stagegate::contracts
