#include "evaluators/contracts/telemetry_ingest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <unordered_map>
#include <vector>

#include <date/date.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "engine/common/digest.h"

namespace stagegate::contracts {
namespace {

constexpr size_t kChunkBytes = 4 << 20;
// A line longer than this is not telemetry (binary data, or a file without newlines).
constexpr size_t kMaxLineBytes = 1 << 20;
// Epoch timestamps are detected only within these dates (1980 to 2100), so
// that the three units cannot be confused.
constexpr int64_t kMinEpochSeconds = 315'532'800;
constexpr int64_t kMaxEpochSeconds = 4'102'444'800;

constexpr std::string_view kTimeColumns[] = {"ts", "timestamp", "time"};
constexpr std::string_view kDeviceColumns[] = {"device_id", "device"};
constexpr std::string_view kReceivedColumns[] = {"received_at", "ingest_ts", "received_ts", "receive_ts"};
// Cells that mean "no value" besides the empty cell.
constexpr std::string_view kMissingWords[] = {"NA", "N/A", "null", "NULL", "None"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <size_t N>
bool OneOf(std::string_view name, const std::string_view (&names)[N]) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

bool IsMissing(std::string_view cell) { return cell.empty() || OneOf(cell, kMissingWords); }

// Shortens a cell for messages.
std::string Quote(std::string_view cell) {
  if (cell.size() > 40) return fmt::format("\"{}...\"", cell.substr(0, 40));
  return fmt::format("\"{}\"", cell);
}

// ---- input bytes ----------------------------------------------------------------

// Reads an input's bytes in chunks, inflating gzip (by its magic bytes).
class InputReader {
 public:
  ~InputReader() {
    if (fd_ > 0) ::close(fd_);
    if (inflating_) inflateEnd(&zs_);
  }

  bool Open(const std::string& path, std::string* error) {
    path_ = path == "-" ? "<stdin>" : path;
    if (path == "-") {
      fd_ = 0;
    } else {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        *error = fmt::format("{}: cannot open: {}; check the path", path, std::strerror(errno));
        return false;
      }
      struct stat st;
      if (::fstat(fd_, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
          *error = fmt::format("{}: is a directory; pass the telemetry files in it", path);
          return false;
        }
        if (S_ISREG(st.st_mode)) size_ = static_cast<uint64_t>(st.st_size);
      }
    }
    raw_.resize(kChunkBytes);
    if (!Fill(error)) return false;
    if (raw_end_ >= 2 && static_cast<uint8_t>(raw_[0]) == 0x1f && static_cast<uint8_t>(raw_[1]) == 0x8b) {
      gzip_ = true;
      std::memset(&zs_, 0, sizeof zs_);
      if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) {
        *error = fmt::format("{}: cannot start gzip decompression", path);
        return false;
      }
      inflating_ = true;
    }
    return true;
  }

  // Appends up to about kChunkBytes of (decompressed) input to `out`;
  // returns false at the end of the input or on error (then `error` is set).
  bool Read(std::string* out, std::string* error) {
    if (!gzip_) {
      if (raw_pos_ == raw_end_ && !eof_ && !Fill(error)) return false;
      if (raw_pos_ == raw_end_) return false;
      out->append(raw_.data() + raw_pos_, raw_end_ - raw_pos_);
      raw_pos_ = raw_end_;
      return true;
    }
    const size_t before = out->size();
    out->resize(before + kChunkBytes);
    zs_.next_out = reinterpret_cast<Bytef*>(out->data() + before);
    zs_.avail_out = static_cast<uInt>(kChunkBytes);
    while (zs_.avail_out > 0) {
      if (raw_pos_ == raw_end_) {
        if (eof_) break;
        if (!Fill(error)) {
          out->resize(before);
          return false;
        }
        if (raw_pos_ == raw_end_) break;
      }
      zs_.next_in = reinterpret_cast<Bytef*>(raw_.data() + raw_pos_);
      zs_.avail_in = static_cast<uInt>(raw_end_ - raw_pos_);
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      raw_pos_ = raw_end_ - zs_.avail_in;
      if (rc == Z_STREAM_END) {
        // Concatenated gzip members are one input (as gzip -d reads them).
        member_done_ = true;
        if (raw_pos_ == raw_end_ && !eof_ && !Fill(error)) {
          out->resize(before);
          return false;
        }
        if (raw_pos_ == raw_end_) break;
        inflateReset(&zs_);
        member_done_ = false;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        *error = fmt::format("{}: damaged gzip data ({}); check the file, e.g. with 'gzip -t'", path_,
                             zs_.msg ? zs_.msg : "inflate failed");
        out->resize(before);
        return false;
      } else if (rc == Z_BUF_ERROR && zs_.avail_in == 0 && eof_) {
        break;
      }
    }
    const size_t produced = kChunkBytes - zs_.avail_out;
    out->resize(before + produced);
    if (produced == 0) {
      if (!member_done_) {
        *error = fmt::format("{}: the gzip data ends early (truncated file?); check it with 'gzip -t'", path_);
      }
      return false;
    }
    return true;
  }

