#include "sqlite/sqlite_database.h"

#include <filesystem>
#include <system_error>
#include <utility>

namespace tc {
namespace {

constexpr int kBusyTimeoutMs = 10'000;

// A file: URI for `path` (RFC 3986 escaping of the characters SQLite's URI parser treats
// specially), with `query`.
std::string FileUri(const std::string& path, const std::string& query) {
  std::string uri = "file:";
  for (char c : path) {
    switch (c) {
      case '%':
        uri += "%25";
        break;
      case '?':
        uri += "%3f";
        break;
      case '#':
        uri += "%23";
        break;
      default:
        uri += c;
    }
  }
  return uri + "?" + query;
}

Error MissingFile(const std::string& path) {
  return MakeError(ErrorClass::kStore, "sqlite:" + path + ": no such database file");
}

}  // namespace

SqliteDatabase::SqliteDatabase(sqlite3* db, std::string path, SqliteOpenMode mode)
    : db_(db), path_(std::move(path)), mode_(mode) {}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             SqliteOpenMode mode) {
  if (path.empty() || path == ":memory:") {
    return MakeError(ErrorClass::kConfig,
                     "sqlite: needs a file path (an in-memory database would not be shared "
                     "between connections)");
  }
  std::error_code ec;
  if (mode != SqliteOpenMode::kCreate && !std::filesystem::exists(path, ec)) {
    return MissingFile(path);
  }
  if (mode == SqliteOpenMode::kCreate) {
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
      std::filesystem::create_directories(folder, ec);
      if (ec) {
        return MakeError(ErrorClass::kStore, "sqlite:" + path + ": cannot create folder " +
                                                 folder.string() + ": " + ec.message());
      }
    }
  }
  auto open = [&](const std::string& name, int flags) -> Result<std::unique_ptr<SqliteDatabase>> {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(db, path, mode));
    if (rc != SQLITE_OK) return database->Fail("cannot open");
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    return database;
  };

  if (mode != SqliteOpenMode::kReadOnly) {
    // Without SQLITE_OPEN_CREATE a file removed since the check above is an error, not a new file.
    const int flags =
        SQLITE_OPEN_READWRITE | (mode == SqliteOpenMode::kCreate ? SQLITE_OPEN_CREATE : 0);
    auto database = open(path, flags);
    if (!database.ok()) return database;
    if (Status wal = (*database)->ExecScript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                                             "cannot switch to WAL");
        !wal.ok()) {
      return wal.error();
    }
    return database;
  }

  // Read-only: reading the schema is the first access to the file, and the one that fails when a
  // WAL file's -shm index cannot be created.
  auto database = open(FileUri(path, "mode=ro"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  if (!database.ok()) return database;
  Status probe = (*database)->ExecScript("SELECT count(*) FROM sqlite_master", "cannot read");
  if (probe.ok()) return database;
  const int code = sqlite3_errcode((*database)->handle()) & 0xff;
  if (code != SQLITE_CANTOPEN && code != SQLITE_READONLY) return probe.error();
  // Nobody can be writing: a writer would have created the index. Read the file as it is.
  auto immutable =
      open(FileUri(path, "mode=ro&immutable=1"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  if (!immutable.ok()) return immutable;
  if (Status again = (*immutable)->ExecScript("SELECT count(*) FROM sqlite_master", "cannot read");
      !again.ok()) {
    return again.error();
  }
  return immutable;
}

Result<sqlite3_stmt*> SqliteDatabase::Prepare(const std::string& sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return found->second;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
      SQLITE_OK) {
    return Fail("cannot prepare a statement");
  }
  statements_.emplace(sql, statement);
  return statement;
}

Status SqliteDatabase::Exec(const std::string& sql, const std::string& what) {
  auto statement = Prepare(sql);
  if (!statement.ok()) return statement.error();
  const int rc = sqlite3_step(*statement);
  Status status = rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : Status(Fail(what));
  sqlite3_reset(*statement);
  return status;
}

Status SqliteDatabase::ExecScript(const std::string& sql, const std::string& what) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return Fail(what);
  return Status::Ok();
}

Error SqliteDatabase::Fail(const std::string& what) const {
  std::string message = "sqlite:" + path_ + ": " + what + ": " + sqlite3_errmsg(db_);
  if (message.find("no such table") != std::string::npos) message += missing_table_hint_;
  return MakeError(ErrorClass::kStore, std::move(message));
}

Status SqliteDatabase::CheckStillAtPath() const {
  int moved = 0;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
    return MakeError(ErrorClass::kStore,
                     "sqlite:" + path_ +
                         ": the database file was moved or deleted while open (its folder too?); "
                         "writes would be lost");
  }
  return Status::Ok();
}

}  // namespace tc
