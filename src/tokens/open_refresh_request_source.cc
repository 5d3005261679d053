// OpenRefreshRequestSource and CreateRefreshRequestIndex: the implementation by the scheme of
// tokens.url (the requests live beside the tokens).
#include "config/storage_url.h"
#include "tokens/mysql_refresh_request_source.h"
#include "tokens/refresh_request_source.h"
#include "tokens/sqlite_refresh_request_source.h"

namespace tc {

Result<std::unique_ptr<RefreshRequestSource>> OpenRefreshRequestSource(
    const TokensConfig& tokens, const RefreshRequestsConfig& requests) {
  auto url = ParseStorageUrl(tokens.url, StorageRole::kTokens, "tokens.url");
  if (!url.ok()) return url.error();
  if (url->scheme == StorageScheme::kSqlite) {
    auto source = SqliteRefreshRequestSource::Open(url->sqlite_path, requests.table);
    if (!source.ok()) return source.error();
    return std::unique_ptr<RefreshRequestSource>(std::move(source).value());
  }
  auto source = MysqlRefreshRequestSource::Open(tokens, requests);
  if (!source.ok()) return source.error();
  return std::unique_ptr<RefreshRequestSource>(std::move(source).value());
}

Status CreateRefreshRequestIndex(const TokensConfig& tokens,
                                 const RefreshRequestsConfig& requests) {
  auto url = ParseStorageUrl(tokens.url, StorageRole::kTokens, "tokens.url");
  if (!url.ok()) return url.error();
  if (url->scheme == StorageScheme::kSqlite) {
    auto source = SqliteRefreshRequestSource::Open(url->sqlite_path, requests.table);
    if (!source.ok()) return source.error();
    return (*source)->CreateDueIndex();
  }
  auto source = MysqlRefreshRequestSource::Open(tokens, requests);
  if (!source.ok()) return source.error();
  return (*source)->CreateDueIndex();
}

}  // namespace tc