  bool gzip() const { return gzip_; }
  uint64_t raw_bytes() const { return raw_total_; }
  uint64_t size() const { return size_; }
  // The digest of the bytes read so far (standard input: of all of it at the end).
  std::string FinishDigest() { return hasher_.FinishHex(); }

 private:
  bool Fill(std::string* error) {
    raw_pos_ = raw_end_ = 0;
    while (raw_end_ < raw_.size()) {
      const ssize_t n = ::read(fd_, raw_.data() + raw_end_, raw_.size() - raw_end_);
      if (n < 0) {
        if (errno == EINTR) continue;
        *error = fmt::format("{}: cannot read: {}", path_, std::strerror(errno));
        return false;
      }
      if (n == 0) {
        eof_ = true;
        break;
      }
      raw_end_ += static_cast<size_t>(n);
      if (fd_ == 0) break;  // a pipe: take what is there
    }
    hasher_.Update(std::string_view(raw_.data(), raw_end_));
    raw_total_ += raw_end_;
    return true;
  }

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string raw_;
  size_t raw_pos_ = 0, raw_end_ = 0;
  uint64_t raw_total_ = 0;
  bool eof_ = false;
  bool gzip_ = false;
  bool inflating_ = false;
  bool member_done_ = false;
  z_stream zs_{};
  common::Sha256Stream hasher_;
};

// SHA-256 of a regular file's bytes, read once before parsing so that a
// re-ingest is recognised without parsing.
bool DigestFile(const std::string& path, std::string* digest, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = fmt::format("{}: cannot open: {}; check the path", path, std::strerror(errno));
    return false;
  }
  common::Sha256Stream hasher;
  std::string buffer(kChunkBytes, '\0');
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      *error = fmt::format("{}: cannot read: {}", path, std::strerror(saved));
      return false;
    }
    if (n == 0) break;
    hasher.Update(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  *digest = hasher.FinishHex();
  return true;
}

// ---- timestamps -------------------------------------------------------------------

bool ParseDigits(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  int64_t result = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *v = result;
  return true;
}

bool IsEpochText(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  if (whole.empty() || whole.find_first_not_of("0123456789") != std::string_view::npos) return false;
  if (dot == std::string_view::npos) return true;
  const std::string_view fraction = s.substr(dot + 1);
  return !fraction.empty() && fraction.find_first_not_of("0123456789") == std::string_view::npos;
}

// Microseconds per unit of an epoch format.
int64_t UnitMicros(TimeFormat format) {
  switch (format) {
    case TimeFormat::kEpochSeconds: return 1'000'000;
    case TimeFormat::kEpochMillis: return 1'000;
    default: return 1;
  }
}

bool ParseEpoch(std::string_view s, TimeFormat format, int64_t* us, std::string* why) {
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  int64_t integer = 0;
  const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), integer);
  if (whole.empty() || ec != std::errc() || end != whole.data() + whole.size()) {
    *why = ec == std::errc::result_out_of_range ? "is out of range" : "is not a number";
    return false;
  }
  const int64_t unit = UnitMicros(format);
  int64_t result = 0;
  if (__builtin_mul_overflow(integer, unit, &result)) {
    *why = "is out of range";
    return false;
  }
  if (dot != std::string_view::npos) {
    std::string_view fraction = s.substr(dot + 1);
    if (fraction.empty() || fraction.find_first_not_of("0123456789") != std::string_view::npos) {
      *why = "is not a number";
      return false;
    }
    // Digits below a microsecond are truncated.
    int64_t scale = unit;
    for (char c : fraction) {
      scale /= 10;
      if (scale == 0) break;
      result += (c - '0') * scale;
    }
  }
  *us = negative ? -result : result;
  return true;
}

