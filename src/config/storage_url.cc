#include "config/storage_url.h"

#include <cctype>

#include "config/config_text.h"
#include "config/url_credentials.h"
#include "config/url_syntax.h"

namespace tc {
namespace {

constexpr std::string_view kSqlite = "sqlite:";

std::string Expected(StorageRole role) {
  return role == StorageRole::kStore
             ? "expected sqlite:PATH, mysql://user@host:port/db or mongodb://…"
             : "expected sqlite:PATH or mysql://user@host:port/db";
}

}  // namespace

std::string UrlPasswordAdvice(std::string_view setting) {
  const std::string_view section = setting.substr(0, setting.find('.'));
  if (section != "tokens" && section != "store") {
    return "a password in a URL is not accepted";
  }
  std::string upper;
  for (char c : section) upper += static_cast<char>(c - 'a' + 'A');
  return "a password in a URL is not accepted; set TICKETCACHE_" + upper + "_PASSWORD or " +
         std::string(section) + ".password_file";
}

std::string StorageUrlProblem(std::string_view url, StorageRole role) {
  const bool sqlite = HasAfter(url, kSqlite);
  const bool mysql = HasAfter(url, "mysql://");
  const bool mongo = HasAfter(url, "mongodb://") || HasAfter(url, "mongodb+srv://");
  if (!(sqlite || mysql || (mongo && role == StorageRole::kStore))) {
    return "unsupported url \"" + RedactUrlPassword(url) + "\"; " + Expected(role);
  }
  if (mysql) return ServerUrlProblem(url);
  // A MongoDB URI may list several hosts (libmongoc parses it when the store opens); a SQLite
  // path may hold spaces. Neither holds a control character, nor ends in whitespace.
  std::string stray = StrayCharacterProblem(url);
  if (!stray.empty() && (mongo || stray.starts_with("control") ||
                         std::isspace(static_cast<unsigned char>(url.back())))) {
    return "malformed url \"" + RedactUrlPassword(url) + "\": " + stray;
  }
  return {};
}

Result<StorageUrl> ParseStorageUrl(std::string_view url, StorageRole role,
                                   std::string_view setting) {
  const std::string problem = StorageUrlProblem(url, role);
  if (!problem.empty())
    return MakeError(ErrorClass::kConfig, std::string(setting) + ": " + problem);
  if (UrlHasPassword(url)) {
    return MakeError(ErrorClass::kConfig, std::string(setting) + ": " + UrlPasswordAdvice(setting));
  }
  StorageUrl parsed;
  if (url.starts_with(kSqlite)) {
    parsed.scheme = StorageScheme::kSqlite;
    parsed.sqlite_path = std::string(url.substr(kSqlite.size()));
  } else if (url.starts_with("mysql://")) {
    parsed.scheme = StorageScheme::kMysql;
  } else {
    parsed.scheme = StorageScheme::kMongo;
  }
  return parsed;
}

}  // namespace tc
