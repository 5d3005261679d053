#include "serve/status_page.h"

#include <fmt/format.h>

#include "serve/status_page_assets.h"

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

std::string JsonForScriptElement(const Json& document) {
  // '<' only occurs inside JSON strings, where \u003c means the same character.
  const std::string text = document.dump();
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// A value of the document as page text: numbers and strings as they are, null as a dash.
std::string Cell(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return HtmlEscape(value.get<std::string>());
  if (value.is_number_float()) return fmt::format("{:.1f}", value.get<double>());
  return HtmlEscape(value.dump());
}

std::string ServerRenderedState(const Json& document) {
  const Json& schedule = document["schedule"];
  std::string state = "idle";
  const Json& current = document["current_run"];
  if (!current.is_null()) {
    state = "running " + Cell(current["run_id"]);
    if (!current["users_done"].is_null()) {
      state += fmt::format(" ({} of {} users)", Cell(current["users_done"]),
                           Cell(current["users_total"]));
    }
  }
  std::string out = fmt::format("<p>Schedule <code>{}</code> ({}) &middot; next run {} &middot; {}",
                                Cell(schedule["cron"]), Cell(schedule["timezone"]),
                                Cell(schedule["next_run_at"]), state);
  if (!schedule["ticks_skipped"].is_null()) {
    out += fmt::format(" &middot; {} ticks skipped", Cell(schedule["ticks_skipped"]));
  }
  out += "</p>";
  if (!document["store_error"].is_null()) {
    out += "<p class=\"banner\">Cache store unavailable: " + Cell(document["store_error"]) + "</p>";
  }
  return out;
}

std::string ServerRenderedRuns(const Json& document) {
  std::string out =
      "<h2>Recent runs</h2><div class=\"scroll\"><table><tr><th>run</th><th>started</th>"
      "<th>status</th><th>duration</th><th>seen</th><th>built</th><th>updated</th>"
      "<th>unchanged</th><th>failed</th><th>backoff</th><th>abandoned</th><th>API calls</th>"
      "<th>reason</th></tr>";
  for (const Json& run : document["runs"]) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"s-{}\">{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        Cell(run["run_id"]), Cell(run["started_at"]), Cell(run["status"]), Cell(run["status"]),
        Cell(run["duration_seconds"]), Cell(run["users_seen"]), Cell(run["built"]),
        Cell(run["updated"]), Cell(run["unchanged"]), Cell(run["failed"]),
        Cell(run["skipped_backoff"]), Cell(run["abandoned"]), Cell(run["api_requests"]),
        Cell(run["reason"]));
  }
  return out + "</table></div>";
}

std::string ServerRenderedFailures(const Json& document) {
  const Json& failures = document["failures"];
  std::string out = fmt::format(
      "<h2>Users failing persistently</h2><p>{} users failed {} or more runs in a row; {} "
      "one-off failures (retried next run).</p><div class=\"scroll\"><table><tr><th>user</th>"
      "<th>failed runs</th><th>last class</th><th>last attempt</th><th>next attempt</th>"
      "<th>last error</th></tr>",
      Cell(failures["persistent_users"]), Cell(failures["persistent_after_runs"]),
      Cell(failures["one_off_users"]));
  for (const Json& user : document["failing_users"]) {
    out +=
        fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    Cell(user["user_id"]), Cell(user["failed_runs"]),
                    Cell(user["last_error_class"]), Cell(user["last_attempt_at"]),
                    user["next_attempt_at"].is_null() ? "next run" : Cell(user["next_attempt_at"]),
                    Cell(user["last_error"]));
  }
  return out + "</table></div>";
}

}  // namespace

std::string RenderStatusPage(const Json& document) {
  std::string page =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>ticketcache status</title><link rel=\"icon\" href=\"data:,\"><style>";
  page += kStatusPageStyle;
  page +=
      "</style></head><body><header><h1>ticketcache</h1><span id=\"state\" class=\"pill\"></span>"
      "<span class=\"sched\" id=\"schedule\"></span><span class=\"spacer\"></span>"
      "<span class=\"live\"><span class=\"dot stale\" id=\"live-dot\"></span>"
      "<span id=\"live-text\">static page</span></span></header><main>";
  page += "<div id=\"ssr\" class=\"card\">" + ServerRenderedState(document) +
          ServerRenderedRuns(document) + ServerRenderedFailures(document) + "</div>";
  page += kStatusPageBody;
  page +=
      "<footer><a href=\"api/status\">/api/status</a> &middot; <a href=\"metrics\">/metrics</a>"
      " &middot; <a href=\"healthz\">/healthz</a> &middot; <a href=\"readyz\">/readyz</a>"
      "</footer></main>";
  page += "<script type=\"application/json\" id=\"initial-status\">" +
          JsonForScriptElement(document) + "</script><script>";
  page += kStatusPageScript;
  page += "</script></body></html>";
  return page;
}

}  // namespace tc
