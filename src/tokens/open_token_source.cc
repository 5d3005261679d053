// OpenTokenSource: picks the TokenSource implementation from the URL scheme of tokens.url.
#include "config/storage_url.h"
#include "tokens/mysql_token_source.h"
#include "tokens/sqlite_token_source.h"
#include "tokens/token_source.h"

namespace tc {

Result<std::unique_ptr<TokenSource>> OpenTokenSource(const TokensConfig& config) {
  auto url = ParseStorageUrl(config.url, StorageRole::kTokens, "tokens.url");
  if (!url.ok()) return url.error();
  if (url->scheme == StorageScheme::kSqlite) {
    auto source = SqliteTokenSource::Open(url->sqlite_path, config.table);
    if (!source.ok()) return source.error();
    return std::unique_ptr<TokenSource>(std::move(source).value());
  }
  auto source = MysqlTokenSource::Open(config);
  if (!source.ok()) return source.error();
  return std::unique_ptr<TokenSource>(std::move(source).value());
}

}  // namespace tc