// The epoch unit a timestamp's magnitude implies, or kDetect when none.
TimeFormat EpochUnitOf(std::string_view s) {
  if (!s.empty() && s.front() == '-') return TimeFormat::kDetect;
  int64_t whole = 0;
  const std::string_view digits = s.substr(0, s.find('.'));
  if (digits.size() > 18 || !ParseDigits(digits, &whole)) return TimeFormat::kDetect;
  if (whole >= kMinEpochSeconds && whole < kMaxEpochSeconds) return TimeFormat::kEpochSeconds;
  if (whole >= kMinEpochSeconds * 1000 && whole < kMaxEpochSeconds * 1000) return TimeFormat::kEpochMillis;
  if (whole >= kMinEpochSeconds * 1'000'000 && whole < kMaxEpochSeconds * 1'000'000) return TimeFormat::kEpochMicros;
  return TimeFormat::kDetect;
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

bool ParseRfc3339(std::string_view s, int64_t* us, std::string* why) {
  // YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|±HH:MM)
  auto digits = [&](size_t at, size_t n, int64_t* v) { return s.size() >= at + n && ParseDigits(s.substr(at, n), v); };
  int64_t year, month, day, hour, minute, second;
  if (!digits(0, 4, &year) || s.size() < 5 || s[4] != '-' || !digits(5, 2, &month) || s.size() < 8 || s[7] != '-' ||
      !digits(8, 2, &day)) {
    *why = "does not start with a date YYYY-MM-DD";
    return false;
  }
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) {
    *why = "has no time after the date (YYYY-MM-DDTHH:MM:SS)";
    return false;
  }
  if (!digits(11, 2, &hour) || s.size() < 14 || s[13] != ':' || !digits(14, 2, &minute) || s.size() < 17 ||
      s[16] != ':' || !digits(17, 2, &second)) {
    *why = "has no time HH:MM:SS after the date";
    return false;
  }
  if (month < 1 || month > 12) {
    *why = fmt::format("has month {}", month);
    return false;
  }
  if (day < 1 || day > DaysInMonth(year, static_cast<int>(month))) {
    *why = fmt::format("has day {} in a month of {} days", day, DaysInMonth(year, static_cast<int>(month)));
    return false;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    *why = second == 60 ? "is a leap second (:60), which is not supported; use :59.999999"
                        : "has a time of day out of range";
    return false;
  }
  size_t at = 19;
  int64_t micros = 0;
  if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
    ++at;
    const size_t start = at;
    int64_t scale = 100'000;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      micros += (s[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start) {
      *why = "has no digits after the decimal point";
      return false;
    }
  }
  int64_t offset_minutes = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const int sign = s[at] == '-' ? -1 : 1;
    int64_t oh, om;
    if (!digits(at + 1, 2, &oh) || s.size() < at + 4 || s[at + 3] != ':' || !digits(at + 4, 2, &om) || oh > 23 ||
        om > 59) {
      *why = "has a malformed UTC offset (write it as +hh:mm or -hh:mm)";
      return false;
    }
    offset_minutes = sign * (oh * 60 + om);
    at += 6;
  } else {
    *why = at < s.size() ? fmt::format("has unexpected text {} after the time", Quote(s.substr(at)))
                         : "has no UTC offset (add 'Z' or +hh:mm: a time without an offset is ambiguous)";
    return false;
  }
  if (at != s.size()) {
    *why = fmt::format("has unexpected text {} after the offset", Quote(s.substr(at)));
    return false;
  }
  const auto days = date::sys_days(date::year(static_cast<int>(year)) / static_cast<unsigned>(month) /
                                   static_cast<unsigned>(day))
                        .time_since_epoch()
                        .count();
  const int64_t seconds = static_cast<int64_t>(days) * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  *us = seconds * 1'000'000 + micros;
  return true;
}

std::string_view TimeFormatName(TimeFormat format) {
  switch (format) {
    case TimeFormat::kRfc3339: return "rfc3339";
    case TimeFormat::kEpochSeconds: return "epoch-s";
    case TimeFormat::kEpochMillis: return "epoch-ms";
    case TimeFormat::kEpochMicros: return "epoch-us";
    default: return "detect";
  }
}

std::string_view LayoutName(Layout layout) {
  switch (layout) {
    case Layout::kLong: return "long";
    case Layout::kWide: return "wide";
    default: return "detect";
  }
}

namespace {

// A row refused: the reason says what is wrong and what to do.
struct RowError {
  std::string reason;
};

struct StreamBuffer {
  StreamKey key;
  SampleBatch batch;
  // Over the batches of this input already written.
  int64_t written_max = INT64_MIN;
  int64_t written_first = INT64_MAX;
  int64_t written_last = INT64_MIN;
  bool touched = false;
};

class Ingester {
 public:
  // `shown` names the input in messages ("<stdin>" for "-").
  Ingester(TelemetryStore* store, const std::string& path, const std::string& shown, const IngestOptions& options,
           IngestReport* report)
      : store_(store), open_path_(path), path_(shown), options_(options), report_(report) {}

  bool Run(std::string* error);

 private:
  // Parsing.
  bool ParseHeader(std::string_view line, std::string* error);
  bool ParseJsonHeader(std::string_view line, std::string* error);
  std::optional<RowError> CsvRow(std::string_view line);
  std::optional<RowError> JsonRow(std::string_view line);
  bool SplitCsv(std::string_view line, std::string* why);
  // Resolves the time format from the first timestamp when it is to be detected.
  bool ResolveTimeFormat(std::string_view text, std::string* error);
  std::optional<RowError> ParseTime(std::string_view text, std::string_view column, int64_t* us);

  // Samples.
  uint32_t StreamIndex(std::string_view device, std::string_view sensor);
  void Add(uint32_t stream, int64_t ts, double value, int64_t received);
  bool Flush(std::string* error);
  std::string Where() const { return fmt::format("{}:{}", path_, line_number_); }

  TelemetryStore* store_;
  const std::string& open_path_;
  const std::string& path_;
  const IngestOptions& options_;
  IngestReport* report_;

