#include "commands/status_page.h"

#include <fmt/format.h>

#include "log/secret_redactor.h"
#include "report/run_summary.h"

namespace tc {

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string RunsTable(const StatusReport& report) {
  std::string out =
      "<h2>Recent runs</h2><table><tr><th>run</th><th>started</th><th>status</th>"
      "<th>duration</th></tr>";
  for (const auto& run : report.runs) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
        HtmlEscape(run.run_id), FormatIsoUtcMillis(run.started_at_ms), HtmlEscape(run.status),
        HtmlEscape(run.status),
        run.finished_at_ms
            ? fmt::format("{:.1f}s",
                          static_cast<double>(run.finished_at_ms - run.started_at_ms) / 1000.0)
            : "-");
  }
  return out + "</table>";
}

std::string FailingUsersTable(const StatusReport& report) {
  std::string out =
      "<h2>Users failing persistently</h2><table><tr><th>user</th><th>failures</th>"
      "<th>last class</th><th>next attempt</th></tr>";
  for (const auto& user : report.failing_users) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", user.user_id,
        user.consecutive_failures, HtmlEscape(user.last_error_class),
        user.next_attempt_at ? FormatIsoUtcMillis(user.next_attempt_at * 1000) : "next run");
  }
  return out + "</table>";
}

}  // namespace

std::string RenderStatusPage(const ScheduleState& schedule, const Result<StatusReport>& report) {
  std::string page =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>ticketcache</title>"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.lost{color:#b00}</style>"
      "</head><body><h1>ticketcache</h1>";
  std::string state = schedule.running ? "running" : "idle";
  if (report.ok() && !report->current_runs.empty()) {
    state = "running " + report->current_runs.front().run_id;
  }
  page += fmt::format(
      "<p>Schedule <code>{}</code> ({}) &middot; next run {} &middot; {} &middot; "
      "{} ticks skipped</p>",
      HtmlEscape(schedule.cron), HtmlEscape(schedule.timezone),
      schedule.next_fire.empty() ? "-" : HtmlEscape(schedule.next_fire), HtmlEscape(state),
      schedule.skipped_ticks);
  if (!schedule.last_summary_json.empty()) {
    page += "<h2>Last run</h2><pre>" + HtmlEscape(schedule.last_summary_json) + "</pre>";
  }
  if (report.ok()) {
    page += RunsTable(*report) + FailingUsersTable(*report);
  } else {
    page += "<p class=\"lost\">store unavailable: " +
            HtmlEscape(RedactSecrets(report.error().ToString())) + "</p>";
  }
  page +=
      "<p><a href=\"/metrics\">/metrics</a> &middot; <a href=\"/healthz\">/healthz</a>"
      " &middot; <a href=\"/readyz\">/readyz</a></p></body></html>";
  return page;
}

}  // namespace tc
