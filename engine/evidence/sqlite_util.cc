#include "engine/evidence/sqlite_util.h"

#include <fmt/format.h>

namespace stagegate::evidence::sqlite {

Statement::Statement(sqlite3* db, std::string_view sql) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &statement_,
                         nullptr) != SQLITE_OK) {
    statement_ = nullptr;
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  if (statement_ != nullptr) sqlite3_bind_int64(statement_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (statement_ != nullptr) {
    sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  return *this;
}

Statement& Statement::BindBlob(int index, const void* data, size_t size) {
  if (statement_ != nullptr) sqlite3_bind_blob64(statement_, index, data, size, SQLITE_TRANSIENT);
  return *this;
}

int Statement::Step() { return statement_ == nullptr ? SQLITE_MISUSE : sqlite3_step(statement_); }

void Statement::Reset() {
  if (statement_ == nullptr) return;
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text),
                                                       static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

std::string_view Statement::Blob(int column) const {
  const void* data = sqlite3_column_blob(statement_, column);
  return data == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(data),
                                                                 static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

int Execute(sqlite3* db, std::string_view sql) {
  return sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, nullptr);
}

std::string Describe(sqlite3* db, int code) {
  const int primary = code & 0xff;
  std::string what;
  switch (primary) {
    case SQLITE_FULL: what = "the disk is full; free space and run again"; break;
    case SQLITE_READONLY: what = "the store is read-only; make it writable or choose another --evidence"; break;
    case SQLITE_CANTOPEN: what = "cannot open the file; check the path and its folder's permissions"; break;
    case SQLITE_PERM: what = "permission denied; check the file's permissions"; break;
    case SQLITE_IOERR: what = "an I/O error occurred (a full disk, a file-size limit or a failing device)"; break;
    case SQLITE_CORRUPT: what = "the file is corrupt"; break;
    case SQLITE_NOTADB: what = "the file is not a Stagegate evidence store (not SQLite)"; break;
    case SQLITE_BUSY: what = "another process holds the store's lock for too long"; break;
    default: what = "a database error occurred"; break;
  }
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  return fmt::format("{} [sqlite: {}]", what, message != nullptr ? message : sqlite3_errstr(code));
}

}  // namespace stagegate::evidence::sqlite
