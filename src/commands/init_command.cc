#include <iostream>

#include "commands/commands.h"
#include "config/storage_url.h"
#include "log/logger.h"
#include "storage/open_cache_store.h"
#include "tokens/demo_portal.h"
#include "tokens/refresh_request_source.h"

namespace tc {

// The one command that creates: the store's tables (and, for sqlite:, its file and folder), and
// with --demo-users the embedded demo portal. Every other command opens what exists.
int InitCommand(const CommonOptions& common, int64_t demo_users, bool refresh_requests_index) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  if (demo_users > 0) {
    // The portal's token table is never ours to create, except in the embedded demo database.
    auto tokens = ParseStorageUrl(config->tokens.url, StorageRole::kTokens, "tokens.url");
    if (!tokens.ok()) return ReportStartupError("configuration", tokens.error());
    if (tokens->scheme != StorageScheme::kSqlite) {
      return ReportStartupError(
          "usage",
          MakeError(ErrorClass::kConfig, "--demo-users: tokens.url must be a sqlite: database"));
    }
    Status seeded = SeedDemoPortal(tokens->sqlite_path, config->tokens.table, demo_users,
                                   config->refresh_requests.table);
    if (!seeded.ok()) return ReportStartupError("demo portal", seeded.error());
    LogInfo("demo portal seeded", {{"users", demo_users}});
  }
  if (refresh_requests_index) {
    // Offered, never imposed: the table is the platform's (docs/performance.md has the figures).
    Status indexed = CreateRefreshRequestIndex(config->tokens, config->refresh_requests);
    if (!indexed.ok()) return ReportStartupError("refresh request index", indexed.error());
    LogInfo("refresh request index ready",
            {{"table", config->refresh_requests.table}, {"index", kRefreshRequestIndexName}});
  }
  auto store = OpenCacheStore(config->store, StoreAccess::kCreate);
  if (!store.ok()) return ReportStartupError("cache store", store.error());
  if (Status ready = (*store)->Init(); !ready.ok())
    return ReportStartupError("init", ready.error());
  LogInfo("store initialised", {{"cache_collection", config->store.cache_collection},
                                {"log_collection", config->store.log_collection}});
  return kExitOk;
}

}  // namespace tc
