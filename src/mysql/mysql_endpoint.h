// Where a MySQL/MariaDB server is and how to log in: parsed from `mysql://user@host:port/db`
// (tokens.url, store.url). The password never comes from the URL: it is given
// separately, from the environment or a *_file setting, and never printed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

struct MysqlEndpoint {
  std::string user;
  std::string host;
  unsigned port = 3306;
  std::string database;
  std::string socket;  // `?socket=/path`: connect over this unix socket instead of TCP
};

// Everything needed to open a connection.
struct MysqlConnectOptions {
  MysqlEndpoint endpoint;
  std::string password;  // secret: never in messages
  std::string tls_ca;    // non-empty: TLS required, server certificate verified against this CA
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds read_timeout{60};  // also the write timeout
};

// Parses `mysql://user@host[:port]/database[?socket=PATH]` (percent-decoding done by libcurl's
// URL parser). kConfig naming `setting` when the URL is malformed, lacks the user or database,
// or carries a password (`user:secret@`) — the message never repeats the password.
Result<MysqlEndpoint> ParseMysqlUrl(std::string_view url, std::string_view setting);

// "user@host:port/database" for messages: identifies the server, carries no secret.
std::string DescribeEndpoint(const MysqlEndpoint& endpoint);

}  // namespace tc
