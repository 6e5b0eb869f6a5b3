#include "evaluators/drift/csv_columns.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <string_view>
#include <thread>

#include <fmt/format.h>

namespace stagegate::drift {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int ThreadCount(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

bool IsBlankLine(const char* p, const char* end) {
  return p < end && (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n')));
}

// Skips a blank line at `p` (LF, CRLF or a lone CR at the end).
const char* SkipBlankLine(const char* p, const char* end) {
  if (*p == '\r') ++p;
  if (p < end && *p == '\n') ++p;
  return p;
}

// Powers of ten exactly representable as doubles.
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Reads plain decimals ("-12.3456") with at most 15 digits and no exponent:
// the digits form an integer below 2^53 and the divisor 10^k (k <= 22) is
// exact, so one IEEE division gives the correctly rounded value, the same
// double from_chars returns (Clinger's fast path). Returns false for
// anything else, which from_chars then reads.
bool ParsePlainDecimal(std::string_view text, double* value) {
  const char* p = text.data();
  const char* end = p + text.size();
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  std::uint64_t mantissa = 0;
  int digits = 0, fraction = -1;
  for (; p < end; ++p) {
    const char c = *p;
    if (c >= '0' && c <= '9') {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(c - '0');
      ++digits;
      if (fraction >= 0) ++fraction;
    } else if (c == '.' && fraction < 0) {
      fraction = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15) return false;
  double v = static_cast<double>(mantissa);
  if (fraction > 0) v /= kExactPowersOfTen[fraction];
  *value = negative ? -v : v;
  return true;
}

// Parses a cell as a number: from_chars after trimming spaces and one
// leading '+'. Returns false when the text is not a number.
bool ParseNumber(std::string_view text, double* value) {
  if (ParsePlainDecimal(text, value)) return true;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  if (end != text.data() + text.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // Overflow to ±inf and underflow to 0, as strtod (and pandas) read them.
    const std::string copy(text);
    *value = std::strtod(copy.c_str(), nullptr);
    return true;
  }
  return ec == std::errc();
}

// Reads one field at *p into *value (unescaped into *buffer when quoted) and
// advances *p past it. Counts line breaks inside quotes into *line.
// Returns false (with *error) for an unclosed quote or text after one.
bool ReadField(const char** p, const char* end, std::string* buffer, std::string_view* value, std::int64_t* line,
               std::string* error, const std::string& path) {
  const char* q = *p;
  if (q < end && *q == '"') {
    const std::int64_t start_line = *line;
    buffer->clear();
    ++q;
    while (true) {
      const auto* quote = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(end - q)));
      if (quote == nullptr) {
        *error = fmt::format("{}:{}: a quoted field is not closed; end it with a double quote (write \"\" for a quote "
                             "inside it)",
                             path, start_line);
        return false;
      }
      buffer->append(q, quote);
      *line += std::count(q, quote, '\n');
      if (quote + 1 < end && quote[1] == '"') {
        buffer->push_back('"');
        q = quote + 2;
        continue;
      }
      q = quote + 1;
      break;
    }
    if (q < end && *q != ',' && *q != '\n' && *q != '\r') {
      *error = fmt::format("{}:{}: text follows a closing quote; quote the whole field and write \"\" for a quote "
                           "inside it",
                           path, *line);
      return false;
    }
    *value = *buffer;
    *p = q;
    return true;
  }
  const char* start = q;
  while (q < end && *q != ',' && *q != '\n' && *q != '\r') ++q;
  *value = std::string_view(start, static_cast<std::size_t>(q - start));
  *p = q;
  return true;
}

// Reserves `size` values and asks for transparent huge pages before the
// memory is first touched: a 3,000,000-row column then takes 12 page faults
// instead of 6,000.
void AdviseHugePages(std::vector<double>* values, std::size_t size) {
  values->reserve(size);
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(values->data());
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = (begin + size * sizeof(double)) & ~(kHugePage - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

std::string RaggedMessage(const std::string& path, std::int64_t line, std::size_t fields, std::size_t expected) {
  return fmt::format("{}:{}: the row has {} field{} but the header has {}; fix the row, or quote fields that contain "
                     "commas",
                     path, line, fields, fields == 1 ? "" : "s", expected);
}

}  // namespace

CsvFile::~CsvFile() {
  if (data_ != nullptr && size_ > 0) ::munmap(const_cast<char*>(data_), size_);
}

std::unique_ptr<CsvFile> CsvFile::Open(const std::string& path, int threads, std::string* error) {
  std::unique_ptr<CsvFile> file(new CsvFile());
  file->path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = fmt::format("{}: cannot open the file ({}); check the path and its permissions", path,
                         std::strerror(errno));
    return nullptr;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    *error = fmt::format("{}: not a regular file; give the path of a CSV file", path);
    return nullptr;
  }
  file->size_ = static_cast<std::uint64_t>(info.st_size);
  if (file->size_ > 0) {
    void* mapped = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      ::close(fd);
      file->size_ = 0;
      *error = fmt::format("{}: cannot read the file ({}); check that it is readable", path, std::strerror(errno));
      return nullptr;
    }
    ::madvise(mapped, file->size_, MADV_SEQUENTIAL);
    file->data_ = static_cast<const char*>(mapped);
  }
  ::close(fd);

  const char* begin = file->data_;
  const char* end = begin + file->size_;
  const char* p = begin;
  if (end - p >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;  // UTF-8 byte order mark
  std::int64_t line = 1;
  while (IsBlankLine(p, end)) {
    p = SkipBlankLine(p, end);
    ++line;
  }
  if (p >= end) {
    *error = fmt::format("{}:1: the file is empty; a CSV needs a header row naming its columns", path);
    return nullptr;
  }
  std::string buffer;
  std::set<std::string> seen;
  while (true) {
    std::string_view value;
    if (!ReadField(&p, end, &buffer, &value, &line, error, path)) return nullptr;
    if (!seen.insert(std::string(value)).second) {
      *error = fmt::format("{}:{}: the header names column '{}' twice; give every column a distinct name", path, line,
                           value);
      return nullptr;
    }
    file->header_.emplace_back(value);
    if (p < end && *p == ',') {
      ++p;
      continue;
    }
    break;
  }
  if (p < end && *p == '\r') ++p;
  if (p < end && *p == '\n') ++p;
  ++line;

  const auto body = static_cast<std::uint64_t>(p - begin);
  const bool quoted = std::memchr(p, '"', static_cast<std::size_t>(end - p)) != nullptr;
  file->quoted_ = quoted;
  const int parts = quoted ? 1 : ThreadCount(threads);
  // Chunk boundaries at line starts.
  std::vector<std::uint64_t> bounds{body};
  for (int k = 1; k < parts; ++k) {
    std::uint64_t target = body + (file->size_ - body) * static_cast<std::uint64_t>(k) / static_cast<std::uint64_t>(parts);
    target = std::max(target, bounds.back());
    const auto* nl = static_cast<const char*>(std::memchr(begin + target, '\n', file->size_ - target));
    bounds.push_back(nl == nullptr ? file->size_ : static_cast<std::uint64_t>(nl - begin) + 1);
  }
  bounds.push_back(file->size_);
  const std::size_t chunks = bounds.size() - 1;
  std::vector<std::int64_t> rows(chunks, 0), lines(chunks, 0);
  std::vector<std::string> errors(chunks);
  const auto count = [&](std::size_t k) {
    const char* q = begin + bounds[k];
    const char* stop = begin + bounds[k + 1];
    std::int64_t line_in_chunk = 0;
    while (q < stop) {
      if (quoted) {
        // Walk the record: quotes may hide line breaks and commas.
        const bool blank = IsBlankLine(q, stop);
        // A quote opens a quoted field only at the field's start, as
        // ReadField reads it, so both passes see the same rows.
        bool in_quote = false;
        bool field_start = true;
        const std::int64_t record_line = line + line_in_chunk;
        while (q < stop) {
          const char c = *q++;
          if (in_quote) {
            if (c == '"') {
              if (q < stop && *q == '"') {
                ++q;
              } else {
                in_quote = false;
              }
            } else if (c == '\n') {
              ++line_in_chunk;
            }
          } else if (c == '"' && field_start) {
            in_quote = true;
          } else if (c == '\n') {
            break;
          }
          field_start = c == ',';
        }
        if (in_quote) {
          errors[k] = fmt::format("{}:{}: a quoted field is not closed; end it with a double quote (write \"\" for a "
                                  "quote inside it)",
                                  path, record_line);
          return;
        }
        ++line_in_chunk;
        if (!blank) ++rows[k];
        continue;
      }
      const auto* nl = static_cast<const char*>(std::memchr(q, '\n', static_cast<std::size_t>(stop - q)));
      const char* line_end = nl == nullptr ? stop : nl;
      const bool blank = line_end == q || (line_end - q == 1 && *q == '\r');
      if (!blank) ++rows[k];
      ++line_in_chunk;
      q = nl == nullptr ? stop : nl + 1;
    }
    lines[k] = line_in_chunk;
  };
  std::vector<std::thread> workers;
  for (std::size_t k = 1; k < chunks; ++k) workers.emplace_back(count, k);
  count(0);
  for (auto& worker : workers) worker.join();
  for (const auto& e : errors) {
    if (!e.empty()) {
      *error = e;
      return nullptr;
    }
  }
  std::int64_t row = 0;
  for (std::size_t k = 0; k < chunks; ++k) {
    file->chunks_.push_back({bounds[k], bounds[k + 1], row, line});
    row += rows[k];
    line += lines[k];
  }
  file->rows_ = row;
  return file;
}

std::optional<int> CsvFile::Find(const std::string& name) const {
  const auto it = std::find(header_.begin(), header_.end(), name);
  if (it == header_.end()) return std::nullopt;
  return static_cast<int>(it - header_.begin());
}

bool CsvFile::ReadChunk(const Chunk& chunk, std::span<const int> slot_of_column, std::size_t last_selected,
                        std::span<const char> text_mode,
                        std::vector<CsvColumn>* columns, std::vector<char>* not_numeric, std::string* error,
                        std::int64_t* error_line) const {
  const char* p = data_ + chunk.begin;
  const char* end = data_ + chunk.end;
  std::int64_t row = chunk.first_row;
  std::int64_t line = chunk.first_line;
  const std::size_t expected = header_.size();
  std::string buffer;
  while (p < end) {
    if (IsBlankLine(p, end)) {
      p = SkipBlankLine(p, end);
      ++line;
      continue;
    }
    const std::int64_t row_line = line;
    if (row >= rows_) {  // the row index pass and this one disagree: a bug, refuse
      *error = fmt::format("{}:{}: more rows than the first pass counted; please report this file", path_, line);
      *error_line = row_line;
      return false;
    }
    for (std::size_t f = 0; f < expected; ++f) {
      std::string_view value;
      if (!ReadField(&p, end, &buffer, &value, &line, error, path_)) {
        *error_line = row_line;
        return false;
      }
      const int slot = slot_of_column[f];
      if (slot >= 0) {
        CsvColumn& column = (*columns)[static_cast<std::size_t>(slot)];
        const auto index = static_cast<std::size_t>(row);
        if (text_mode[static_cast<std::size_t>(slot)] != 0) {
          column.strings[index].assign(value);
        } else if (value.empty()) {
          column.numbers[index] = kNaN;
        } else if (!ParseNumber(value, &column.numbers[index])) {
          column.numbers[index] = kNaN;
          (*not_numeric)[static_cast<std::size_t>(slot)] = 1;
        }
      }
      const bool at_line_end = p >= end || *p == '\n' || *p == '\r';
      if (f == last_selected && f + 1 < expected && !quoted_ && !at_line_end) {
        // No selected column follows and no quote can hide a separator:
        // check the field count by counting commas (vectorised) and jump to
        // the line end.
        const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const char* line_end = nl == nullptr ? end : nl;
        if (line_end > p && line_end[-1] == '\r') --line_end;
        const auto fields = f + 1 + static_cast<std::size_t>(std::count(p, line_end, ','));
        if (fields != expected) {
          *error = RaggedMessage(path_, row_line, fields, expected);
          *error_line = row_line;
          return false;
        }
        p = line_end;
        break;
      }
      if (f + 1 < expected) {
        if (at_line_end) {
          *error = RaggedMessage(path_, row_line, f + 1, expected);
          *error_line = row_line;
          return false;
        }
        ++p;  // the comma
      } else if (!at_line_end) {
        std::size_t fields = expected;
        while (p < end && *p == ',') {
          ++p;
          ++fields;
          if (!ReadField(&p, end, &buffer, &value, &line, error, path_)) break;
        }
        *error = RaggedMessage(path_, row_line, fields, expected);
        *error_line = row_line;
        return false;
      }
    }
    if (p < end && *p == '\r') ++p;
    if (p < end && *p != '\n') {
      *error = fmt::format("{}:{}: a carriage return without a line feed; end lines with LF or CRLF", path_, line);
      *error_line = row_line;
      return false;
    }
    if (p < end) ++p;
    ++line;
    ++row;
  }
  return true;
}

bool CsvFile::Read(std::span<const int> indices, std::span<const int> as_text, std::vector<CsvColumn>* columns,
                   std::string* error) const {
  std::vector<int> slot_of_column(header_.size(), -1);
  std::vector<char> text_mode(indices.size(), 0);
  columns->assign(indices.size(), CsvColumn{});
  for (std::size_t s = 0; s < indices.size(); ++s) {
    slot_of_column[static_cast<std::size_t>(indices[s])] = static_cast<int>(s);
    CsvColumn& column = (*columns)[s];
    column.name = header_[static_cast<std::size_t>(indices[s])];
    if (std::find(as_text.begin(), as_text.end(), indices[s]) != as_text.end()) text_mode[s] = 1;
    column.numeric = text_mode[s] == 0;
    if (column.numeric) {
      AdviseHugePages(&column.numbers, static_cast<std::size_t>(rows_));
      column.numbers.resize(static_cast<std::size_t>(rows_));
    } else {
      column.strings.resize(static_cast<std::size_t>(rows_));
    }
  }
  const auto run = [&](std::span<const int> slots, std::span<const char> modes, std::vector<CsvColumn>* out,
                       std::vector<char>* not_numeric) {
    std::size_t last = 0;
    for (std::size_t f = 0; f < slots.size(); ++f) {
      if (slots[f] >= 0) last = f;
    }
    std::vector<std::string> errors(chunks_.size());
    std::vector<std::int64_t> lines(chunks_.size(), std::numeric_limits<std::int64_t>::max());
    std::vector<std::vector<char>> flags(chunks_.size(), std::vector<char>(modes.size(), 0));
    std::vector<std::thread> workers;
    for (std::size_t k = 1; k < chunks_.size(); ++k) {
        workers.emplace_back(
          [&, k] { ReadChunk(chunks_[k], slots, last, modes, out, &flags[k], &errors[k], &lines[k]); });
    }
    if (!chunks_.empty()) ReadChunk(chunks_[0], slots, last, modes, out, &flags[0], &errors[0], &lines[0]);
    for (auto& worker : workers) worker.join();
    const auto first = std::min_element(lines.begin(), lines.end());
    if (first != lines.end() && *first != std::numeric_limits<std::int64_t>::max()) {
      *error = errors[static_cast<std::size_t>(first - lines.begin())];
      return false;
    }
    not_numeric->assign(modes.size(), 0);
    for (const auto& f : flags) {
      for (std::size_t s = 0; s < f.size(); ++s) (*not_numeric)[s] |= f[s];
    }
    return true;
  };
  std::vector<char> not_numeric;
  if (!run(slot_of_column, text_mode, columns, &not_numeric)) return false;
  // Columns with a cell that is not a number: read them again as text.
  std::vector<int> again(header_.size(), -1);
  std::vector<CsvColumn> text_columns;
  std::vector<std::size_t> targets;
  for (std::size_t s = 0; s < indices.size(); ++s) {
    if (not_numeric[s] == 0) continue;
    again[static_cast<std::size_t>(indices[s])] = static_cast<int>(targets.size());
    targets.push_back(s);
    CsvColumn column;
    column.name = (*columns)[s].name;
    column.numeric = false;
    column.strings.resize(static_cast<std::size_t>(rows_));
    text_columns.push_back(std::move(column));
  }
  if (targets.empty()) return true;
  std::vector<char> all_text(targets.size(), 1);
  if (!run(again, all_text, &text_columns, &not_numeric)) return false;
  for (std::size_t t = 0; t < targets.size(); ++t) (*columns)[targets[t]] = std::move(text_columns[t]);
  return true;
}

bool ReadCsvColumns(const std::string& path, const CsvReadOptions& options, std::vector<CsvColumn>* columns,
                    std::string* error) {
  const auto file = CsvFile::Open(path, options.threads, error);
  if (!file) return false;
  std::vector<int> indices;
  if (options.columns.empty()) {
    for (std::size_t i = 0; i < file->header().size(); ++i) indices.push_back(static_cast<int>(i));
  } else {
    for (const std::string& name : options.columns) {
      const auto index = file->Find(name);
      if (!index) {
        std::string names;
        for (const auto& h : file->header()) names += (names.empty() ? "" : ", ") + h;
        *error = fmt::format("{}:1: no column named '{}' (the header has: {}); check --columns", path, name, names);
        return false;
      }
      indices.push_back(*index);
    }
  }
  return file->Read(indices, {}, columns, error);
}

}  // namespace stagegate::drift
