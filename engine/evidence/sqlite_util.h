#pragma once
// Small RAII helpers over the SQLite C API for the evidence store.

#include <cstdint>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace stagegate::evidence::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return statement_ != nullptr; }
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, const void* data, size_t size);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  void Reset();

  int64_t Integer(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string Text(int column) const;
  std::string_view Blob(int column) const;
  bool IsNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

// Runs SQL without results; returns SQLITE_OK or the error code.
int Execute(sqlite3* db, std::string_view sql);

// "disk full", "read-only", ... with SQLite's message, for error lines.
std::string Describe(sqlite3* db, int code);

}  // namespace stagegate::evidence::sqlite