  int64_t line_number_ = 0;
  bool have_header_ = false;
  bool json_ = false;
  Layout layout_ = Layout::kDetect;
  TimeFormat time_format_ = TimeFormat::kDetect;
  std::vector<std::string> columns_;
  int time_column_ = -1, device_column_ = -1, sensor_column_ = -1, value_column_ = -1, received_column_ = -1;
  std::vector<int> sensor_columns_;  // wide layout
  std::string json_time_key_, json_device_key_, json_received_key_;

  std::vector<std::string_view> fields_;
  std::deque<std::string> unquoted_;  // storage of quoted fields with escapes

  std::vector<StreamBuffer> streams_;
  std::unordered_map<std::string, uint32_t> stream_index_;
  std::string key_scratch_;
  std::string last_device_, last_sensor_;
  uint32_t last_stream_ = UINT32_MAX;
  std::unordered_map<std::string, std::vector<uint32_t>> wide_streams_;  // device -> stream per sensor column
  size_t buffered_ = 0;
  bool has_received_ = false;
  std::string file_error_;
  std::string wide_last_device_;
  std::vector<uint32_t>* wide_cache_ = nullptr;

 public:
  // Rows refused in quarantine mode, written once the input's digest is known.
  std::vector<QuarantinedRow> quarantined;
};

bool Ingester::Run(std::string* error) {
  InputReader reader;
  if (!reader.Open(open_path_, error)) return false;
  report_->gzip = reader.gzip();
  std::string buffer;
  size_t pos = 0;
  bool more = true;
  uint64_t next_progress = 1 << 20;
  bool first_line = true;
  while (true) {
    // Find the next complete line, reading more input as needed.
    size_t newline = buffer.find('\n', pos);
    while (newline == std::string::npos && more) {
      buffer.erase(0, pos);
      pos = 0;
      const size_t searched = buffer.size();
      if (!reader.Read(&buffer, error)) {
        if (!error->empty()) return false;
        more = false;
        break;
      }
      newline = buffer.find('\n', searched);
      if (newline == std::string::npos && buffer.size() > kMaxLineBytes) {
        *error = fmt::format("{}:{}: a line longer than {} bytes; is this a CSV or JSON Lines file?", path_,
                             line_number_ + 1, kMaxLineBytes);
        return false;
      }
      if (options_.progress && reader.raw_bytes() >= next_progress) {
        options_.progress(reader.raw_bytes(), reader.size(), report_->rows);
        next_progress = reader.raw_bytes() + (1 << 20);
      }
    }
    std::string_view line;
    if (newline != std::string::npos) {
      line = std::string_view(buffer).substr(pos, newline - pos);
      pos = newline + 1;
    } else if (pos < buffer.size()) {
      line = std::string_view(buffer).substr(pos);  // the last line, without a newline
      pos = buffer.size();
    } else {
      break;
    }
    ++line_number_;
    if (first_line) {
      first_line = false;
      if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 byte order mark
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) continue;
    if (!have_header_) {
      json_ = Trim(line).front() == '{';
      report_->json_lines = json_;
      if (json_ ? !ParseJsonHeader(line, error) : !ParseHeader(line, error)) return false;
      have_header_ = true;
      if (!json_) continue;  // a CSV header is no data; the first JSON record is
    }
    ++report_->rows;
    std::optional<RowError> bad = json_ ? JsonRow(line) : CsvRow(line);
    if (!file_error_.empty()) {
      *error = file_error_;  // not about one row: the time format of the whole input
      return false;
    }
    if (bad) {
      if (!options_.quarantine) {
        report_->bad_row = true;
        *error = fmt::format("{}: {}", Where(), bad->reason);
        return false;
      }
      ++report_->rejected;
      quarantined.push_back({report_->source, "", line_number_, std::string(line), bad->reason});
    }
    if (buffered_ >= options_.batch_samples && !Flush(error)) return false;
  }
  if (!have_header_) {
    *error = fmt::format("{}: empty input: no header line; a CSV file starts with a header such as "
                         "'ts,device_id,sensor,value'",
                         path_);
    return false;
  }
  if (!Flush(error)) return false;
  if (report_->sha256.empty()) report_->sha256 = reader.FinishDigest();
  if (options_.progress) options_.progress(reader.raw_bytes(), reader.size(), report_->rows);
  for (const StreamBuffer& s : streams_) report_->streams += s.touched;
  return true;
}


bool Ingester::SplitCsv(std::string_view line, std::string* why) {
  fields_.clear();
  unquoted_.clear();
  size_t at = 0;
  while (true) {
    // Leading blanks before a quote are allowed (" \"a,b\"").
    size_t start = at;
    while (start < line.size() && line[start] == ' ') ++start;
    if (start < line.size() && line[start] == '"') {
      std::string* owned = nullptr;
      size_t i = start + 1, piece = i;
      while (true) {
        const size_t quote = line.find('"', i);
        if (quote == std::string_view::npos) {
          *why = "a quoted field is not closed on this line (fields may not span lines); close the quote";
          return false;
        }
        if (quote + 1 < line.size() && line[quote + 1] == '"') {  // "" is one quote
          if (!owned) owned = &unquoted_.emplace_back();
          owned->append(line.substr(piece, quote + 1 - piece));
          i = piece = quote + 2;
          continue;
        }
        if (owned) {
          owned->append(line.substr(piece, quote - piece));
          fields_.push_back(*owned);
        } else {
          fields_.push_back(line.substr(start + 1, quote - start - 1));
        }
        at = quote + 1;
        while (at < line.size() && line[at] == ' ') ++at;
        break;
      }
      if (at == line.size()) return true;
      if (line[at] != ',') {
        *why = "text after a closing quote; put the whole field in quotes";
        return false;
      }
      ++at;
      continue;
    }
    const size_t comma = line.find(',', at);
    if (comma == std::string_view::npos) {
      fields_.push_back(line.substr(at));
      return true;
    }
    fields_.push_back(line.substr(at, comma - at));
    at = comma + 1;
  }
}

bool Ingester::ParseHeader(std::string_view line, std::string* error) {
  std::string why;
  if (!SplitCsv(line, &why)) {
    *error = fmt::format("{}: the header line: {}", Where(), why);
    return false;
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    const std::string name(Trim(fields_[i]));
    if (name.empty()) {
      *error = fmt::format("{}: column {} of the header has no name; name every column (ts,device_id,sensor,value)",
                           Where(), i + 1);
      return false;
    }
    if (std::find(columns_.begin(), columns_.end(), name) != columns_.end()) {
      *error = fmt::format("{}: the header names column \"{}\" twice; rename one", Where(), name);
      return false;
    }
    columns_.push_back(name);
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    const std::string lower = Lower(columns_[i]);
    const int index = static_cast<int>(i);
    if (time_column_ < 0 && OneOf(lower, kTimeColumns)) time_column_ = index;
    else if (device_column_ < 0 && OneOf(lower, kDeviceColumns)) device_column_ = index;
    else if (received_column_ < 0 && OneOf(lower, kReceivedColumns)) received_column_ = index;
    else if (sensor_column_ < 0 && lower == "sensor") sensor_column_ = index;
    else if (value_column_ < 0 && lower == "value") value_column_ = index;
  }
  if (time_column_ < 0 || device_column_ < 0) {
    const bool looks_like_data = !columns_.empty() && (IsEpochText(columns_[0]) || columns_[0].find(':') != std::string::npos);
    *error = fmt::format("{}: the header has no {} column ({}){}", Where(),
                         time_column_ < 0 ? "timestamp" : "device",
                         time_column_ < 0 ? "name it ts, timestamp or time" : "name it device_id or device",
                         looks_like_data ? "; the first line looks like data: start the file with a header line such "
                                           "as ts,device_id,sensor,value"
                                         : "; the first line must name the columns, e.g. ts,device_id,sensor,value");
    return false;
  }
  has_received_ = received_column_ >= 0;
  if (has_received_) report_->received_column = columns_[static_cast<size_t>(received_column_)];
  layout_ = options_.layout;
  report_->layout_detected = layout_ == Layout::kDetect;
  if (layout_ == Layout::kDetect) {
    layout_ = sensor_column_ >= 0 && value_column_ >= 0 ? Layout::kLong : Layout::kWide;
  }
  report_->layout = layout_;
  if (layout_ == Layout::kLong) {
    if (sensor_column_ < 0 || value_column_ < 0) {
      *error = fmt::format("{}: the long layout needs columns sensor and value; add them, or pass --layout wide "
                           "for one column per sensor",
                           Where());
      return false;
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      const int index = static_cast<int>(i);
      if (index != time_column_ && index != device_column_ && index != received_column_ && index != sensor_column_ &&
          index != value_column_) {
        report_->ignored_columns.push_back(columns_[i]);
      }
    }
  } else {
    for (size_t i = 0; i < columns_.size(); ++i) {
      const int index = static_cast<int>(i);
      if (index != time_column_ && index != device_column_ && index != received_column_) sensor_columns_.push_back(index);
    }
    if (sensor_columns_.empty()) {
      *error = fmt::format("{}: no sensor columns: the wide layout takes one column per sensor after {} and {}",
                           Where(), columns_[static_cast<size_t>(time_column_)],
                           columns_[static_cast<size_t>(device_column_)]);
      return false;
    }
  }
  return true;
}

bool Ingester::ParseJsonHeader(std::string_view line, std::string* error) {
  const nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded() || !record.is_object()) {
    *error = fmt::format("{}: not a JSON object; JSON Lines input has one object per line, "
                         "e.g. {{\"ts\": \"2024-03-01T00:00:00Z\", \"device_id\": \"d-1\", \"sensor\": \"temp\", "
                         "\"value\": 21.5}}",
                         Where());
    return false;
  }
  bool has_sensor = false, has_value = false;
  for (const auto& [key, value] : record.items()) {
    const std::string lower = Lower(key);
    if (json_time_key_.empty() && OneOf(lower, kTimeColumns)) json_time_key_ = key;
    else if (json_device_key_.empty() && OneOf(lower, kDeviceColumns)) json_device_key_ = key;
    else if (json_received_key_.empty() && OneOf(lower, kReceivedColumns)) json_received_key_ = key;
    else if (key == "sensor") has_sensor = true;
    else if (key == "value") has_value = true;
  }
  if (json_time_key_.empty() || json_device_key_.empty()) {
    *error = fmt::format("{}: the first record has no {} field ({}); every record needs one", Where(),
                         json_time_key_.empty() ? "timestamp" : "device",
                         json_time_key_.empty() ? "ts, timestamp or time" : "device_id or device");
    return false;
  }
  has_received_ = !json_received_key_.empty();
  report_->received_column = json_received_key_;
  layout_ = options_.layout;
  report_->layout_detected = layout_ == Layout::kDetect;
  if (layout_ == Layout::kDetect) layout_ = has_sensor && has_value ? Layout::kLong : Layout::kWide;
  report_->layout = layout_;
  return true;
}

