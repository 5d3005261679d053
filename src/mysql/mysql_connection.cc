#include "mysql/mysql_connection.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <charconv>
#include <mutex>

namespace tc {
namespace {

// Prepared statements kept per connection. Statements whose SQL depends on a batch size (IN lists,
// multi-row INSERTs) make the set grow; past this bound the cache is emptied and refilled.
constexpr size_t kMaxCachedStatements = 128;
// Result columns are first fetched into a buffer this size; longer values are fetched again whole.
constexpr unsigned long kInlineColumnBytes = 256;

void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

}  // namespace

bool IsConnectionLostError(unsigned error_number) {
  switch (error_number) {
    case CR_CONNECTION_ERROR:      // 2002: cannot connect (unix socket / refused)
    case CR_CONN_HOST_ERROR:       // 2003: cannot connect to host
    case CR_SERVER_GONE_ERROR:     // 2006: gone between statements
    case CR_SERVER_LOST:           // 2013: gone during a statement
    case CR_SERVER_LOST_EXTENDED:  // 2055
    case CR_ERR_NET_READ:          // 5013
    case CR_ERR_NET_WRITE:         // 5014
    case ER_SERVER_SHUTDOWN:       // 1053: shutdown in progress
    case ER_CONNECTION_KILLED:     // 1927
    case ER_CON_COUNT_ERROR:       // 1040: too many connections, a new attempt may get in
    case 4031:                     // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8 idle disconnect)
      return true;
    default:
      return false;
  }
}

const std::string& SqlRow::Text(size_t column) const {
  static const std::string kEmpty;
  return columns[column] ? *columns[column] : kEmpty;
}

std::optional<int64_t> SqlRow::Int(size_t column) const {
  if (!columns[column]) return std::nullopt;
  const std::string& text = *columns[column];
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::unique_ptr<MysqlConnection>> MysqlConnection::Connect(
    const MysqlConnectOptions& options, bool* lost) {
  InitLibraryOnce();
  *lost = false;
  const std::string endpoint = DescribeEndpoint(options.endpoint);
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr)
    return MakeError(ErrorClass::kStore, "mysql " + endpoint + ": out of memory");
  const unsigned connect_timeout = static_cast<unsigned>(options.connect_timeout.count());
  const unsigned io_timeout = static_cast<unsigned>(options.read_timeout.count());
  mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
  mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!options.tls_ca.empty()) {
    const my_bool on = 1;
    mysql_options(mysql, MYSQL_OPT_SSL_CA, options.tls_ca.c_str());
    mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
    mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  }
  const MysqlEndpoint& e = options.endpoint;
  if (mysql_real_connect(mysql, e.socket.empty() ? e.host.c_str() : nullptr, e.user.c_str(),
                         options.password.c_str(), e.database.c_str(), e.port,
                         e.socket.empty() ? nullptr : e.socket.c_str(),
                         CLIENT_FOUND_ROWS) == nullptr) {
    const unsigned error_number = mysql_errno(mysql);
    *lost = IsConnectionLostError(error_number);
    // The server's messages name the user and whether a password was used, never the password.
    Error error = MakeError(ErrorClass::kStore,
                            "mysql " + endpoint + ": cannot connect: " + mysql_error(mysql) +
                                " (error " + std::to_string(error_number) + ")");
    mysql_close(mysql);
    return error;
  }
  return std::unique_ptr<MysqlConnection>(new MysqlConnection(mysql, endpoint));
}

MysqlConnection::MysqlConnection(MYSQL* mysql, std::string endpoint)
    : mysql_(mysql), endpoint_(std::move(endpoint)) {}

MysqlConnection::~MysqlConnection() {
  for (auto& [sql, statement] : statements_) mysql_stmt_close(statement);
  mysql_close(mysql_);
}

Error MysqlConnection::Fail(std::string_view what, unsigned error_number, const char* message) {
  last_error_number_ = error_number;
  if (IsConnectionLostError(error_number)) lost_ = true;
  return MakeError(ErrorClass::kStore, "mysql " + endpoint_ + ": " + std::string(what) + ": " +
                                           message + " (error " + std::to_string(error_number) +
                                           ")");
}

Result<MYSQL_STMT*> MysqlConnection::Prepare(const std::string& sql) {
  if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
  if (statements_.size() >= kMaxCachedStatements) {
    for (auto& [text, statement] : statements_) mysql_stmt_close(statement);
    statements_.clear();
  }
  MYSQL_STMT* statement = mysql_stmt_init(mysql_);
  if (statement == nullptr) return Fail("prepare", mysql_errno(mysql_), mysql_error(mysql_));
  if (mysql_stmt_prepare(statement, sql.data(), sql.size()) != 0) {
    Error error = Fail("prepare", mysql_stmt_errno(statement), mysql_stmt_error(statement));
    mysql_stmt_close(statement);
    return error;
  }
  statements_.emplace(sql, statement);
  return statement;
}

