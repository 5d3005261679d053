// OpenTokenSource: picks the TokenSource implementation from the URL scheme of tokens.url.
#include <string_view>

#include "tokens/mysql_token_source.h"
#include "tokens/sqlite_token_source.h"
#include "tokens/token_source.h"

namespace tc {

Result<std::unique_ptr<TokenSource>> OpenTokenSource(const TokensConfig& config) {
  const std::string_view url = config.url;
  if (url.starts_with("sqlite:")) {
    const std::string path(url.substr(std::string_view("sqlite:").size()));
    if (path.empty()) return MakeError(ErrorClass::kConfig, "tokens.url: sqlite: needs a path");
    auto source = SqliteTokenSource::Open(path, config.table);
    if (!source.ok()) return source.error();
    return std::unique_ptr<TokenSource>(std::move(source).value());
  }
  if (url.starts_with("mysql://")) {
    auto source = MysqlTokenSource::Open(config);
    if (!source.ok()) return source.error();
    return std::unique_ptr<TokenSource>(std::move(source).value());
  }
  return MakeError(ErrorClass::kConfig,
                   "tokens.url must start with sqlite: or mysql:// (got an unknown scheme)");
}

}  // namespace tc
