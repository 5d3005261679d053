#include "storage/open_cache_store.h"

#include "config/storage_url.h"
#include "mongo/mongo_cache_store.h"
#include "mysql/mysql_cache_store.h"
#include "sqlite/sqlite_cache_store.h"

namespace tc {
namespace {

template <typename Store>
Result<std::unique_ptr<CacheStore>> AsCacheStore(Result<std::unique_ptr<Store>> store) {
  if (!store.ok()) return store.error();
  return std::unique_ptr<CacheStore>(std::move(store).value());
}

}  // namespace

Result<std::unique_ptr<CacheStore>> OpenCacheStore(const StoreConfig& config, StoreAccess access) {
  auto url = ParseStorageUrl(config.url, StorageRole::kStore, "store.url");
  if (!url.ok()) return url.error();
  switch (url->scheme) {
    case StorageScheme::kSqlite:
      return AsCacheStore(SqliteCacheStore::Open(url->sqlite_path, config, access));
    case StorageScheme::kMysql:
      return AsCacheStore(MysqlCacheStore::Open(config));
    case StorageScheme::kMongo:
      return AsCacheStore(MongoCacheStore::Open(config));
  }
  return MakeError(ErrorClass::kInternal, "store.url: unhandled scheme");
}

}  // namespace tc
