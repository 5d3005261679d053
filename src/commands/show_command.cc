#include <unistd.h>

#include <iostream>

#include "clock/clock.h"
#include "commands/commands.h"
#include "commands/show_report.h"
#include "commands/standard_output.h"
#include "storage/open_cache_store.h"

namespace tc {

int ShowCommand(const CommonOptions& common, int64_t user_id, ShowFormat format) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto store = OpenCacheStore(config->store, StoreAccess::kReadOnly);
  if (!store.ok()) return ReportStartupError("cache store", store.error());
  auto loaded = (*store)->Load(user_id);
  if (!loaded.ok()) return ReportStartupError("load", loaded.error());
  if (!loaded->has_value()) {
    std::cerr << "ticketcache: no cache document for user " << user_id << "\n";
    return kExitAborted;
  }
  const bool human =
      format == ShowFormat::kHuman || (format == ShowFormat::kAuto && isatty(STDOUT_FILENO) == 1);
  if (!human) {
    // Exactly the stored JSON text (JavaScript's JSON.stringify of the document).
    return WriteStandardOutput(JsStringify(DocumentToJson((*loaded)->document)) + "\n");
  }
  std::optional<UserState> state;
  const int64_t ids[] = {user_id};
  if (auto states = (*store)->LoadUserStates(ids); states.ok() && !states->empty()) {
    state = states->front();
  }
  SystemClock clock;
  return WriteStandardOutput(
      RenderShowText((*loaded)->document, state, config->refresh, clock.NowUnixSeconds()));
}

}  // namespace tc
