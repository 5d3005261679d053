#include "tokens/sqlite_token_source.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

namespace tc {
namespace {

constexpr int kBusyTimeoutMs = 10'000;

// Rows with a usable token. SQLite's one-argument trim() strips spaces only, so the whitespace
// set is spelled out.
constexpr const char* kUsableToken =
    "token IS NOT NULL AND trim(token, ' ' || char(9, 10, 11, 12, 13)) <> ''";

bool IsPlainIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  if (std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string ColumnText(sqlite3_stmt* statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return text == nullptr ? std::string()
                         : std::string(text, sqlite3_column_bytes(statement, column));
}

}  // namespace

SqliteTokenSource::SqliteTokenSource(sqlite3* db, std::string path, std::string table)
    : db_(db), path_(std::move(path)), table_(std::move(table)) {}

SqliteTokenSource::~SqliteTokenSource() {
  sqlite3_finalize(page_statement_);
  sqlite3_finalize(lookup_statement_);
  sqlite3_close(db_);
}

Error SqliteTokenSource::StoreError(const std::string& what) const {
  return MakeError(ErrorClass::kStore, "token table \"" + table_ + "\" in sqlite:" + path_ + ": " +
                                           what + ": " + sqlite3_errmsg(db_));
}

Result<std::unique_ptr<SqliteTokenSource>> SqliteTokenSource::Open(const std::string& path,
                                                                   const std::string& table) {
  if (!IsPlainIdentifier(table)) {
    return MakeError(
        ErrorClass::kConfig,
        "tokens.table must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got \"" + table + "\"");
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteTokenSource> source(new SqliteTokenSource(db, path, table));
  if (rc != SQLITE_OK) return source->StoreError("cannot open");
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  const std::string quoted = "\"" + table + "\"";
  const std::string page_sql = "SELECT user_id, token FROM " + quoted +
                               " WHERE user_id >= ?1 AND " + kUsableToken +
                               " ORDER BY user_id, rowid LIMIT ?2";
  const std::string lookup_sql = "SELECT user_id, token FROM " + quoted +
                                 " WHERE user_id IN (SELECT value FROM json_each(?1)) AND " +
                                 kUsableToken + " ORDER BY user_id, rowid";
  if (sqlite3_prepare_v3(db, page_sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT,
                         &source->page_statement_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v3(db, lookup_sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT,
                         &source->lookup_statement_, nullptr) != SQLITE_OK) {
    return source->StoreError("cannot read user_id and token");
  }
  return source;
}

// A page is filled from row batches of (limit - users so far) rows. Duplicate rows of one user
// are adjacent (ORDER BY user_id, rowid), so the first row of each user wins; the next batch starts
// after the last user seen, so a user whose rows straddle a batch's LIMIT is neither repeated
// nor skipped. Each batch row adds at most one user, so the page never exceeds `limit`.
Result<std::vector<UserToken>> SqliteTokenSource::NextPage(std::optional<int64_t> after_user_id,
                                                           int limit) {
  if (limit <= 0) return MakeError(ErrorClass::kInternal, "token page limit must be positive");
  std::vector<UserToken> users;
  constexpr int64_t kMaxId = std::numeric_limits<int64_t>::max();
  if (after_user_id == kMaxId) return users;
  // Inclusive lower bound: the first page starts at INT64_MIN itself.
  int64_t cursor = after_user_id ? *after_user_id + 1 : std::numeric_limits<int64_t>::min();
  while (static_cast<int>(users.size()) < limit) {
    const int wanted = limit - static_cast<int>(users.size());
    sqlite3_reset(page_statement_);
    sqlite3_bind_int64(page_statement_, 1, cursor);
    sqlite3_bind_int(page_statement_, 2, wanted);
    int rows = 0;
    int rc;
    while ((rc = sqlite3_step(page_statement_)) == SQLITE_ROW) {
      ++rows;
      const int64_t user_id = sqlite3_column_int64(page_statement_, 0);
      if (!users.empty() && users.back().user_id == user_id) continue;
      users.push_back(UserToken{user_id, ColumnText(page_statement_, 1)});
    }
    sqlite3_reset(page_statement_);
    if (rc != SQLITE_DONE) return StoreError("reading a page");
    if (rows < wanted || users.back().user_id == kMaxId) break;  // no more rows
    cursor = users.back().user_id + 1;
  }
  return users;
}

Result<std::vector<UserToken>> SqliteTokenSource::Lookup(const std::vector<int64_t>& user_ids) {
  std::string id_array = "[";
  for (size_t i = 0; i < user_ids.size(); ++i) {
    if (i > 0) id_array += ',';
    id_array += std::to_string(user_ids[i]);
  }
  id_array += ']';
  sqlite3_reset(lookup_statement_);
  sqlite3_bind_text(lookup_statement_, 1, id_array.c_str(), static_cast<int>(id_array.size()),
                    SQLITE_TRANSIENT);
  std::vector<UserToken> users;
  int rc;
  while ((rc = sqlite3_step(lookup_statement_)) == SQLITE_ROW) {
    const int64_t user_id = sqlite3_column_int64(lookup_statement_, 0);
    if (!users.empty() && users.back().user_id == user_id) continue;
    users.push_back(UserToken{user_id, ColumnText(lookup_statement_, 1)});
  }
  sqlite3_reset(lookup_statement_);
  if (rc != SQLITE_DONE) return StoreError("looking up users");
  return users;
}

}  // namespace tc
