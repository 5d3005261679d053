#include <iostream>

#include "commands/commands.h"
#include "commands/standard_output.h"

namespace tc {

int ShowCommand(const CommonOptions& common, int64_t user_id) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return ReportStartupError("cache store", store.error());
  auto loaded = (*store)->Load(user_id);
  if (!loaded.ok()) return ReportStartupError("load", loaded.error());
  if (!loaded->has_value()) {
    std::cerr << "ticketcache: no cache document for user " << user_id << "\n";
    return kExitAborted;
  }
  // Exactly the stored JSON text (JavaScript's JSON.stringify of the document).
  return WriteStandardOutput(JsStringify(DocumentToJson((*loaded)->document)) + "\n");
}

}  // namespace tc
