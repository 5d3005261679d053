#include "support/serve_process.h"

#include <chrono>
#include <thread>

namespace tc {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);

// Polls serve's stderr until `found` gives a non-zero answer (returned), serve exits, or
// `timeout_ms` passes (then 0).
template <typename Found>
auto PollStderr(BackgroundChild& serve, int timeout_ms, Found found) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto answer = found(serve.StderrSoFar())) return answer;
    if (!serve.Running()) break;
    std::this_thread::sleep_for(kPoll);
  }
  return decltype(found(std::string()))();
}

}  // namespace

ServeProcess::ServeProcess(const std::string& config_path, const std::string& dir,
                           const std::map<std::string, std::string>& env)
    : BackgroundChild({TICKETCACHE_BINARY, "serve", "--config", config_path}, env, dir) {}

int ServeProcess::WaitUntilReady() {
  const int port = WaitForServePort(*this);
  return port > 0 && WaitForStoresOpen(*this) ? port : 0;
}

int ServePortIn(const std::string& log) {
  const size_t serving = log.find("\"message\":\"serving\"");
  if (serving == std::string::npos) return 0;
  const std::string marker = "\"port\":";
  const size_t at = log.find(marker, serving);
  const size_t line_end = log.find('\n', serving);
  if (at == std::string::npos || (line_end != std::string::npos && at > line_end)) return 0;
  int port = 0;
  for (size_t i = at + marker.size(); i < log.size() && log[i] >= '0' && log[i] <= '9'; ++i) {
    port = port * 10 + (log[i] - '0');
  }
  return port;
}

int WaitForServePort(BackgroundChild& serve, int timeout_ms) {
  return PollStderr(serve, timeout_ms, ServePortIn);
}

bool WaitForStoresOpen(BackgroundChild& serve, int timeout_ms) {
  return PollStderr(serve, timeout_ms, [](const std::string& log) {
    return log.find("\"message\":\"stores open\"") != std::string::npos;
  });
}

}  // namespace tc
