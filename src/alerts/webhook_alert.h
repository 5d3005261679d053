// Alerting through a Slack-compatible incoming webhook (`[alerts] webhook_url_file`): one message
// when a run ends degraded or aborted, or when users newly enter persistent failure (their
// second failed run in a row). The URL is a secret: it is read from a file, registered with the
// log redactor, and only its host is ever logged. Delivery runs on its own thread with a short
// deadline and one retry; a failure is logged as a warning, never fatal, and never holds a run
// up for longer than `alerts.webhook_timeout`. docs/operations.md.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"
#include "json/js_json.h"
#include "report/run_summary.h"
#include "run/run_observer.h"
#include "store/cache_store_wrapper.h"

namespace tc {

// The host[:port] of `url`, for logs ("hooks.slack.com"); "" when it has none.
std::string WebhookHost(std::string_view url);

// Users whose failure became persistent during a run: how many, and the first few ids.
struct NewlyPersistent {
  int64_t count = 0;
  std::vector<int64_t> first_ids;  // ascending, at most kIdsShown
  static constexpr size_t kIdsShown = 10;
};

// Watches the run's per-user state writes (a CacheStore decorator): a state saved with exactly
// kPersistentFailureRuns consecutive failures is a user entering persistent failure now.
// Thread-safe like the store it wraps.
class PersistentFailureWatcher final : public CacheStoreWrapper {
 public:
  using CacheStoreWrapper::CacheStoreWrapper;
  Status SaveUserStates(std::span<const UserState> states) override;
  // What was seen since the last call, and forgets it.
  NewlyPersistent Take();

 private:
  std::mutex mutex_;
  int64_t count_ = 0;           // guarded by mutex_
  std::vector<int64_t> first_;  // guarded by mutex_
};

// The Slack message for a run, or nullopt when there is nothing to say (a healthy run, a dry
// run). `instance` names the machine in the message.
std::optional<Json> AlertPayload(const RunSummary& summary, const NewlyPersistent& persistent,
                                 const std::string& instance);

// Posts JSON payloads to the webhook, one at a time, each on a thread of its own.
class WebhookNotifier {
 public:
  // `clock` times the deadline and the pause before the retry; it must outlive the notifier.
  WebhookNotifier(std::string url, Duration timeout, const Clock& clock);
  ~WebhookNotifier();  // Wait()s
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  // Starts delivering `payload` (after the previous delivery, if still going, has ended).
  void Send(Json payload);
  // Until the delivery in progress ends: at most the timeout from its start.
  void Wait();
  const std::string& host() const { return host_; }

 private:
  void Deliver(const std::string& body) const;

  const std::string url_;
  const std::string host_;
  const Duration timeout_;
  const Clock& clock_;
  std::thread delivery_;
};

// The alerting of one process (`run` or `serve`). Without a configured webhook it does nothing:
// Watch() returns the store itself and observer() is null.
class RunAlerts final : public RunObserver {
 public:
  // Reads alerts.webhook_url_file; kConfig naming the key when it cannot be read, is empty or is
  // not an http(s) URL.
  static Result<std::unique_ptr<RunAlerts>> Create(const AlertsConfig& config);

  // The store to give the run: wrapped to notice users entering persistent failure.
  CacheStore& Watch(CacheStore& store);
  // The run's observer for alerts, or nullptr without a webhook.
  RunObserver* observer() { return notifier_ ? this : nullptr; }
  // Alerts about `summary` (a run that ended before it started: OnRunFinished is not called).
  void OnRunFinished(const RunSummary& summary) override;
  void OnRunStarted(const RunProgress& progress) override;
  std::chrono::milliseconds progress_interval() const override { return std::chrono::hours(24); }
  // Before the process exits: until the last alert is delivered or given up.
  void Wait();

 private:
  RunAlerts() = default;
  SystemClock clock_;
  std::unique_ptr<WebhookNotifier> notifier_;
  std::unique_ptr<PersistentFailureWatcher> watcher_;
  std::string instance_;
};

}  // namespace tc
