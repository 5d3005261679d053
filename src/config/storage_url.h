// The one parser of storage URLs (tokens.url, store.url): which backend, and for SQLite the file.
// Used by configuration checks and by the openers of token sources and cache stores, so they
// cannot disagree about what a URL means. Backend-specific parts (MySQL host, user, database;
// Mongo options) are parsed by the backend (mysql/mysql_endpoint.h, libmongoc).
#pragma once

#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

enum class StorageScheme { kSqlite, kMysql, kMongo };

struct StorageUrl {
  StorageScheme scheme = StorageScheme::kSqlite;
  std::string sqlite_path;  // kSqlite: the file, as written after "sqlite:"
};

// Which schemes a setting accepts: tokens.url takes sqlite and mysql, store.url also mongodb.
enum class StorageRole { kTokens, kStore };

// Parses `sqlite:PATH`, `mysql://…`, `mongodb://…` or `mongodb+srv://…` (the last two for
// kStore only). A password in the user info (`user:secret@`) is refused: passwords come from
// the environment or a password_file (docs/configuration.md). kConfig naming `setting` otherwise;
// the message never repeats a password.
Result<StorageUrl> ParseStorageUrl(std::string_view url, StorageRole role,
                                   std::string_view setting);

// The problem with a URL, without the "setting: " prefix; empty when it is fine.
std::string StorageUrlProblem(std::string_view url, StorageRole role);

// The advice for a password found in `setting`'s URL: which variable or key to use instead.
std::string UrlPasswordAdvice(std::string_view setting);

}  // namespace tc
