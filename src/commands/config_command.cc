#include <iostream>

#include "commands/commands.h"
#include "config/config_renderer.h"

namespace tc {

int ConfigCommand(const CommonOptions& common) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  std::cout << RenderRedactedConfig(*config);
  return kExitOk;
}

}  // namespace tc
