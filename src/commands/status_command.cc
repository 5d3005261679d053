#include "clock/clock.h"
#include "commands/commands.h"
#include "commands/standard_output.h"
#include "serve/status_service.h"
#include "storage/open_cache_store.h"

namespace tc {

int StatusCommand(const CommonOptions& common, bool json, int runs) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto store = OpenCacheStore(config->store, StoreAccess::kReadOnly);
  if (!store.ok()) return ReportStartupError("cache store", store.error());
  SystemClock clock;
  StatusService status(**store, clock, config->schedule, /*daemon=*/false);
  const Json document = status.Document(runs, StatusService::kFailingUsers);
  if (!document["store_error"].is_null()) {
    return ReportStartupError(
        "status", MakeError(ErrorClass::kStore, document["store_error"].get<std::string>()));
  }
  return WriteStandardOutput(json ? document.dump(2) + "\n" : RenderStatusText(document));
}

}  // namespace tc
