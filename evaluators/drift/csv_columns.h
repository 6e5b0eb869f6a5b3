// Reads CSV files column by column for `stagegate drift compare`: a header
// row, comma separators, fields quoted per RFC 4180 ("" is a quote inside a
// quoted field; quoted fields may hold commas and line breaks), LF or CRLF
// line ends. Blank lines are skipped (as pandas does).
//
// A column is numeric when every non-empty cell parses as a double
// (std::from_chars, optionally with a leading '+' and surrounding spaces;
// "nan", "inf", "-inf", "infinity" in any case are numeric specials); an
// empty cell is a missing value, NaN. Otherwise the column is categorical
// and keeps its cells as text ("" for an empty cell).
//
// The file is memory-mapped. Reading splits the rows into one chunk per
// thread when the file holds no quote character (a quoted field could hide a
// line break, so quoted files are read by one thread). A CsvFile can read
// any subset of its columns, repeatedly, so that a caller can bound its
// memory by reading a group of columns at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace stagegate::drift {

struct CsvColumn {
  std::string name;
  bool numeric = true;
  std::vector<double> numbers;       // numeric columns: one per row, NaN when empty
  std::vector<std::string> strings;  // categorical columns: one per row, "" when empty
};

class CsvFile {
 public:
  // Maps `path` and reads its header and row boundaries. On failure returns
  // null and sets *error to one line naming the file (and line) and what to do.
  static std::unique_ptr<CsvFile> Open(const std::string& path, int threads, std::string* error);
  ~CsvFile();
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<std::string>& header() const { return header_; }
  std::int64_t rows() const { return rows_; }
  std::uint64_t size_bytes() const { return size_; }
  // Returns the index of the column named `name`, or nullopt.
  std::optional<int> Find(const std::string& name) const;

  // Reads the columns at `indices` (header positions). A column listed in
  // `as_text` (header positions) is read as categorical even if numeric.
  // Returns false with *error set for a ragged row or a broken quote.
  bool Read(std::span<const int> indices, std::span<const int> as_text, std::vector<CsvColumn>* columns,
            std::string* error) const;

 private:
  struct Chunk {
    std::uint64_t begin = 0, end = 0;  // byte offsets of whole lines
    std::int64_t first_row = 0;        // index of the chunk's first data row
    std::int64_t first_line = 0;       // 1-based line number of `begin`
  };
  CsvFile() = default;
  bool ReadChunk(const Chunk& chunk, std::span<const int> slot_of_column, std::size_t last_selected,
                 std::span<const char> text_mode,
                 std::vector<CsvColumn>* columns, std::vector<char>* not_numeric, std::string* error,
                 std::int64_t* error_line) const;

  std::string path_;
  const char* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::vector<std::string> header_;
  std::int64_t rows_ = 0;
  std::vector<Chunk> chunks_;
  bool quoted_ = false;  // the body holds a quote character
};

struct CsvReadOptions {
  std::vector<std::string> columns;  // load only these (all when empty)
  int threads = 0;                   // 0: std::thread::hardware_concurrency()
};

// Reads the columns of a whole file (or the named ones) at once. Unknown
// column names are an error naming the file and the available columns.
bool ReadCsvColumns(const std::string& path, const CsvReadOptions& options, std::vector<CsvColumn>* columns,
                    std::string* error);

}  // namespace stagegate::drift
