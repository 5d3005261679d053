#include "alerts/webhook_alert.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "bytemark/curl_transport.h"
#include "config/config_keys.h"
#include "config/regular_file.h"
#include "config/url_syntax.h"
#include "log/logger.h"
#include "log/secret_redactor.h"

namespace tc {

namespace {

constexpr std::string_view kUrlFileKey = "alerts.webhook_url_file";
// The first attempt gets this share of the timeout, so a receiver that never answers still
// leaves time for the retry.
constexpr double kFirstAttemptShare = 0.6;
constexpr auto kRetryPause = std::chrono::milliseconds(200);
constexpr auto kMinAttempt = std::chrono::milliseconds(100);

Error ConfigProblem(const std::string& problem) {
  return MakeError(ErrorClass::kConfig,
                   fmt::format("{} ({}): {}", kUrlFileKey, EnvNameOf(kUrlFileKey), problem));
}

// Slack's mrkdwn needs only these three escaped.
std::string SlackEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown host";
  return name;
}

bool Retryable(const Result<HttpResponse>& answer) {
  if (!answer.ok()) return true;
  return answer->status >= 500 || answer->status == 429;
}

std::string Outcome(const Result<HttpResponse>& answer) {
  if (!answer.ok()) return std::string(ErrorClassName(answer.error().error_class));
  return fmt::format("HTTP {}", answer->status);
}

}  // namespace

std::string WebhookHost(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest = rest.substr(at + 1);
  return std::string(rest);
}

Status PersistentFailureWatcher::SaveUserStates(std::span<const UserState> states) {
  Status saved = CacheStoreWrapper::SaveUserStates(states);
  if (!saved.ok()) return saved;
  std::lock_guard lock(mutex_);
  for (const UserState& state : states) {
    if (state.consecutive_failures != kPersistentFailureRuns) continue;
    ++count_;
    if (first_.size() < NewlyPersistent::kIdsShown) first_.push_back(state.user_id);
  }
  return saved;
}

NewlyPersistent PersistentFailureWatcher::Take() {
  std::lock_guard lock(mutex_);
  NewlyPersistent out;
  out.count = count_;
  out.first_ids = std::move(first_);
  std::sort(out.first_ids.begin(), out.first_ids.end());
  count_ = 0;
  first_.clear();
  return out;
}

std::optional<Json> AlertPayload(const RunSummary& summary, const NewlyPersistent& persistent,
                                 const std::string& instance) {
  if (summary.dry_run) return std::nullopt;
  const bool stopped =
      summary.status == RunStatus::kDegraded || summary.status == RunStatus::kAborted;
  if (!stopped && persistent.count == 0) return std::nullopt;

  std::vector<std::string> lines;
  if (stopped) {
    const std::string reason =
        summary.abort_reason.empty() ? "no reason recorded" : RedactSecrets(summary.abort_reason);
    lines.push_back(fmt::format(":rotating_light: ticketcache run `{}` ended *{}*: {}",
                                SlackEscape(summary.run_id), RunStatusName(summary.status),
                                SlackEscape(reason)));
  }
  if (persistent.count > 0) {
    std::string list;
    for (int64_t id : persistent.first_ids) list += (list.empty() ? "" : ", ") + std::to_string(id);
    if (persistent.count > static_cast<int64_t>(persistent.first_ids.size())) list += ", …";
    lines.push_back(fmt::format(
        ":warning: {} user{} newly failing persistently ({} runs in a row) in run `{}`: {}",
        persistent.count, persistent.count == 1 ? "" : "s", kPersistentFailureRuns,
        SlackEscape(summary.run_id), list));
  }
  const std::string context =
      fmt::format("{} · {} users seen, {} failed, {} API requests{}", SlackEscape(instance),
                  summary.users_seen, summary.failed, summary.api_requests,
                  summary.shard.empty() ? "" : " · shard " + SlackEscape(summary.shard));

  std::string text;
  for (const std::string& line : lines) text += (text.empty() ? "" : "\n") + line;
  Json payload = Json::object();
  payload["text"] = text + "\n" + context;
  Json section = Json::object();
  section["type"] = "section";
  section["text"] = Json{{"type", "mrkdwn"}, {"text", text}};
  Json context_block = Json::object();
  context_block["type"] = "context";
  context_block["elements"] = Json::array({Json{{"type", "mrkdwn"}, {"text", context}}});
  payload["blocks"] = Json::array({section, context_block});
  return payload;
}

