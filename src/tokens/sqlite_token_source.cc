#include "tokens/sqlite_token_source.h"

#include <limits>
#include <optional>
#include <utility>

#include "sqlite/sqlite_identifier.h"
#include "sqlite/sqlite_query.h"

namespace tc {
namespace {

// Rows with a usable token. SQLite's one-argument trim() strips spaces only, so the whitespace
// set is spelled out.
constexpr const char* kSqliteUsableToken =
    "token IS NOT NULL AND trim(token, ' ' || char(9, 10, 11, 12, 13)) <> ''";

// Rows whose user_id is a user: stored as an integer (column affinity already turned '42' and 42.0
// into 42 in an INTEGER column).
constexpr const char* kIntegerUserId = "typeof(user_id) = 'integer'";

// Reads the rows of `query` into `users`, the first row of each user winning (rows of one user are
// adjacent: ORDER BY user_id, rowid). Returns the number of rows, or -1 on a step error.
int ReadUsers(SqliteQuery& query, std::vector<UserToken>& users) {
  int rows = 0;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    ++rows;
    const int64_t user_id = query.Int(0);
    if (!users.empty() && users.back().user_id == user_id) continue;
    users.push_back(UserToken{user_id, query.Text(1)});
  }
  return rc == SQLITE_DONE ? rows : -1;
}

}  // namespace

SqliteTokenSource::SqliteTokenSource(std::unique_ptr<SqliteDatabase> db, std::string table)
    : db_(std::move(db)), table_(std::move(table)) {}

Error SqliteTokenSource::StoreError(const std::string& what) const {
  return MakeError(ErrorClass::kStore,
                   "token table \"" + table_ + "\" in " + db_->Fail(what).message);
}

Result<std::unique_ptr<SqliteTokenSource>> SqliteTokenSource::Open(const std::string& path,
                                                                   const std::string& table) {
  auto quoted = QuoteSqliteIdentifier(table, "tokens.table");
  if (!quoted.ok()) return quoted.error();
  auto db = SqliteDatabase::Open(path, SqliteOpenMode::kReadOnly);
  if (!db.ok()) {
    return MakeError(db.error().error_class, "tokens.url: " + db.error().message);
  }
  std::unique_ptr<SqliteTokenSource> source(new SqliteTokenSource(std::move(db).value(), table));
  source->quoted_table_ = std::move(quoted).value();
  source->BuildSql("");
  for (const std::string* sql : {&source->page_sql_, &source->lookup_sql_}) {
    if (!source->db_->Prepare(*sql).ok()) {
      return source->StoreError("cannot read user_id and token");
    }
  }
  return source;
}

// The user conditions (integer id, usable token) come before the shard's, so a row whose id is
// not an integer never reaches the `%`.
void SqliteTokenSource::BuildSql(const std::string& shard_condition) {
  const std::string from = " FROM " + quoted_table_ + " WHERE ";
  const std::string users = std::string(kIntegerUserId) + " AND " + kSqliteUsableToken +
                            (shard_condition.empty() ? "" : " AND " + shard_condition);
  page_sql_ = "SELECT user_id, token" + from + users + " AND user_id >= ?1" +
              " ORDER BY user_id, rowid LIMIT ?2";
  lookup_sql_ = "SELECT user_id, token" + from + users +
                " AND user_id IN (SELECT value FROM json_each(?1)) ORDER BY user_id, rowid";
  unusable_sql_ =
      "SELECT count(*)" + from + "NOT (" + kIntegerUserId + ") AND " + kSqliteUsableToken;
  count_sql_ = "SELECT count(DISTINCT user_id)" + from + users;
}

bool SqliteTokenSource::RestrictToShard(const Shard& shard) {
  BuildSql(ShardSqlCondition(shard, "user_id"));
  return true;
}

// A page is filled from row batches of (limit - users so far) rows. Duplicate rows of one user
// are adjacent (ORDER BY user_id, rowid), so the first row of each user wins; the next batch starts
// after the last user seen, so a user whose rows straddle a batch's LIMIT is neither repeated
// nor skipped. Each batch row adds at most one user, so the page never exceeds `limit`.
Result<std::vector<UserToken>> SqliteTokenSource::NextPage(std::optional<int64_t> after_user_id,
                                                           int limit) {
  if (limit <= 0) return MakeError(ErrorClass::kInternal, "token page limit must be positive");
  auto statement = db_->Prepare(page_sql_);
  if (!statement.ok()) return StoreError("reading a page");
  std::vector<UserToken> users;
  constexpr int64_t kMaxId = std::numeric_limits<int64_t>::max();
  if (after_user_id == kMaxId) return users;
  // Inclusive lower bound: the first page starts at INT64_MIN itself.
  int64_t cursor = after_user_id ? *after_user_id + 1 : std::numeric_limits<int64_t>::min();
  while (static_cast<int>(users.size()) < limit) {
    const int wanted = limit - static_cast<int>(users.size());
    SqliteQuery query(*statement);
    query.Bind(1, cursor).Bind(2, int64_t{wanted});
    const int rows = ReadUsers(query, users);
    if (rows < 0) return StoreError("reading a page");
    if (rows < wanted || users.back().user_id == kMaxId) break;  // no more rows
    cursor = users.back().user_id + 1;
  }
  return users;
}

Result<std::vector<UserToken>> SqliteTokenSource::Lookup(const std::vector<int64_t>& user_ids) {
  auto statement = db_->Prepare(lookup_sql_);
  if (!statement.ok()) return StoreError("looking up users");
  SqliteQuery query(*statement);
  query.Bind(1, SqliteIdArray(user_ids));
  std::vector<UserToken> users;
  if (ReadUsers(query, users) < 0) return StoreError("looking up users");
  return users;
}

Result<int64_t> SqliteTokenSource::CountUnusableRows() {
  auto statement = db_->Prepare(unusable_sql_);
  if (!statement.ok()) return StoreError("counting rows without an integer user_id");
  SqliteQuery query(*statement);
  if (query.Step() != SQLITE_ROW) return StoreError("counting rows without an integer user_id");
  return query.Int(0);
}

Result<int64_t> SqliteTokenSource::CountUsers() {
  auto statement = db_->Prepare(count_sql_);
  if (!statement.ok()) return StoreError("counting users");
  SqliteQuery query(*statement);
  if (query.Step() != SQLITE_ROW) return StoreError("counting users");
  return query.Int(0);
}

}  // namespace tc
