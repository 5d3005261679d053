// The effective configuration: TOML file, then TICKETCACHE_<SECTION>_<KEY> environment,
// then command-line flags; later wins. See docs/configuration.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "error/error.h"

namespace tc {

struct TokensConfig {
  std::string url = "sqlite:data/portal.db";  // sqlite:PATH or mysql://user@host:port/db
  std::string table = "bytemark_tokens";
  int page_size = 1000;  // users per keyset page
  std::string password;  // secret: from env or password_file only
  std::string tls_ca;    // MySQL: CA file; non-empty turns TLS on
};

struct StoreConfig {
  std::string url = "sqlite:data/cache.db";  // sqlite:PATH, mysql://…, mongodb://…
  std::string cache_collection = "BytemarkTicketsCache";
  std::string log_collection = "BytemarkTicketsLog";
  std::string password;  // secret
  std::string tls_ca;
};

struct BytemarkConfig {
  std::string customer_api = "http://127.0.0.1:8089";
  int page_size = 100;
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds connect_timeout{5'000};
  int max_pages = 200;  // per list per user; more is "endless paging"
  int64_t max_response_bytes = int64_t{8} * 1024 * 1024;
  // Response bytes kept over both lists' pages.
  int64_t max_bytes_per_user = int64_t{32} * 1024 * 1024;
  std::chrono::milliseconds max_retry_after{10'000};  // longest Retry-After waited for
  std::string ca_path;                                // CA bundle; empty = system default
};

// Retries of one API request (transient classes only): full-jitter exponential backoff.
// TOML: refresh.retries, refresh.retry_base_delay, refresh.retry_max_delay.
struct RetryPolicy {
  int retries = 3;
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{10'000};
};

// Circuit breaker over recent users' API outcomes (failure/circuit_breaker.h). TOML:
// refresh.breaker_* (min_calls keeps its key's name; it counts users).
struct BreakerPolicy {
  double failure_ratio = 0.5;  // opens when failing users / users in the window reach this
  int window = 50;             // users considered (one outcome per user)
  int min_calls = 20;          // no decision on fewer users
  std::chrono::milliseconds open_for{10'000};       // then half-open: one probe
  std::chrono::milliseconds give_up_after{60'000};  // not closed this long: run degraded
};

// One failure class hitting most users tried is the API's, not theirs: the run ends degraded and
// nobody is put into per-user backoff for it (docs/failure-model.md). TOML: refresh.api_wide_*.
struct ApiWidePolicy {
  int min_users = 20;  // no verdict on fewer users tried (a handful of dead tokens is per-user)
  int window = 50;     // the verdict looks at the last this many users tried
  double ratio = 0.9;  // one class on at least this share of them: API-wide
};

// Per-user failure memory: from the 2nd consecutive failure a user waits
// min(base * 2^(failures-2), max) before the next attempt. TOML: refresh.user_backoff_*.
struct UserBackoffPolicy {
  std::chrono::milliseconds base{60 * 60'000};
  std::chrono::milliseconds max{24 * 60 * 60'000};
};

// A run holds its lock this long and renews it while it runs (a killed run frees it by expiry).
// TOML: refresh.lock_ttl.
struct LockPolicy {
  std::chrono::milliseconds ttl{10 * 60'000};
};

// The most API requests a run keeps in flight (refresh.concurrency), whatever layer sets it: each
// takes a connection, and two descriptors per slot are kept open.
inline constexpr int kMaxConcurrency = 4096;

struct RefreshConfig {
  std::chrono::milliseconds ttl{60 * 60'000};
  std::chrono::milliseconds refresh_ahead{5 * 60'000};
  int concurrency = 32;   // 1..kMaxConcurrency
  double rate_limit = 0;  // requests/s across the run; 0 = unlimited
  std::vector<std::string> free_product_uuids;
  std::chrono::milliseconds grace_period{30'000};  // on SIGTERM, let in-flight users finish
  RetryPolicy retry;
  BreakerPolicy breaker;
  ApiWidePolicy api_wide;
  UserBackoffPolicy user_backoff;
  LockPolicy lock;
};

struct ScheduleConfig {
  std::string mode = "cron";  // cron: a sweep per fire time | continuous: paced passes
  std::string cron = "0 * * * *";
  std::string timezone = "UTC";
};

struct ServerConfig {
  std::string listen = "127.0.0.1:9464";
};

// Alerting (docs/operations.md): a Slack-compatible webhook told about degraded or aborted runs
// and users newly failing persistently.
struct AlertsConfig {
  std::string webhook_url_file;  // a file holding the webhook URL (a secret); empty: no alerts
  std::chrono::milliseconds webhook_timeout{5'000};  // both delivery attempts together
};

// `serve`'s POST /v1/users/{id}/refresh. Off unless token_file names a file with the bearer token.
struct OnDemandConfig {
  std::string token_file;                      // the bearer token (secret) is this file's content
  std::chrono::milliseconds deadline{10'000};  // answer 202 "running" when a refresh takes longer
};

// `ticketcache prune` and serve's prune schedule (docs/operations.md): orphaned caches, those of
// users without a usable token, are deleted.
struct PruneConfig {
  // A prune that would delete more than this fraction of the caches is refused (a truncated or
  // wrong token table must not wipe the cache); `prune --force` overrides.
  double max_fraction = 0.1;
  std::string cron;  // serve prunes on this schedule (schedule.timezone); empty: never
};

// How long run history and the audit log are kept; 0 = forever. Applied by `prune` and by serve
// once a day. The audit log belongs to the platform: kept forever unless configured.
struct RetentionConfig {
  std::chrono::milliseconds runs{90LL * 24 * 60 * 60'000};
  std::chrono::milliseconds audit{0};
};

// Activity-driven refresh requests: the portal table the apps write when a user buys or activates a
// ticket (docs/operations.md). Read where the token table is (tokens.url).
struct RefreshRequestsConfig {
  bool enabled = false;  // `serve` drains the table continuously
  std::string table = "bytemark_ticket_refresh_log";
  std::vector<int> types{1, 3};                    // activity types that ask for a refresh
  std::chrono::milliseconds poll_interval{2'000};  // how often `serve` reads the due requests
};

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string format = "json";  // json | text
  // When stderr is not a terminal, a run logs its progress this often; 0 = never.
  std::chrono::milliseconds progress_interval{30'000};
};

struct Config {
  TokensConfig tokens;
  StoreConfig store;
  BytemarkConfig bytemark;
  RefreshConfig refresh;
  ScheduleConfig schedule;
  ServerConfig server;
  AlertsConfig alerts;
  OnDemandConfig on_demand;
  PruneConfig prune;
  RetentionConfig retention;
  RefreshRequestsConfig refresh_requests;
  LogConfig log;
  // Not a setting: the TICKETCACHE_* environment variables LoadConfig left alone because
  // Kubernetes injects them for a Service named ticketcache* (TICKETCACHE_SERVICE_HOST,
  // TICKETCACHE_PORT, …). Logged at debug once logging is set up.
  std::vector<std::string> ignored_environment;
};

}  // namespace tc