bool Ingester::ResolveTimeFormat(std::string_view text, std::string* error) {
  if (time_format_ != TimeFormat::kDetect) return true;
  if (options_.time_format != TimeFormat::kDetect) {
    time_format_ = options_.time_format;
    report_->time_format = time_format_;
    return true;
  }
  if (text.empty()) return true;  // the row is refused for its empty timestamp; decide on the next
  if (IsEpochText(text)) {
    const TimeFormat unit = EpochUnitOf(text);
    if (unit == TimeFormat::kDetect) {
      *error = fmt::format("{}: cannot tell the time format of {}: as an epoch time it is not between 1980 and 2100 "
                           "in seconds, milliseconds or microseconds; pass --time-format epoch-s, epoch-ms, epoch-us "
                           "or rfc3339",
                           Where(), Quote(text));
      return false;
    }
    time_format_ = unit;
  } else {
    time_format_ = TimeFormat::kRfc3339;
  }
  report_->time_format = time_format_;
  report_->time_format_detected = true;
  report_->time_format_line = line_number_;
  return true;
}

std::optional<RowError> Ingester::ParseTime(std::string_view text, std::string_view column, int64_t* us) {
  text = Trim(text);
  if (text.empty()) return RowError{fmt::format("empty {}; every row needs its timestamp", column)};
  std::string why;
  if (time_format_ == TimeFormat::kRfc3339) {
    if (ParseRfc3339(text, us, &why)) return std::nullopt;
    return RowError{fmt::format("{} {} is not an RFC 3339 timestamp: it {}; write it like 2024-03-01T12:00:00Z{}",
                                column, Quote(text), why,
                                IsEpochText(text) ? " (or pass --time-format for epoch times)" : "")};
  }
  if (!IsEpochText(text)) {
    return RowError{fmt::format("{} {} is not an epoch time in {}; write a number, or pass --time-format rfc3339",
                                column, Quote(text), TimeFormatName(time_format_))};
  }
  if (report_->time_format_detected) {
    const TimeFormat unit = EpochUnitOf(text);
    if (unit != time_format_) {
      file_error_ = fmt::format("{}: {} {} does not look like {} as detected from line {}; pass --time-format to "
                                "say which unit the file uses",
                                Where(), column, Quote(text), TimeFormatName(time_format_), report_->time_format_line);
      return RowError{};
    }
  }
  if (!ParseEpoch(text, time_format_, us, &why)) {
    return RowError{fmt::format("{} {} {}; write an epoch time in {}", column, Quote(text), why,
                                TimeFormatName(time_format_))};
  }
  return std::nullopt;
}

