#include "tokens/mysql_token_source.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "mysql/mysql_identifier.h"

namespace tc {
namespace {

// TRIM strips spaces only; the regular expression (PCRE in MariaDB, ICU in MySQL 8) rejects tokens
// of only ASCII whitespace, the same "blank" as SqliteTokenSource.
constexpr const char* kMysqlUsableToken =
    R"(token IS NOT NULL AND TRIM(token) <> '' AND token NOT REGEXP '^[ \\t\\n\\x0B\\f\\r]*$')";
// Users per Lookup statement; one statement is prepared per distinct batch size.
constexpr size_t kLookupBatch = 500;

std::string Placeholders(size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) text += i == 0 ? "?" : ",?";
  return text;
}

}  // namespace

MysqlTokenSource::MysqlTokenSource(MysqlConnectOptions options, std::string table,
                                   MysqlRetryPolicy retry)
    : pool_(std::move(options), 1, retry), table_(std::move(table)) {}

Result<std::unique_ptr<MysqlTokenSource>> MysqlTokenSource::Open(const TokensConfig& config,
                                                                 MysqlRetryPolicy retry) {
  auto endpoint = ParseMysqlUrl(config.url, "tokens.url");
  if (!endpoint.ok()) return endpoint.error();
  auto quoted = QuoteMysqlIdentifier(config.table, "tokens.table");
  if (!quoted.ok()) return quoted.error();
  MysqlConnectOptions options;
  options.endpoint = std::move(endpoint).value();
  options.password = config.password;
  options.tls_ca = config.tls_ca;
  std::unique_ptr<MysqlTokenSource> source(
      new MysqlTokenSource(std::move(options), config.table, retry));
  source->quoted_table_ = std::move(quoted).value();
  if (Status discovered = source->DiscoverOrder(); !discovered.ok()) return discovered.error();
  // Reading no rows proves the table and both columns exist and are readable.
  auto probe = source->pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    const SqlParam params[] = {int64_t{0}, int64_t{0}};
    return connection.Query(source->page_sql_, params);
  });
  if (!probe.ok()) return source->TableError(probe.error());
  return source;
}

Error MysqlTokenSource::TableError(const Error& cause) const {
  return MakeError(cause.error_class, "token table \"" + table_ + "\": " + cause.message);
}

// Table order = primary-key order (see the class comment): the primary key's columns, read from
// information_schema, break ties between rows of one user.
Status MysqlTokenSource::DiscoverOrder() {
  const size_t dot = table_.find('.');
  const std::string schema = dot == std::string::npos ? std::string() : table_.substr(0, dot);
  const std::string name = dot == std::string::npos ? table_ : table_.substr(dot + 1);
  auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    const SqlParam params[] = {std::string_view(schema), std::string_view(schema),
                               std::string_view(name)};
    return connection.Query(
        "SELECT COLUMN_NAME FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = IF(? = '', DATABASE(), ?) AND TABLE_NAME = ?"
        " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
        params);
  });
  if (!rows.ok()) return TableError(rows.error());
  order_by_ = "user_id";
  for (const SqlRow& row : *rows) {
    auto column = QuoteMysqlIdentifier(row.Text(0), "primary key column of tokens.table");
    if (!column.ok()) return column.error();
    order_by_ += ", " + *column;
  }
  page_sql_ = "SELECT user_id, token FROM " + quoted_table_ + " WHERE user_id >= ? AND " +
              UserRows() + " ORDER BY " + order_by_ + " LIMIT ?";
  return Status::Ok();
}

std::string MysqlTokenSource::UserRows() const {
  return std::string(kMysqlUsableToken) + shard_condition_;
}

bool MysqlTokenSource::RestrictToShard(const Shard& shard) {
  shard_condition_ = " AND " + ShardSqlCondition(shard, "user_id");
  page_sql_ = "SELECT user_id, token FROM " + quoted_table_ + " WHERE user_id >= ? AND " +
              UserRows() + " ORDER BY " + order_by_ + " LIMIT ?";
  return true;
}

