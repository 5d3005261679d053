#include <filesystem>
#include <iostream>

#include "commands/commands.h"
#include "log/logger.h"
#include "tokens/demo_portal.h"

namespace tc {

namespace {

// `init` creates the folder of an embedded (sqlite:) database, so a fresh checkout just works.
Status CreateSqliteFolder(const std::string& url, const char* key) {
  const std::string prefix = "sqlite:";
  if (!url.starts_with(prefix)) return Status::Ok();
  const auto folder = std::filesystem::path(url.substr(prefix.size())).parent_path();
  std::error_code error;
  if (!folder.empty()) std::filesystem::create_directories(folder, error);
  if (error) {
    return MakeError(ErrorClass::kStore, std::string(key) + ": cannot create folder " +
                                             folder.string() + ": " + error.message());
  }
  return Status::Ok();
}

}  // namespace

int InitCommand(const CommonOptions& common, int64_t demo_users) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  for (const auto& [url, key] : {std::pair{config->store.url, "store.url"},
                                 std::pair{config->tokens.url, "tokens.url"}}) {
    if (key == std::string("tokens.url") && demo_users == 0) continue;  // the portal's, not ours
    if (Status made = CreateSqliteFolder(url, key); !made.ok()) {
      return ReportStartupError("init", made.error());
    }
  }
  if (demo_users > 0) {
    // The portal's token table is never ours to create, except in the embedded demo database.
    const std::string prefix = "sqlite:";
    if (!config->tokens.url.starts_with(prefix)) {
      return ReportStartupError(
          "usage", MakeError(ErrorClass::kConfig,
                             "--demo-users: tokens.url must be a sqlite: database"));
    }
    Status seeded = SeedDemoPortal(config->tokens.url.substr(prefix.size()), config->tokens.table,
                                   demo_users);
    if (!seeded.ok()) return ReportStartupError("demo portal", seeded.error());
    LogInfo("demo portal seeded", {{"users", demo_users}});
  }
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return ReportStartupError("cache store", store.error());
  if (Status ready = (*store)->Init(); !ready.ok()) return ReportStartupError("init", ready.error());
  LogInfo("store initialised", {{"cache_collection", config->store.cache_collection},
                                {"log_collection", config->store.log_collection}});
  return kExitOk;
}

}  // namespace tc
