// One connection to a MySQL/MariaDB server over MariaDB Connector/C. Every statement that carries
// data is a server-side prepared statement (values are bound, never spliced into SQL); prepared
// statements are cached per connection by their SQL text.
#pragma once

#include <mysql.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "error/error.h"
#include "mysql/mysql_endpoint.h"

namespace tc {

// A statement parameter. string_view: the bytes must outlive the call.
using SqlParam = std::variant<std::nullptr_t, int64_t, std::string_view>;

// One result row; every column is read as text (the server's decimal form for numbers).
struct SqlRow {
  std::vector<std::optional<std::string>> columns;  // nullopt = SQL NULL

  bool IsNull(size_t column) const { return !columns[column].has_value(); }
  const std::string& Text(size_t column) const;     // "" for NULL
  std::optional<int64_t> Int(size_t column) const;  // nullopt for NULL or non-integer text
};

// REQUIRES: external synchronization (one thread at a time); MysqlPool provides it.
class MysqlConnection {
 public:
  // kStore when the server cannot be reached or refuses the login; lost() tells which kind.
  // The message names the endpoint, never the password.
  static Result<std::unique_ptr<MysqlConnection>> Connect(const MysqlConnectOptions& options,
                                                          bool* lost);
  ~MysqlConnection();
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  // Runs a statement and returns its rows (none for statements without a result set).
  Result<std::vector<SqlRow>> Query(const std::string& sql, std::span<const SqlParam> params = {});
  // Runs a statement and returns the number of rows it matched (CLIENT_FOUND_ROWS: an UPDATE that
  // matched a row counts it even when no value changed).
  Result<uint64_t> Execute(const std::string& sql, std::span<const SqlParam> params = {});

  // Transactions (InnoDB). On any error inside one, call Rollback (harmless on a lost connection).
  Status Begin();
  Status Commit();
  void Rollback();

  // True once an error showed that the connection is gone (server restarted or shut down, network
  // cut, connection killed). Such a connection is useless; MysqlPool replaces it.
  bool lost() const { return lost_; }
  // The server or client error number of the last failure (e.g. ER_DUP_ENTRY), 0 if none.
  unsigned last_error_number() const { return last_error_number_; }

 private:
  MysqlConnection(MYSQL* mysql, std::string endpoint);
  Result<MYSQL_STMT*> Prepare(const std::string& sql);
  Result<MYSQL_STMT*> Run(const std::string& sql, std::span<const SqlParam> params);
  Error Fail(std::string_view what, unsigned error_number, const char* message);

  MYSQL* mysql_;
  std::string endpoint_;  // DescribeEndpoint(), for messages
  std::map<std::string, MYSQL_STMT*, std::less<>> statements_;
  bool lost_ = false;
  unsigned last_error_number_ = 0;
};

// True for error numbers that mean "the connection is gone; a new one may work".
bool IsConnectionLostError(unsigned error_number);

}  // namespace tc
