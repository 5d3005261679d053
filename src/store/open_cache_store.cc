// OpenCacheStore: picks the CacheStore implementation from the URL scheme of store.url.
#include <string_view>

#include "store/cache_store.h"
#include "store/mongo_cache_store.h"
#include "store/mysql_cache_store.h"
#include "store/sqlite_cache_store.h"

namespace tc {

Result<std::unique_ptr<CacheStore>> OpenCacheStore(const StoreConfig& config) {
  const std::string_view url = config.url;
  if (url.starts_with("sqlite:")) {
    auto store =
        SqliteCacheStore::Open(std::string(url.substr(std::string_view("sqlite:").size())), config);
    if (!store.ok()) return store.error();
    return std::unique_ptr<CacheStore>(std::move(store).value());
  }
  if (url.starts_with("mysql://")) {
    auto store = MysqlCacheStore::Open(config);
    if (!store.ok()) return store.error();
    return std::unique_ptr<CacheStore>(std::move(store).value());
  }
  if (url.starts_with("mongodb://") || url.starts_with("mongodb+srv://")) {
    auto store = MongoCacheStore::Open(config);
    if (!store.ok()) return store.error();
    return std::unique_ptr<CacheStore>(std::move(store).value());
  }
  return MakeError(ErrorClass::kConfig,
                   "store.url must start with sqlite:, mysql:// or mongodb:// (got an unknown "
                   "scheme)");
}

}  // namespace tc
