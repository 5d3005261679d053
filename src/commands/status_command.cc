#include "clock/clock.h"
#include "commands/commands.h"
#include "commands/standard_output.h"
#include "commands/status_report.h"

namespace tc {

namespace {

constexpr int kFailingUsersShown = 20;

}  // namespace

int StatusCommand(const CommonOptions& common, bool json, int runs) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return ReportStartupError("cache store", store.error());
  SystemClock clock;
  auto report = GatherStatus(**store, runs, kFailingUsersShown, clock.NowUnixMillis());
  if (!report.ok()) return ReportStartupError("status", report.error());
  return WriteStandardOutput(json ? StatusReportToJson(*report).dump(2) + "\n"
                                  : RenderStatusText(*report));
}

}  // namespace tc
