#include "support/serve_process.h"

#include <chrono>
#include <thread>

namespace tc {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);

}  // namespace

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
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (const int port = ServePortIn(serve.StderrSoFar()); port > 0) return port;
    if (!serve.Running()) return 0;
    std::this_thread::sleep_for(kPoll);
  }
  return 0;
}

bool WaitForStoresOpen(BackgroundChild& serve, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (serve.StderrSoFar().find("\"message\":\"stores open\"") != std::string::npos) return true;
    if (!serve.Running()) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return false;
}

}  // namespace tc