namespace {

// Parses a value cell; an empty or missing-word cell is nullopt in `*value`.
bool ParseValue(std::string_view cell, std::optional<double>* value) {
  cell = Trim(cell);
  if (IsMissing(cell)) {
    value->reset();
    return true;
  }
  if (cell.size() > 1 && cell.front() == '+' && cell[1] != '-') cell.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (end != cell.data() + cell.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) return false;
  if (ec == std::errc::result_out_of_range) {
    // Beyond a double's range: strtod's answer (±inf or a denormal/zero) is the honest value.
    const std::string copy(cell);
    v = std::strtod(copy.c_str(), nullptr);
  }
  *value = v;
  return true;
}

std::string ValueError(std::string_view column, std::string_view cell) {
  return fmt::format("{} {} is not a number; write a decimal number or NaN, or leave the cell empty for a missing "
                     "value",
                     column, Quote(Trim(cell)));
}

}  // namespace

std::optional<RowError> Ingester::CsvRow(std::string_view line) {
  std::string why;
  if (!SplitCsv(line, &why)) return RowError{why};
  if (fields_.size() != columns_.size()) {
    return RowError{fmt::format("{} fields, but the header has {} columns; quote fields that contain commas",
                                fields_.size(), columns_.size())};
  }
  const std::string_view ts_text = Trim(fields_[static_cast<size_t>(time_column_)]);
  if (!ResolveTimeFormat(ts_text, &file_error_)) return RowError{};
  int64_t ts = 0;
  if (auto bad = ParseTime(ts_text, columns_[static_cast<size_t>(time_column_)], &ts)) return bad;
  const std::string_view device = Trim(fields_[static_cast<size_t>(device_column_)]);
  if (device.empty()) {
    return RowError{fmt::format("empty {}; every row names its device", columns_[static_cast<size_t>(device_column_)])};
  }
  int64_t received = kReceiveTimeUnknown;
  if (received_column_ >= 0) {
    const std::string_view text = Trim(fields_[static_cast<size_t>(received_column_)]);
    if (!IsMissing(text)) {
      if (auto bad = ParseTime(text, columns_[static_cast<size_t>(received_column_)], &received)) return bad;
    }
  }
  if (layout_ == Layout::kLong) {
    const std::string_view sensor = Trim(fields_[static_cast<size_t>(sensor_column_)]);
    if (sensor.empty()) return RowError{"empty sensor; every row names its sensor"};
    std::optional<double> value;
    const std::string_view cell = fields_[static_cast<size_t>(value_column_)];
    if (!ParseValue(cell, &value)) return RowError{ValueError(columns_[static_cast<size_t>(value_column_)], cell)};
    // A row without a value is a sample that arrived empty: stored as NaN, so that it counts as missing.
    Add(StreamIndex(device, sensor), ts, value.value_or(std::numeric_limits<double>::quiet_NaN()), received);
    return std::nullopt;
  }
  // Wide: check every cell before adding any, so that a refused row adds nothing.
  double values[256];
  std::vector<double> many;
  double* parsed = values;
  if (sensor_columns_.size() > std::size(values)) {
    many.resize(sensor_columns_.size());
    parsed = many.data();
  }
  uint64_t present_count = 0;
  std::vector<bool> present(sensor_columns_.size());
  for (size_t k = 0; k < sensor_columns_.size(); ++k) {
    const std::string_view cell = fields_[static_cast<size_t>(sensor_columns_[k])];
    std::optional<double> value;
    if (!ParseValue(cell, &value)) return RowError{ValueError(columns_[static_cast<size_t>(sensor_columns_[k])], cell)};
    present[k] = value.has_value();
    present_count += present[k];
    if (value) parsed[k] = *value;
  }
  if (present_count == 0) return std::nullopt;
  if (!wide_cache_ || device != wide_last_device_) {
    auto [it, inserted] = wide_streams_.try_emplace(std::string(device));
    if (inserted) {
      for (int column : sensor_columns_) {
        it->second.push_back(StreamIndex(device, columns_[static_cast<size_t>(column)]));
      }
    }
    wide_last_device_.assign(device);
    wide_cache_ = &it->second;  // map nodes stay put when the map grows
  }
  const std::vector<uint32_t>& streams = *wide_cache_;
  for (size_t k = 0; k < sensor_columns_.size(); ++k) {
    if (present[k]) Add(streams[k], ts, parsed[k], received);
  }
  return std::nullopt;
}