Result<MYSQL_STMT*> MysqlConnection::Run(const std::string& sql, std::span<const SqlParam> params) {
  last_error_number_ = 0;
  if (lost_) return Fail("execute", CR_SERVER_GONE_ERROR, "connection already lost");
  auto prepared = Prepare(sql);
  if (!prepared.ok()) return prepared.error();
  MYSQL_STMT* statement = *prepared;
  if (mysql_stmt_param_count(statement) != params.size()) {
    return MakeError(ErrorClass::kInternal, "mysql: statement expects " +
                                                std::to_string(mysql_stmt_param_count(statement)) +
                                                " parameters, got " +
                                                std::to_string(params.size()));
  }
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<int64_t> integers(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& bind = binds[i];
    if (const auto* integer = std::get_if<int64_t>(&params[i])) {
      integers[i] = *integer;
      bind.buffer_type = MYSQL_TYPE_LONGLONG;
      bind.buffer = &integers[i];
    } else if (const auto* text = std::get_if<std::string_view>(&params[i])) {
      bind.buffer_type = MYSQL_TYPE_STRING;
      bind.buffer = const_cast<char*>(text->data());
      bind.buffer_length = text->size();
    } else {
      bind.buffer_type = MYSQL_TYPE_NULL;
    }
  }
  if (!binds.empty() && mysql_stmt_bind_param(statement, binds.data()) != 0) {
    return Fail("bind", mysql_stmt_errno(statement), mysql_stmt_error(statement));
  }
  if (mysql_stmt_execute(statement) != 0) {
    return Fail("execute", mysql_stmt_errno(statement), mysql_stmt_error(statement));
  }
  return statement;
}

Result<std::vector<SqlRow>> MysqlConnection::Query(const std::string& sql,
                                                   std::span<const SqlParam> params) {
  auto ran = Run(sql, params);
  if (!ran.ok()) return ran.error();
  MYSQL_STMT* statement = *ran;
  std::vector<SqlRow> rows;
  MYSQL_RES* metadata = mysql_stmt_result_metadata(statement);
  if (metadata == nullptr) return rows;
  const unsigned column_count = mysql_num_fields(metadata);
  mysql_free_result(metadata);

  std::vector<MYSQL_BIND> binds(column_count);
  std::vector<std::vector<char>> buffers(column_count, std::vector<char>(kInlineColumnBytes));
  std::vector<unsigned long> lengths(column_count);
  std::vector<my_bool> nulls(column_count);
  for (unsigned i = 0; i < column_count; ++i) {
    binds[i].buffer_type = MYSQL_TYPE_STRING;
    binds[i].buffer = buffers[i].data();
    binds[i].buffer_length = kInlineColumnBytes;
    binds[i].length = &lengths[i];
    binds[i].is_null = &nulls[i];
  }
  if (mysql_stmt_bind_result(statement, binds.data()) != 0) {
    Error error = Fail("bind result", mysql_stmt_errno(statement), mysql_stmt_error(statement));
    mysql_stmt_free_result(statement);
    return error;
  }
  for (;;) {
    const int fetched = mysql_stmt_fetch(statement);
    if (fetched == MYSQL_NO_DATA) break;
    if (fetched == 1) {
      Error error = Fail("fetch", mysql_stmt_errno(statement), mysql_stmt_error(statement));
      mysql_stmt_free_result(statement);
      return error;
    }
    SqlRow& row = rows.emplace_back();
    row.columns.resize(column_count);
    for (unsigned i = 0; i < column_count; ++i) {
      if (nulls[i]) continue;
      if (lengths[i] <= kInlineColumnBytes) {
        row.columns[i].emplace(buffers[i].data(), lengths[i]);
        continue;
      }
      std::string whole(lengths[i], '\0');
      MYSQL_BIND column{};
      unsigned long whole_length = 0;
      column.buffer_type = MYSQL_TYPE_STRING;
      column.buffer = whole.data();
      column.buffer_length = lengths[i];
      column.length = &whole_length;
      if (mysql_stmt_fetch_column(statement, &column, i, 0) != 0) {
        Error error =
            Fail("fetch column", mysql_stmt_errno(statement), mysql_stmt_error(statement));
        mysql_stmt_free_result(statement);
        return error;
      }
      row.columns[i] = std::move(whole);
    }
  }
  mysql_stmt_free_result(statement);
  return rows;
}

Result<uint64_t> MysqlConnection::Execute(const std::string& sql,
                                          std::span<const SqlParam> params) {
  auto ran = Run(sql, params);
  if (!ran.ok()) return ran.error();
  const my_ulonglong affected = mysql_stmt_affected_rows(*ran);
  mysql_stmt_free_result(*ran);
  return static_cast<uint64_t>(affected);
}

Status MysqlConnection::Begin() {
  auto begun = Execute("START TRANSACTION");
  if (!begun.ok()) return begun.error();
  return Status::Ok();
}

Status MysqlConnection::Commit() {
  if (mysql_commit(mysql_) != 0) return Fail("commit", mysql_errno(mysql_), mysql_error(mysql_));
  return Status::Ok();
}

void MysqlConnection::Rollback() {
  if (lost_) return;  // the server rolls back a transaction whose connection dropped
  if (mysql_rollback(mysql_) != 0 && IsConnectionLostError(mysql_errno(mysql_))) lost_ = true;
}

}  // namespace tc
