#include "sim_command_line.h"

#include <fmt/format.h>

#include <charconv>

namespace tc::sim {

void AddSimOptions(CLI::App& app, SimLaunch& launch) {
  SimSettings& s = launch.settings;
  app.description("ticketcache-sim: a local Bytemark API simulator (see docs/simulator.md)");
  app.add_option("--listen", launch.listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  app.add_option("--users", s.users, "users 1..N exist")->capture_default_str();
  app.add_option("--passes", s.passes, "active passes per user")->capture_default_str();
  app.add_option("--expired", s.expired, "expired passes per user")->capture_default_str();
  app.add_option("--latency-ms", s.latency_ms, "latency added to every API answer")
      ->capture_default_str();
  app.add_option("--latency-dist", launch.latency_dist, "fixed | uniform (0..2L) | exponential")
      ->capture_default_str();
  app.add_option("--threads", launch.threads, "io threads")->capture_default_str();
  app.add_option("--rate-limit", s.rate_limit, "global API requests/s, over it 429 (0 = off)")
      ->capture_default_str();
  app.add_option("--fault-5xx", s.fault_5xx, "probability of a 500/503 per request");
  app.add_option("--fault-timeout", s.fault_timeout, "probability of a stall then 504");
  app.add_option("--fault-malformed", s.fault_malformed, "probability of a truncated body");
  app.add_option("--fault-401", s.fault_401, "probability of a 401");
  app.add_option("--fault-429", s.fault_429, "probability of a 429 with Retry-After: 1");
  app.add_option("--fault-429-first", s.fault_429_first,
                 "probability that a page's first request answers 429 (its retries do not)");
  app.add_option("--timeout-delay-ms", s.timeout_delay_ms, "how long a timeout fault stalls")
      ->capture_default_str();
  app.add_option("--seed", launch.seed, "seed of the fault and latency draws")
      ->capture_default_str();
  app.add_option("--next-style", launch.next_style, "mixed | path | true")->capture_default_str();
  app.add_option("--fault-all", s.fault_all,
                 "hostile mode: this fault kind for every API request of everyone");
  app.add_option("--retry-after", s.retry_after,
                 "Retry-After of every 429: delta-seconds or date+N (an HTTP-date N s ahead)")
      ->capture_default_str();
  app.add_option("--big-page-bytes", s.big_page_bytes, "page size of the forever_big fault")
      ->capture_default_str();
}

Status FinishSimLaunch(SimLaunch& launch) {
  auto bad = [](std::string_view flag, std::string_view why) {
    return MakeError(ErrorClass::kConfig, fmt::format("{}: {}", flag, why));
  };
  const std::string& listen = launch.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("--listen", "expected HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view port_text = std::string_view(listen).substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad("--listen", "port must be 0..65535");
  }
  launch.host = host;
  launch.port = static_cast<uint16_t>(port);
  if (launch.threads < 1 || launch.threads > 64) return bad("--threads", "must be 1..64");
  if (!ParseLatencyDistribution(launch.latency_dist, launch.settings.latency_dist)) {
    return bad("--latency-dist", "expected fixed, uniform or exponential");
  }
  if (!ParseNextStyle(launch.next_style, launch.settings.next_style)) {
    return bad("--next-style", "expected mixed, path or true");
  }
  return CheckSimSettings(launch.settings);
}

}  // namespace tc::sim