std::optional<RowError> Ingester::JsonRow(std::string_view line) {
  const nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded()) return RowError{"not valid JSON; each line holds one JSON object"};
  if (!record.is_object()) return RowError{"not a JSON object; each line holds one JSON object"};
  auto text_of = [](const nlohmann::json& v) -> std::optional<std::string> {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return fmt::format("{}", v.get<int64_t>());
    if (v.is_number_unsigned()) return fmt::format("{}", v.get<uint64_t>());
    if (v.is_number_float()) return fmt::format("{:.6f}", v.get<double>());
    return std::nullopt;
  };
  auto time_it = record.find(json_time_key_);
  if (time_it == record.end()) return RowError{fmt::format("no \"{}\" field; every record needs one", json_time_key_)};
  std::optional<std::string> ts_text = text_of(*time_it);
  if (!ts_text) return RowError{fmt::format("\"{}\" is neither a string nor a number", json_time_key_)};
  if (!ResolveTimeFormat(Trim(*ts_text), &file_error_)) return RowError{};
  int64_t ts = 0;
  if (auto bad = ParseTime(*ts_text, json_time_key_, &ts)) return bad;
  auto device_it = record.find(json_device_key_);
  std::optional<std::string> device = device_it == record.end() ? std::nullopt : text_of(*device_it);
  if (!device || device->empty()) {
    return RowError{fmt::format("no \"{}\" string; every record names its device", json_device_key_)};
  }
  int64_t received = kReceiveTimeUnknown;
  if (has_received_) {
    auto it = record.find(json_received_key_);
    if (it != record.end() && !it->is_null()) {
      std::optional<std::string> text = text_of(*it);
      if (!text) return RowError{fmt::format("\"{}\" is neither a string nor a number", json_received_key_)};
      if (auto bad = ParseTime(*text, json_received_key_, &received)) return bad;
    }
  }
  auto value_of = [](const nlohmann::json& v, std::optional<double>* out) {
    if (v.is_null()) {
      out->reset();
      return true;
    }
    if (v.is_number()) {
      *out = v.get<double>();
      return true;
    }
    return v.is_string() && ParseValue(v.get_ref<const std::string&>(), out);
  };
  if (layout_ == Layout::kLong) {
    auto sensor_it = record.find("sensor");
    if (sensor_it == record.end() || !sensor_it->is_string() || sensor_it->get_ref<const std::string&>().empty()) {
      return RowError{"no \"sensor\" string; every record names its sensor"};
    }
    auto value_it = record.find("value");
    std::optional<double> value;
    if (value_it != record.end() && !value_of(*value_it, &value)) return RowError{ValueError("value", value_it->dump())};
    Add(StreamIndex(*device, sensor_it->get_ref<const std::string&>()), ts,
        value.value_or(std::numeric_limits<double>::quiet_NaN()), received);
    return std::nullopt;
  }
  std::vector<std::pair<const std::string*, double>> samples;
  for (const auto& [key, v] : record.items()) {
    if (key == json_time_key_ || key == json_device_key_ || key == json_received_key_) continue;
    std::optional<double> value;
    if (!value_of(v, &value)) return RowError{ValueError(key, v.dump())};
    if (value) samples.emplace_back(&key, *value);
  }
  for (const auto& [key, value] : samples) Add(StreamIndex(*device, *key), ts, value, received);
  return std::nullopt;
}

