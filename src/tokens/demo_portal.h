// A demo portal database for the README walkthrough, the tests and the benchmarks: a SQLite
// token table with the simulator's token scheme (`init --demo-users` may create the token table in
// an embedded demo database; a real portal's table is only ever read: docs/stores.md).
#pragma once

#include <cstdint>
#include <string>

#include "error/error.h"

namespace tc {

// Creates the SQLite file `sqlite_path` (and its folder) and `table` in it if absent
// (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, token TEXT, created_at TEXT, indexed on
// user_id) and gives users 1..users the token the simulator accepts ("tc-sim-token-<user_id>"),
// in one transaction. Idempotent: users that already have a row are left alone, so re-running
// never duplicates. With `requests_table` non-empty, also creates the refresh request table the
// platform's apps write (empty: none). kConfig for a table name that is not a plain identifier,
// kStore on failure.
Status SeedDemoPortal(const std::string& sqlite_path, const std::string& table, int64_t users,
                      const std::string& requests_table = "");

}  // namespace tc