Result<size_t> MysqlTokenSource::AppendRows(const std::vector<SqlRow>& rows,
                                            std::vector<UserToken>& users) const {
  for (const SqlRow& row : rows) {
    const std::optional<int64_t> user_id = row.Int(0);
    if (!user_id) {
      return MakeError(ErrorClass::kStore,
                       "token table \"" + table_ + "\": user_id is not an integer");
    }
    if (!users.empty() && users.back().user_id == *user_id) continue;
    users.push_back(UserToken{*user_id, row.Text(1)});
  }
  return rows.size();
}

// A page is filled from row batches of (limit - users so far) rows. Rows of one user are adjacent
// (ORDER BY user_id, primary key), so the first row of each user wins; the next batch starts after
// the last user seen, so a user whose rows straddle a batch's LIMIT is neither repeated nor
// skipped. Each batch row adds at most one user, so the page never exceeds `limit`.
Result<std::vector<UserToken>> MysqlTokenSource::NextPage(std::optional<int64_t> after_user_id,
                                                          int limit) {
  if (limit <= 0) return MakeError(ErrorClass::kInternal, "token page limit must be positive");
  std::vector<UserToken> users;
  constexpr int64_t kMaxId = std::numeric_limits<int64_t>::max();
  if (after_user_id == kMaxId) return users;
  // Inclusive lower bound: the first page starts at INT64_MIN itself.
  int64_t cursor = after_user_id ? *after_user_id + 1 : std::numeric_limits<int64_t>::min();
  while (static_cast<int>(users.size()) < limit) {
    const int64_t wanted = limit - static_cast<int>(users.size());
    auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
      const SqlParam params[] = {cursor, wanted};
      return connection.Query(page_sql_, params);
    });
    if (!rows.ok()) return TableError(rows.error());
    auto appended = AppendRows(*rows, users);
    if (!appended.ok()) return appended.error();
    if (static_cast<int64_t>(*appended) < wanted || users.back().user_id == kMaxId) break;
    cursor = users.back().user_id + 1;
  }
  return users;
}

Result<std::vector<UserToken>> MysqlTokenSource::Lookup(const std::vector<int64_t>& user_ids) {
  const std::set<int64_t> unique(user_ids.begin(), user_ids.end());
  const std::vector<int64_t> ids(unique.begin(), unique.end());  // ascending
  std::vector<UserToken> users;
  for (size_t begin = 0; begin < ids.size(); begin += kLookupBatch) {
    const size_t count = std::min(kLookupBatch, ids.size() - begin);
    const std::string sql = "SELECT user_id, token FROM " + quoted_table_ + " WHERE user_id IN (" +
                            Placeholders(count) + ") AND " + UserRows() + " ORDER BY " + order_by_;
    std::vector<SqlParam> params(ids.begin() + begin, ids.begin() + begin + count);
    auto rows = pool_.Run<std::vector<SqlRow>>(
        [&](MysqlConnection& connection) { return connection.Query(sql, params); });
    if (!rows.ok()) return TableError(rows.error());
    if (auto appended = AppendRows(*rows, users); !appended.ok()) return appended.error();
  }
  return users;
}

Result<int64_t> MysqlTokenSource::CountUsers() {
  const std::string sql =
      "SELECT COUNT(DISTINCT user_id) FROM " + quoted_table_ + " WHERE " + UserRows();
  auto rows = pool_.Run<std::vector<SqlRow>>(
      [&](MysqlConnection& connection) { return connection.Query(sql, {}); });
  if (!rows.ok()) return TableError(rows.error());
  const std::optional<int64_t> count = rows->empty() ? std::nullopt : rows->front().Int(0);
  if (!count) return MakeError(ErrorClass::kStore, "token table \"" + table_ + "\": no count");
  return *count;
}

}  // namespace tc