uint32_t Ingester::StreamIndex(std::string_view device, std::string_view sensor) {
  if (last_stream_ != UINT32_MAX && device == last_device_ && sensor == last_sensor_) return last_stream_;
  key_scratch_.assign(device);
  key_scratch_.push_back('\0');
  key_scratch_.append(sensor);
  auto [it, inserted] = stream_index_.try_emplace(key_scratch_, static_cast<uint32_t>(streams_.size()));
  if (inserted) {
    streams_.emplace_back();
    streams_.back().key = StreamKey{std::string(device), std::string(sensor)};
  }
  last_device_.assign(device);
  last_sensor_.assign(sensor);
  last_stream_ = it->second;
  return it->second;
}

void Ingester::Add(uint32_t stream, int64_t ts, double value, int64_t received) {
  StreamBuffer& s = streams_[stream];
  s.batch.timestamps_us.push_back(ts);
  s.batch.values.push_back(value);
  if (has_received_) s.batch.received_us.push_back(received);
  s.touched = true;
  ++buffered_;
  ++report_->samples;
}

bool Ingester::Flush(std::string* error) {
  for (StreamBuffer& s : streams_) {
    if (s.batch.size() == 0) continue;
    const auto [low, high] = std::minmax_element(s.batch.timestamps_us.begin(), s.batch.timestamps_us.end());
    const int64_t first = *low, last = *high;
    s.batch.arrived_after_us = s.written_max;
    s.batch.input_first_us = s.written_first;
    s.batch.input_last_us = s.written_last;
    if (!store_->WriteSamples(s.key, &s.batch, &report_->write, error)) return false;
    s.batch.clear();
    s.written_max = std::max(s.written_max, last);
    s.written_first = std::min(s.written_first, first);
    s.written_last = std::max(s.written_last, last);
  }
  buffered_ = 0;
  return true;
}

std::string NowRfc3339() {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace

bool IngestInput(TelemetryStore* store, const std::string& path, const IngestOptions& options, IngestReport* report,
                 std::string* error) {
  *report = IngestReport();
  report->source = path;
  error->clear();
  if (path != "-") {
    if (!DigestFile(path, &report->sha256, error)) return false;
    std::optional<IngestRecord> previous = store->FindIngest(report->sha256, error);
    if (!error->empty()) return false;
    if (previous) {
      report->already_ingested = true;
      report->previous_ingest = previous->ingested_at;
      return true;
    }
  }
  if (!store->BeginWrite(error)) return false;
  // Messages name standard input "<stdin>"; the store records it as "-".
  const std::string shown = path == "-" ? "<stdin>" : path;
  Ingester ingester(store, path, shown, options, report);
  if (!ingester.Run(error)) {
    store->RollbackWrite();
    return false;
  }
  if (path == "-") {
    std::optional<IngestRecord> previous = store->FindIngest(report->sha256, error);
    if (!error->empty() || previous) {
      store->RollbackWrite();
      if (previous) {
        report->already_ingested = true;
        report->previous_ingest = previous->ingested_at;
      }
      return error->empty();
    }
  }
  for (QuarantinedRow& row : ingester.quarantined) {
    row.sha256 = report->sha256;
    if (!store->Quarantine(row, error)) {
      store->RollbackWrite();
      return false;
    }
  }
  IngestRecord record;
  record.sha256 = report->sha256;
  record.source = path;
  record.ingested_at = options.now_rfc3339 ? options.now_rfc3339() : NowRfc3339();
  record.rows = report->rows;
  record.accepted = report->write.stored;
  record.rejected = report->rejected;
  record.duplicates = report->write.duplicates + report->write.overlap;
  if (!store->RecordIngest(record, error) || !store->CommitWrite(error)) {
    store->RollbackWrite();
    return false;
  }
  return true;
}

}  // namespace stagegate::contracts
