#include "config/config_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "config/value_checks.h"

namespace tc {
namespace {

using Milliseconds = std::chrono::milliseconds;

template <typename T>
using Slot = T& (*)(Config&);
template <typename T>
using Check = Problem (*)(const T&);

// A key holding a T at `slot`, checked by `check` after parsing.
template <typename T>
KeySpec Key(std::string_view name, Slot<T> slot, Check<T> check = nullptr,
            KeyKind kind = KeyKind::kValue) {
  KeySpec spec;
  spec.name = name;
  spec.kind = kind;
  auto store = [slot, check](Config& config, T value) -> Problem {
    if (check != nullptr) {
      if (Problem problem = check(value)) return problem;
    }
    slot(config) = std::move(value);
    return std::nullopt;
  };
  spec.from_text = [slot, store](Config& config, std::string_view text) -> Problem {
    T value = slot(config);
    if (Problem problem = ValueCodec<T>::FromText(text, value)) return problem;
    return store(config, std::move(value));
  };
  spec.from_toml = [slot, store](Config& config, const toml::node& node) -> Problem {
    T value = slot(config);
    if (Problem problem = ValueCodec<T>::FromToml(node, value)) return problem;
    return store(config, std::move(value));
  };
  spec.render = [slot](Config& config) { return ValueCodec<T>::Render(slot(config)); };
  return spec;
}

// A password (kSecret) or the file holding it (kPasswordFile); the loader handles both.
KeySpec PasswordKey(std::string_view name, Slot<std::string> slot, KeyKind kind) {
  KeySpec spec;
  spec.name = name;
  spec.kind = kind;
  spec.text = slot;
  return spec;
}

// A URL: a string that may not carry a password.
KeySpec UrlKey(std::string_view name, Slot<std::string> slot, Check<std::string> check) {
  KeySpec spec = Key<std::string>(name, slot, check, KeyKind::kUrl);
  spec.text = slot;
  return spec;
}

std::vector<KeySpec> BuildKeys() {
  using S = std::string;
  return {
      UrlKey(
          "tokens.url", [](Config& c) -> S& { return c.tokens.url; }, TokensUrl),
      Key<S>(
          "tokens.table", [](Config& c) -> S& { return c.tokens.table; }, PlainName),
      Key<int>(
          "tokens.page_size", [](Config& c) -> int& { return c.tokens.page_size; }, Positive<int>),
      PasswordKey(
          "tokens.password", [](Config& c) -> S& { return c.tokens.password; }, KeyKind::kSecret),
      PasswordKey(
          "tokens.password_file", [](Config& c) -> S& { return c.tokens.password; },
          KeyKind::kPasswordFile),
      Key<S>("tokens.tls_ca", [](Config& c) -> S& { return c.tokens.tls_ca; }),
      UrlKey(
          "store.url", [](Config& c) -> S& { return c.store.url; }, StoreUrl),
      Key<S>(
          "store.cache_collection", [](Config& c) -> S& { return c.store.cache_collection; },
          PlainName),
      Key<S>(
          "store.log_collection", [](Config& c) -> S& { return c.store.log_collection; },
          PlainName),
      PasswordKey(
          "store.password", [](Config& c) -> S& { return c.store.password; }, KeyKind::kSecret),
      PasswordKey(
          "store.password_file", [](Config& c) -> S& { return c.store.password; },
          KeyKind::kPasswordFile),
      Key<S>("store.tls_ca", [](Config& c) -> S& { return c.store.tls_ca; }),
      UrlKey(
          "bytemark.customer_api", [](Config& c) -> S& { return c.bytemark.customer_api; },
          HttpUrl),
      Key<int>(
          "bytemark.page_size", [](Config& c) -> int& { return c.bytemark.page_size; },
          Positive<int>),
      Key<Milliseconds>(
          "bytemark.timeout", [](Config& c) -> Milliseconds& { return c.bytemark.timeout; },
          Positive<Milliseconds>),
      Key<Milliseconds>(
          "bytemark.connect_timeout",
          [](Config& c) -> Milliseconds& { return c.bytemark.connect_timeout; },
          Positive<Milliseconds>),
      Key<int>(
          "bytemark.max_pages", [](Config& c) -> int& { return c.bytemark.max_pages; },
          Positive<int>),
      Key<int64_t>(
          "bytemark.max_response_bytes",
          [](Config& c) -> int64_t& { return c.bytemark.max_response_bytes; }, Positive<int64_t>),
      Key<int64_t>(
          "bytemark.max_bytes_per_user",
          [](Config& c) -> int64_t& { return c.bytemark.max_bytes_per_user; }, Positive<int64_t>),
      Key<Milliseconds>(
          "bytemark.max_retry_after",
          [](Config& c) -> Milliseconds& { return c.bytemark.max_retry_after; },
          NonNegative<Milliseconds>),
      Key<S>("bytemark.ca_path", [](Config& c) -> S& { return c.bytemark.ca_path; }),
      Key<Milliseconds>(
          "refresh.ttl", [](Config& c) -> Milliseconds& { return c.refresh.ttl; },
          Positive<Milliseconds>),
      Key<Milliseconds>(
          "refresh.refresh_ahead",
          [](Config& c) -> Milliseconds& { return c.refresh.refresh_ahead; },
          NonNegative<Milliseconds>),
      Key<int>(
          "refresh.concurrency", [](Config& c) -> int& { return c.refresh.concurrency; },
          Between<1, kMaxConcurrency>),
      Key<double>(
          "refresh.rate_limit", [](Config& c) -> double& { return c.refresh.rate_limit; },
          NonNegative<double>),
      Key<int>(
          "refresh.retries", [](Config& c) -> int& { return c.refresh.retry.retries; },
          NonNegative<int>),
      Key<std::vector<S>>(
          "refresh.free_product_uuids",
          [](Config& c) -> std::vector<S>& { return c.refresh.free_product_uuids; }),
      Key<Milliseconds>(
          "refresh.grace_period", [](Config& c) -> Milliseconds& { return c.refresh.grace_period; },
          NonNegative<Milliseconds>),
      Key<Milliseconds>(
          "refresh.retry_base_delay",
          [](Config& c) -> Milliseconds& { return c.refresh.retry.base_delay; },
          Positive<Milliseconds>),
      Key<Milliseconds>(
          "refresh.retry_max_delay",
          [](Config& c) -> Milliseconds& { return c.refresh.retry.max_delay; },
          Positive<Milliseconds>),
      Key<double>(
          "refresh.breaker_failure_ratio",
          [](Config& c) -> double& { return c.refresh.breaker.failure_ratio; }, Ratio),
      Key<int>(
          "refresh.breaker_window", [](Config& c) -> int& { return c.refresh.breaker.window; },
          Positive<int>),
      Key<int>(
          "refresh.breaker_min_calls",
          [](Config& c) -> int& { return c.refresh.breaker.min_calls; }, Positive<int>),
      Key<Milliseconds>(
          "refresh.breaker_open_for",
          [](Config& c) -> Milliseconds& { return c.refresh.breaker.open_for; },
          Positive<Milliseconds>),
      Key<Milliseconds>(
          "refresh.breaker_give_up_after",
          [](Config& c) -> Milliseconds& { return c.refresh.breaker.give_up_after; },
          Positive<Milliseconds>),
      Key<int>(
          "refresh.api_wide_min_users",
          [](Config& c) -> int& { return c.refresh.api_wide.min_users; }, Positive<int>),
      Key<int>(
          "refresh.api_wide_window", [](Config& c) -> int& { return c.refresh.api_wide.window; },
          Positive<int>),
      Key<double>(
          "refresh.api_wide_ratio", [](Config& c) -> double& { return c.refresh.api_wide.ratio; },
          Ratio),
      Key<Milliseconds>(
          "refresh.user_backoff_base",
          [](Config& c) -> Milliseconds& { return c.refresh.user_backoff.base; },
          Positive<Milliseconds>),
      Key<Milliseconds>(
          "refresh.user_backoff_max",
          [](Config& c) -> Milliseconds& { return c.refresh.user_backoff.max; },
          Positive<Milliseconds>),
      Key<Milliseconds>(
          "refresh.lock_ttl", [](Config& c) -> Milliseconds& { return c.refresh.lock.ttl; },
          Positive<Milliseconds>),
      Key<S>(
          "schedule.mode", [](Config& c) -> S& { return c.schedule.mode; }, ScheduleMode),
      Key<S>(
          "schedule.cron", [](Config& c) -> S& { return c.schedule.cron; }, NonEmpty),
      Key<S>(
          "schedule.timezone", [](Config& c) -> S& { return c.schedule.timezone; }, NonEmpty),
      Key<S>(
          "server.listen", [](Config& c) -> S& { return c.server.listen; }, ListenAddress),
      Key<S>("alerts.webhook_url_file", [](Config& c) -> S& { return c.alerts.webhook_url_file; }),
      Key<Milliseconds>(
          "alerts.webhook_timeout",
          [](Config& c) -> Milliseconds& { return c.alerts.webhook_timeout; },
          Positive<Milliseconds>),
      Key<double>(
          "prune.max_fraction", [](Config& c) -> double& { return c.prune.max_fraction; }, Ratio),
      Key<S>("prune.cron", [](Config& c) -> S& { return c.prune.cron; }),
      Key<Milliseconds>(
          "retention.runs", [](Config& c) -> Milliseconds& { return c.retention.runs; },
          NonNegative<Milliseconds>),
      Key<Milliseconds>(
          "retention.audit", [](Config& c) -> Milliseconds& { return c.retention.audit; },
          NonNegative<Milliseconds>),
      Key<S>("on_demand.token_file", [](Config& c) -> S& { return c.on_demand.token_file; }),
      Key<Milliseconds>(
          "on_demand.deadline", [](Config& c) -> Milliseconds& { return c.on_demand.deadline; },
          Positive<Milliseconds>),
      Key<bool>("refresh_requests.enabled",
                [](Config& c) -> bool& { return c.refresh_requests.enabled; }),
      Key<S>(
          "refresh_requests.table", [](Config& c) -> S& { return c.refresh_requests.table; },
          PlainName),
      Key<std::vector<int>>(
          "refresh_requests.types",
          [](Config& c) -> std::vector<int>& { return c.refresh_requests.types; }, ActivityTypes),
      Key<Milliseconds>(
          "refresh_requests.poll_interval",
          [](Config& c) -> Milliseconds& { return c.refresh_requests.poll_interval; },
          Positive<Milliseconds>),
      Key<S>(
          "log.level", [](Config& c) -> S& { return c.log.level; }, LogLevel),
      Key<S>(
          "log.format", [](Config& c) -> S& { return c.log.format; }, LogFormat),
      Key<Milliseconds>(
          "log.progress_interval",
          [](Config& c) -> Milliseconds& { return c.log.progress_interval; },
          NonNegative<Milliseconds>),
  };
}

// Levenshtein distance, for "did you mean" hints (a dozen lines; no Debian package offers it
// without pulling in far more than it saves).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<KeySpec>& ConfigKeys() {
  static const std::vector<KeySpec> keys = BuildKeys();
  return keys;
}

const KeySpec* FindKey(std::string_view name) {
  for (const KeySpec& spec : ConfigKeys()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string_view SectionOf(std::string_view name) { return name.substr(0, name.find('.')); }
std::string_view KeyOf(std::string_view name) { return name.substr(name.find('.') + 1); }

bool IsSection(std::string_view section) {
  const auto& keys = ConfigKeys();
  return std::any_of(keys.begin(), keys.end(),
                     [&](const KeySpec& spec) { return SectionOf(spec.name) == section; });
}

std::string EnvNameOf(std::string_view name) {
  std::string env = "TICKETCACHE_";
  for (char c : name) {
    env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

std::optional<std::string> ClosestName(std::string_view unknown, bool sections) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, unknown.size() / 3) + 1;
  for (const KeySpec& spec : ConfigKeys()) {
    const std::string_view candidate = sections ? SectionOf(spec.name) : spec.name;
    const size_t distance = EditDistance(unknown, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

std::string UnknownKeyMessage(std::string_view name, std::string_view where) {
  std::string message = fmt::format("unknown key '{}' ({})", name, where);
  if (auto hint = ClosestName(name, false)) message += fmt::format("; did you mean '{}'?", *hint);
  return message;
}

}  // namespace tc