WebhookNotifier::WebhookNotifier(std::string url, Duration timeout, const Clock& clock)
    : url_(std::move(url)), host_(WebhookHost(url_)), timeout_(timeout), clock_(clock) {}

WebhookNotifier::~WebhookNotifier() { Wait(); }

void WebhookNotifier::Wait() {
  if (delivery_.joinable()) delivery_.join();
}

void WebhookNotifier::Send(Json payload) {
  Wait();
  delivery_ = std::thread([this, body = payload.dump()] { Deliver(body); });
}

void WebhookNotifier::Deliver(const std::string& body) const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto deadline = clock_.SteadyNow() + timeout_;
  CurlTransport transport;
  Result<HttpResponse> answer = MakeError(ErrorClass::kInternal, "not attempted");
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto left = duration_cast<milliseconds>(deadline - clock_.SteadyNow());
    if (attempt == 2) {
      if (left < kRetryPause + kMinAttempt) break;
      clock_.SleepFor(kRetryPause);
      left -= kRetryPause;
    } else {
      left = duration_cast<milliseconds>(timeout_ * kFirstAttemptShare);
    }
    HttpRequest request;
    request.url = url_;
    request.method = "POST";
    request.body = body;
    request.timeout = std::max<Duration>(left, kMinAttempt);
    request.connect_timeout = request.timeout;
    request.max_response_bytes = 64 * 1024;
    answer = FetchBlocking(transport, request);
    if (answer.ok() && answer->status >= 200 && answer->status < 300) {
      LogInfo("alert delivered", {{"webhook_host", host_}, {"attempt", attempt}});
      return;
    }
    if (!Retryable(answer)) break;
  }
  // The error's own message names the URL: only its class or the HTTP status is logged.
  LogWarn("alert not delivered", {{"webhook_host", host_}, {"result", Outcome(answer)}});
}

Result<std::unique_ptr<RunAlerts>> RunAlerts::Create(const AlertsConfig& config) {
  std::unique_ptr<RunAlerts> alerts(new RunAlerts());
  if (config.webhook_url_file.empty()) return alerts;
  Result<std::string> content = ReadRegularFile(config.webhook_url_file, "file");
  if (!content.ok()) return ConfigProblem(content.error().message);
  std::string url = std::move(content).value();
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front()))) url.erase(0, 1);
  if (url.empty()) return ConfigProblem(fmt::format("\"{}\" is empty", config.webhook_url_file));
  // The URL is a secret (it is the credential of a Slack webhook): the problem never quotes it.
  if (const std::string problem = SecretHttpUrlProblem(url); !problem.empty()) {
    return ConfigProblem(fmt::format("\"{}\" does not hold a valid http(s) URL: {}",
                                     config.webhook_url_file, problem));
  }
  RegisterSecret(url);  // masked wherever it might appear in a log line or message
  alerts->notifier_ =
      std::make_unique<WebhookNotifier>(std::move(url), config.webhook_timeout, alerts->clock_);
  alerts->instance_ = HostName();
  return alerts;
}

CacheStore& RunAlerts::Watch(CacheStore& store) {
  if (!notifier_) return store;
  if (!watcher_) watcher_ = std::make_unique<PersistentFailureWatcher>(store);
  return *watcher_;
}

void RunAlerts::OnRunStarted(const RunProgress& /*progress*/) {
  if (watcher_) watcher_->Take();  // anything seen before this run is not this run's
}

void RunAlerts::OnRunFinished(const RunSummary& summary) {
  if (!notifier_) return;
  const NewlyPersistent persistent = watcher_ ? watcher_->Take() : NewlyPersistent{};
  std::optional<Json> payload = AlertPayload(summary, persistent, instance_);
  if (payload) notifier_->Send(std::move(*payload));
}

void RunAlerts::Wait() {
  if (notifier_) notifier_->Wait();
}

}  // namespace tc
