// `serve`'s status page (GET /): the schedule and the daemon's state, then the same report
// `ticketcache status` prints (commands/status_report.h), as one self-contained HTML page.
#pragma once

#include <cstdint>
#include <string>

#include "commands/status_report.h"

namespace tc {

// What only the daemon knows.
struct ScheduleState {
  std::string cron;
  std::string timezone;
  std::string next_fire;  // zoned ISO time, empty before the first wait
  bool running = false;   // a run of this daemon is going
  int64_t skipped_ticks = 0;
  std::string last_summary_json;  // the last run's summary, empty before the first
};

std::string RenderStatusPage(const ScheduleState& schedule, const Result<StatusReport>& report);

std::string HtmlEscape(const std::string& text);

}  // namespace tc
