#include <iostream>

#include "alerts/webhook_alert.h"
#include "commands/commands.h"
#include "config/config_renderer.h"

namespace tc {

int ConfigCommand(const CommonOptions& common) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  // What `serve` would refuse at start is refused here too, with the same message.
  if (auto schedule = ParseConfiguredSchedule(config->schedule); !schedule.ok()) {
    return ReportStartupError("configuration", schedule.error());
  }
  // The webhook URL lives in its own file (it is a secret): checked as `run` and `serve` check it.
  if (auto alerts = RunAlerts::Create(config->alerts); !alerts.ok()) {
    return ReportStartupError("configuration", alerts.error());
  }
  std::cout << RenderRedactedConfig(*config);
  return kExitOk;
}

}  // namespace tc
